// MULTIVERSION: compile a kernel for x86-64-v4 (AVX-512), -v3 (AVX2 + FMA) and baseline, chosen by the
// dynamic loader from the CPU's features (clang `target_clones`, an ifunc per function).
//
// Not under a sanitizer: an ifunc resolver runs while the loader is still relocating libPretext, and a
// resolver instrumented by ASan or by libFuzzer's coverage calls through a PLT slot that is not yet
// bound — every fuzz target then died with SIGSEGV before main (seen in pretext_relu_forward's resolver
// calling __sanitizer_cov_trace_const_cmp4@plt). Sanitizer builds get the baseline version only, which
// computes the same bits (contraction is off in every kernel).
#ifndef PRETEXT_CKERNELS_MULTIVERSION_H
#define PRETEXT_CKERNELS_MULTIVERSION_H

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(coverage_sanitizer) || \
    __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define PRETEXT_SANITIZED 1
#endif
#endif

#if defined(__x86_64__) && defined(__clang__) && !defined(PRETEXT_SANITIZED)
#define PRETEXT_MULTIVERSIONED 1
#define MULTIVERSION __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define PRETEXT_MULTIVERSIONED 0
#define MULTIVERSION
#endif

#endif
