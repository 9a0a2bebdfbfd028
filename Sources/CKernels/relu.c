// See include/ckernels.h. ReLU was a Swift closure called once per element (3 % of a ResNet-18 step
// on AVX2, forward and backward); as a select it vectorises at the CPU's width.
#include "ckernels.h"

#include "multiversion.h"

MULTIVERSION
void pretext_relu_forward(const float *restrict x, float *restrict y, long n) {
    for (long i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : 0.0f;
}

MULTIVERSION
void pretext_relu_backward(const float *restrict x, const float *restrict g, float *restrict gx, long n) {
    for (long i = 0; i < n; i++) gx[i] = x[i] > 0 ? g[i] : 0.0f;
}
