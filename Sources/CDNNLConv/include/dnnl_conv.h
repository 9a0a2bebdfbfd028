// Convolutions on oneDNN (Debian libdnnl-dev 2.6, the library PyTorch's CPU convolutions use), for
// ConvKernels: oneDNN's JIT kernels are chosen by oneDNN from the CPU's features (AVX2, AVX-512, ...)
// and run on blocked layouts; this shim keeps Pretext's NCHW / OIHW buffers at its boundary and reorders
// to and from whatever layout oneDNN picks. Primitives are created once per shape and cached.
#ifndef PRETEXT_DNNL_CONV_H
#define PRETEXT_DNNL_CONV_H

#ifdef __cplusplus
extern "C" {
#endif

/// One 2-D convolution, groups = 1: input [n, c, h, w], weight [o, c, kh, kw], output [n, o, oh, ow].
/// Dilation as in PyTorch (1 = dense).
typedef struct {
    int n, c, h, w, o, kh, kw, stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w, oh, ow;
} pretext_conv_shape;

/// 1 when oneDNN created its CPU engine; 0 otherwise (callers then use their own kernels).
int pretext_dnnl_available(void);

/// The ISA oneDNN's kernels target on this CPU ("avx512_core_bf16", "avx2", ...), "" if unknown.
const char *pretext_dnnl_isa(void);

/// The implementation oneDNN chose for the last created primitive of a shape ("jit:avx512_core", ...).
const char *pretext_dnnl_impl(const pretext_conv_shape *shape, int kind);

/// Each returns 0 on success and nonzero when oneDNN cannot run this shape (the caller falls back).
/// Outputs are overwritten. `threads` is the OpenMP team size for the call.
int pretext_dnnl_conv_forward(const pretext_conv_shape *shape, const float *src, const float *weight,
                              const float *bias, float *dst, int threads);
int pretext_dnnl_conv_backward_data(const pretext_conv_shape *shape, const float *diff_dst,
                                    const float *weight, float *diff_src, int threads);
int pretext_dnnl_conv_backward_weights(const pretext_conv_shape *shape, const float *src,
                                       const float *diff_dst, float *diff_weight, int threads);

/// Whether 3x3 stride-1 convolutions with at least 32 input and output channels use oneDNN's Winograd
/// kernels (default on; where the CPU has none, the direct kernels run).
void pretext_dnnl_set_winograd(int enabled);
/// Whether a shape is one that Winograd is tried for under the current setting.
int pretext_dnnl_uses_winograd(const pretext_conv_shape *shape);

/// Frees every cached primitive and scratch buffer (tests; memory pressure).
void pretext_dnnl_clear_cache(void);

#ifdef __cplusplus
}
#endif
#endif
