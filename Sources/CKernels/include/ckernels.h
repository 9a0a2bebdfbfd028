// Elementwise kernels compiled once per x86-64 level (AVX-512, AVX2+FMA, baseline) and chosen at load
// time from the CPU's features (clang `target_clones`, resolved by the dynamic loader's ifunc), since
// Swift compiles for baseline x86-64 (SSE2) only. Floating-point contraction is off, so every version
// computes bit-identical results: the CPU changes the speed, never the numbers.
#ifndef PRETEXT_CKERNELS_H
#define PRETEXT_CKERNELS_H

#ifdef __cplusplus
extern "C" {
#endif

/// y[i] = GELU(x[i]) = x·Φ(x), exact (erf) form; see GELUKernels.swift for the approximation.
void pretext_gelu_forward(const float *x, float *y, long n);
/// gx[i] = g[i]·GELU'(x[i]) = g[i]·(Φ(x) + x·φ(x)).
void pretext_gelu_backward(const float *x, const float *g, float *gx, long n);
/// y[i] = max(x[i], 0) (0 for NaN, as the Swift loop it replaced).
void pretext_relu_forward(const float *x, float *y, long n);
/// gx[i] = g[i] where x[i] > 0, else +0 (PyTorch's threshold_backward: a non-finite g where x <= 0 gives 0).
void pretext_relu_backward(const float *x, const float *g, float *gx, long n);
/// Which version the loader picks on this CPU: "x86-64-v4 (AVX-512)", "x86-64-v3 (AVX2, FMA)", or baseline.
const char *pretext_ckernels_level(void);

/// Autograd recording for the calling thread: 1 = on (every thread starts on), 0 = off (no_grad).
int pretext_grad_enabled(void);
void pretext_set_grad_enabled(int enabled);

/// CRC-32C of `count` bytes continuing from `crc` (0 to start): SSE4.2 where available, else a table.
unsigned int pretext_crc32c_update(unsigned int crc, const void *data, long count);
/// The same by table only, to test the hardware path against.
unsigned int pretext_crc32c_table(unsigned int crc, const void *data, long count);

/// While plugin code runs: a fatal signal (segfault, Swift trap, abort) first prints "while running
/// <what>" and what to do on stderr, then proceeds as it would have. Main thread; not nested.
void pretext_crash_context_enter(const char *what);
void pretext_crash_context_leave(void);

#ifdef __cplusplus
}
#endif
#endif
