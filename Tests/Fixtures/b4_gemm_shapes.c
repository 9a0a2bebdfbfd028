/* b4_gemm_shapes.c: the GEMMs of pretext-bench B4 (MAE, ViT-S/16 at 224 px, batch 16, mask 0.75, decoder
 * 256 x 4) timed alone through cblas_sgemm, and the FMA peak of each core, to tell how much of a B4 step
 * is the BLAS kernel and how much the machine (README, "Measured: session 16"). A benchmark, not a test.
 *
 *   gcc -O2 -mavx2 -mfma Tests/Fixtures/b4_gemm_shapes.c -o /tmp/b4_gemm_shapes -lopenblas
 *   OPENBLAS_CORETYPE=Haswell OPENBLAS_NUM_THREADS=2 /tmp/b4_gemm_shapes      # or =1 for one core
 *
 * Each Linear y[T, out] = x[T, in] W^T runs as Pretext runs it (row-major): forward NT, input gradient
 * dY W (NN), weight gradient dY^T x (TN); best of 7 calls each. Then one AVX2 FMA loop (12 independent
 * accumulators) on the calling thread: 16 FLOP per FMA, the ceiling a GEMM kernel can approach. */
#include <cblas.h>
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

static float *filled(long n) {
    float *p = malloc(4 * n);
    for (long i = 0; i < n; i++) p[i] = (float)rand() / RAND_MAX - 0.5f;
    return p;
}

static double fma_peak(void) {
    __m256 acc[12], b = _mm256_set1_ps(0.999f), c = _mm256_set1_ps(1e-4f);
    for (int i = 0; i < 12; i++) acc[i] = _mm256_set1_ps((float)i);
    const long n = 100000000;
    double t0 = now();
    for (long i = 0; i < n; i++) {
#pragma GCC unroll 12
        for (int j = 0; j < 12; j++) acc[j] = _mm256_fmadd_ps(acc[j], b, c);
    }
    double t = now() - t0;
    float sink[8], s = 0;
    for (int j = 0; j < 12; j++) { _mm256_storeu_ps(sink, acc[j]); s += sink[0]; }
    if (s == 12345.0f) puts("");  /* keeps the loop */
    return n * 12.0 * 16 / t / 1e9;
}

int main(void) {
    /* tokens, in, out: encoder (800 = 16 x (49 + 1) tokens) qkv, proj, fc1, fc2; decoder (3152 = 16 x 197)
     * qkv, proj, fc1, fc2; patch embedding of the kept patches (784 x 768 -> 384); prediction (2352 masked). */
    static const int shapes[][3] = {{800, 384, 1152}, {800, 384, 384}, {800, 384, 1536}, {800, 1536, 384},
                                    {3152, 256, 768}, {3152, 256, 256}, {3152, 256, 1024}, {3152, 1024, 256},
                                    {784, 768, 384}, {2352, 256, 768}};
    static const char *kind[3] = {"forward NT", "input grad NN", "weight grad TN"};
    double flop = 0, seconds = 0;
    printf("%-22s %-15s %9s %9s\n", "T x in -> out", "GEMM", "ms", "GFLOP/s");
    for (unsigned s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        int T = shapes[s][0], in = shapes[s][1], out = shapes[s][2];
        float *x = filled((long)T * in), *w = filled((long)out * in), *y = filled((long)T * out);
        float *dx = filled((long)T * in), *dw = filled((long)out * in);
        for (int v = 0; v < 3; v++) {
            double best = 1e9;
            for (int r = 0; r < 7; r++) {
                double t0 = now();
                if (v == 0) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, out, in, 1, x, in, w, in, 0, y, out);
                if (v == 1) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, in, out, 1, y, out, w, in, 0, dx, in);
                if (v == 2) cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, out, in, T, 1, y, out, x, in, 0, dw, in);
                double t = now() - t0;
                if (t < best) best = t;
            }
            double gf = 2.0 * T * in * out / 1e9;
            char name[32];
            snprintf(name, sizeof name, "%d x %d -> %d", T, in, out);
            printf("%-22s %-15s %9.3f %9.1f\n", name, kind[v], best * 1e3, gf / best);
            flop += gf; seconds += best;
        }
        free(x); free(w); free(y); free(dx); free(dw);
    }
    printf("all: %.2f GFLOP in %.1f ms = %.1f GFLOP/s (%d BLAS threads)\n", flop, seconds * 1e3, flop / seconds,
           openblas_get_num_threads());
    printf("AVX2 FMA loop on this thread: %.1f GFLOP/s\n", fma_peak());
    return 0;
}
