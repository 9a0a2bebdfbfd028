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

/// The kernels' worker pool (thread_pool.c): runs fn(ctx, c) for c in 0 ..< chunks on the calling thread
/// and up to threads - 1 workers that spin for a while after each job instead of sleeping at once.
/// Returns 0 when done, 1 when called from inside a chunk (run the chunks inline), -1 when another
/// thread's job is running (run them elsewhere).
typedef void (*pretext_pool_fn)(void *ctx, long chunk);
int pretext_pool_run(long chunks, int threads, pretext_pool_fn fn, void *ctx);
/// How long an idle worker spins (then yields) before it sleeps, in microseconds (default 100).
void pretext_pool_set_spin(long microseconds);
long pretext_pool_spin(void);

/// Winograd F(4x4, 3x3) transforms (winograd.c; WinogradConv.swift runs the GEMMs between them).
/// Transformed arrays are [36][rows][ld]: element (xi, row, col) at (xi * rows + row) * ld + col.
/// u[36][K][C] (ld = C) = G g G^T of the filters begin ..< end (index k * C + c) of w[K][C][3][3]; with
/// `flip`, u[36][C][K] of the filters rotated by 180 degrees (the input gradient's convolution).
void pretext_wino_weights(const float *w, float *u, long k_count, long c_count, long begin, long end, int flip);
/// gw[K][C][3][3] = G^T du G of du[36][K][C] (ld = C), filters begin ..< end.
void pretext_wino_weight_grad(const float *du, float *gw, long k_count, long c_count, long begin, long end);
/// v[36][C][ldt] = B^T d B of the 6x6 input tiles t0 ..< t0 + count of x[N][C][H][W] (tile t: image
/// t / (tiles_h * tiles_w), then row-major over the tile grid; top-left corner (4i - pad_h, 4j - pad_w)).
void pretext_wino_input(const float *x, float *v, long c_count, long h, long w, long pad_h, long pad_w,
                        long tiles_h, long tiles_w, long t0, long count, long ldt);
/// y[N][K][OH][OW] tiles t0 ..< t0 + count = A^T m A (+ bias[k], when bias is not NULL) of m[36][K][ldt].
void pretext_wino_output(const float *m, float *y, const float *bias, long k_count, long oh, long ow,
                         long tiles_h, long tiles_w, long t0, long count, long ldt);
/// dm[36][K][ldt] = A q A^T of the 4x4 tiles q (zero beyond OH x OW) of gy[N][K][OH][OW].
void pretext_wino_gradout(const float *gy, float *dm, long k_count, long oh, long ow, long tiles_h,
                          long tiles_w, long t0, long count, long ldt);

// Large buffers (a multiple of 2 MiB) mapped 2 MiB-aligned and advised onto transparent huge pages
// (memory.c; BufferPool uses them with PRETEXT_HUGE_PAGES=1). NULL when the mapping fails.
void *pretext_huge_alloc(long bytes);
void pretext_huge_free(void *p, long bytes);

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
