/* gelu_bench.c: Pretext's GELU kernels (Sources/CKernels/gelu.c, the multiversioned C loops) on one core, 4.4 M
 * elements (one B4 step's MLP activations of one encoder plus one decoder block: 800 x 1536 + 3152 x 1024), three
 * passes each of forward and backward (README, "Measured: session 17"). A benchmark, not a test.
 *
 *   clang -O3 -ISources/CKernels/include -ISources/CKernels Tests/Fixtures/gelu_bench.c Sources/CKernels/gelu.c -o /tmp/gelu_bench -lm
 *   /tmp/gelu_bench
 * The Double-erf version it was compared with: `git show abff6d6:Sources/CKernels/gelu.c > /tmp/gelu_old.c`, built the same way. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "ckernels.h"

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

int main(void) {
    const long n = 800L * 1536 + 3152L * 1024;
    float *x = malloc(4 * n), *y = malloc(4 * n), *g = malloc(4 * n);
    for (long i = 0; i < n; i++) { x[i] = ((float)rand() / (float)RAND_MAX - 0.5f) * 6; g[i] = 1; }
    printf("kernels: %s, %ld elements\n%5s %12s %12s %14s\n", pretext_ckernels_level(), n, "pass", "forward ms", "backward ms", "forward ns/el");
    for (int r = 1; r <= 3; r++) {
        double t0 = now();
        pretext_gelu_forward(x, y, n);
        double t1 = now();
        pretext_gelu_backward(x, g, y, n);
        double t2 = now();
        printf("%5d %12.1f %12.1f %14.2f\n", r, (t1 - t0) * 1e3, (t2 - t1) * 1e3, (t1 - t0) * 1e9 / n);
    }
    return 0;
}
