// Pretext's door to the BLAS: OpenBLAS is opened with dlopen on first use instead of being linked, so
// that Pretext can choose its kernel (OPENBLAS_CORETYPE) from the CPU's feature bits before OpenBLAS
// initialises. Debian's OpenBLAS 0.3.21 picks its kernel from a table of CPU models and silently falls
// back to generic SSE3 kernels on CPUs newer than the table (4x slower GEMMs); see BLASLibrary.swift.
#ifndef PRETEXT_BLAS_LOADER_H
#define PRETEXT_BLAS_LOADER_H

#ifdef __cplusplus
extern "C" {
#endif

/// Raw CPUID: regs = {eax, ebx, ecx, edx} for (leaf, subleaf); all zero above the highest leaf or off x86.
void pretext_cpuid(unsigned leaf, unsigned subleaf, unsigned regs[4]);

/// XCR0 (which register states the OS saves); 0 when the CPU has no XGETBV (OSXSAVE clear) or off x86.
unsigned long long pretext_xcr0(void);

/// Opens OpenBLAS. When `coretype` is non-NULL and OPENBLAS_CORETYPE is not set in the environment, it is
/// set to `coretype` for the library's initialisation and removed again afterwards; OPENBLAS_THREAD_TIMEOUT
/// is set to 4 the same way unless set (its threads sleep right after a threaded call instead of
/// spinning ~0.1 s on a core Pretext's threads need). Returns 0 on success;
/// otherwise -1 with a message in `error`. Call once (BLASLibrary does, from a Swift lazy global).
int pretext_blas_open(const char *coretype, char *error, int error_length);

/// The path of the opened library's file (empty before pretext_blas_open succeeded).
const char *pretext_blas_path(void);

/// OpenBLAS's own name for the kernel it runs ("Cooperlake", "Haswell", "Prescott", ...) and its build
/// configuration; "" before the library is open or when it does not say.
const char *pretext_blas_corename(void);
const char *pretext_blas_config(void);

/// Threads OpenBLAS may use inside one call (Pretext keeps it at 1 between calls; see
/// pretext_sgemm_threaded).
void pretext_blas_set_threads(int threads);

/// Whether the opened library can thread a call itself (it has openblas_set_num_threads).
int pretext_blas_can_thread(void);

/// Row-major C = alpha * op(A) * op(B) + beta * C, as cblas_sgemm(CblasRowMajor, ...).
void pretext_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                   const float *b, int ldb, float beta, float *c, int ldc);

/// pretext_sgemm with OpenBLAS's own `threads` threads for this one call, then back to 1. One caller at a
/// time: returns -1 without doing anything when another thread is inside a threaded call (or the
/// library cannot thread), so the caller splits the work itself instead; 0 when C was computed.
int pretext_sgemm_threaded(int threads, int trans_a, int trans_b, int m, int n, int k, float alpha,
                           const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc);

#ifdef __cplusplus
}
#endif
#endif
