// See include/ckernels.h. The arithmetic mirrors GELUKernels.swift / KernelMath.exp operation for
// operation (no contraction into FMA), so results equal the Swift reference loops bit for bit.
#include "ckernels.h"

#include <stdint.h>
#include <string.h>

#pragma clang fp contract(off)

#include "multiversion.h"

static inline float clampf(float v, float lo, float hi) { return v < lo ? lo : (v > hi ? hi : v); }

/// erf(v) as x·P(x²)/Q(x²) in float on v clamped to [-4, 4] (Eigen's / XLA's rational approximation).
static inline float erf_approx(float v) {
    float x = clampf(v, -4.0f, 4.0f);
    float x2 = x * x;
    float p = -2.72614225801306e-10f;
    p = p * x2 + 2.77068142495902e-08f;
    p = p * x2 - 2.10102402082508e-06f;
    p = p * x2 - 5.69250639462346e-05f;
    p = p * x2 - 7.34990630326855e-04f;
    p = p * x2 - 2.95459980854025e-03f;
    p = p * x2 - 1.60960333262415e-02f;
    float q = -1.45660718464996e-05f;
    q = q * x2 - 2.13374055278905e-04f;
    q = q * x2 - 1.68282697438203e-03f;
    q = q * x2 - 7.37332916720468e-03f;
    q = q * x2 - 1.42647390514189e-02f;
    return x * p / q;
}

/// e^y, the branch-free evaluation of KernelMath.exp.
static inline float exp_approx(float y) {
    y = clampf(y, -88.0f, 88.0f);
    float shifted = y * 1.44269504f + 12582912.0f;
    float k = shifted - 12582912.0f;
    float r = (y - k * 0.693359375f) + k * 2.1219444e-4f;
    float e = 1.0f / 5040;
    e = e * r + 1.0f / 720;
    e = e * r + 1.0f / 120;
    e = e * r + 1.0f / 24;
    e = e * r + 1.0f / 6;
    e = e * r + 0.5f;
    e = e * r + 1;
    e = e * r + 1;
    int32_t bits;
    memcpy(&bits, &shifted, 4);
    int32_t scale_bits = (int32_t)((uint32_t)(bits - 0x4B400000 + 127) << 23);
    float scale;
    memcpy(&scale, &scale_bits, 4);
    return e * scale;
}

MULTIVERSION
void pretext_gelu_forward(const float *restrict x, float *restrict y, long n) {
    for (long i = 0; i < n; i++) {
        float v = x[i];
        y[i] = 0.5f * v * (1 + erf_approx(v * 0.70710677f));
    }
}

MULTIVERSION
void pretext_gelu_backward(const float *restrict x, const float *restrict g, float *restrict gx, long n) {
    for (long i = 0; i < n; i++) {
        float v = x[i];
        float cdf = 0.5f * (1 + erf_approx(v * 0.70710677f));
        float pdf = 0.39894228f * exp_approx(-0.5f * v * v);
        gx[i] = g[i] * (cdf + v * pdf);
    }
}

const char *pretext_ckernels_level(void) {
#if PRETEXT_MULTIVERSIONED
    __builtin_cpu_init();
    if (__builtin_cpu_supports("x86-64-v4")) return "x86-64-v4 (AVX-512)";
    if (__builtin_cpu_supports("x86-64-v3")) return "x86-64-v3 (AVX2, FMA)";
    return "x86-64 baseline (SSE2)";
#elif defined(PRETEXT_SANITIZED)
    return "baseline (sanitizer build: no multiversioning)";
#else
    return "portable C";
#endif
}
