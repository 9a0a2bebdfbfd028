// See include/blas_loader.h.
#define _GNU_SOURCE
#include "blas_loader.h"

#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

void pretext_cpuid(unsigned leaf, unsigned subleaf, unsigned regs[4]) {
    regs[0] = regs[1] = regs[2] = regs[3] = 0;
#if defined(__x86_64__) || defined(__i386__)
    unsigned max = __get_cpuid_max(leaf & 0x80000000u, 0);
    if (max == 0 || leaf > max) return;
    __cpuid_count(leaf, subleaf, regs[0], regs[1], regs[2], regs[3]);
#else
    (void)leaf; (void)subleaf;
#endif
}

unsigned long long pretext_xcr0(void) {
#if defined(__x86_64__) || defined(__i386__)
    unsigned r[4];
    pretext_cpuid(1, 0, r);
    if (!(r[2] & (1u << 27))) return 0;  // OSXSAVE: XGETBV usable
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
#else
    return 0;
#endif
}

// CBLAS enums are ints in the C ABI: CblasRowMajor = 101, CblasNoTrans = 111, CblasTrans = 112.
typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int, float,
                         float *, int);
typedef void (*set_threads_fn)(int);
typedef char *(*name_fn)(void);

static sgemm_fn blas_sgemm;
static set_threads_fn blas_set_threads;
static name_fn blas_corename, blas_config;
static char blas_path[4096];

int pretext_blas_open(const char *coretype, char *error, int error_length) {
    static const char *names[] = {"libopenblas.so.0", "libopenblas.so", "libopenblasp-r0.3.21.so", NULL};
    int set_env = coretype != NULL && getenv("OPENBLAS_CORETYPE") == NULL;
    if (set_env) setenv("OPENBLAS_CORETYPE", coretype, 1);
    // OpenBLAS's threads busy-wait ~2^28 cycles (~0.1 s) after each threaded call before they sleep,
    // taking a core from Pretext's own threads in the ops between GEMMs (measured: the ViT steps 8-14 %
    // slower). 2^4 cycles makes them sleep at once; an administrator's value is kept.
    int set_timeout = getenv("OPENBLAS_THREAD_TIMEOUT") == NULL;
    if (set_timeout) setenv("OPENBLAS_THREAD_TIMEOUT", "4", 1);
    void *handle = NULL;
    const char *last_error = "no candidate name";
    for (int i = 0; names[i] != NULL && handle == NULL; i++) {
        handle = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (handle == NULL) last_error = dlerror();
    }
    if (set_env) unsetenv("OPENBLAS_CORETYPE");
    if (set_timeout) unsetenv("OPENBLAS_THREAD_TIMEOUT");
    if (handle == NULL) {
        snprintf(error, (size_t)error_length, "%s", last_error ? last_error : "dlopen failed");
        return -1;
    }
    blas_sgemm = (sgemm_fn)dlsym(handle, "cblas_sgemm");
    blas_set_threads = (set_threads_fn)dlsym(handle, "openblas_set_num_threads");
    blas_corename = (name_fn)dlsym(handle, "openblas_get_corename");
    blas_config = (name_fn)dlsym(handle, "openblas_get_config");
    if (blas_sgemm == NULL) {
        snprintf(error, (size_t)error_length, "the library opened has no cblas_sgemm");
        return -1;
    }
    struct link_map *map = NULL;
    if (dlinfo(handle, RTLD_DI_LINKMAP, &map) == 0 && map != NULL && map->l_name != NULL)
        snprintf(blas_path, sizeof blas_path, "%s", map->l_name);
    return 0;
}

const char *pretext_blas_path(void) { return blas_path; }
const char *pretext_blas_corename(void) {
    const char *s = blas_corename ? blas_corename() : NULL;
    return s ? s : "";
}
const char *pretext_blas_config(void) {
    const char *s = blas_config ? blas_config() : NULL;
    return s ? s : "";
}
void pretext_blas_set_threads(int threads) {
    if (blas_set_threads) blas_set_threads(threads);
}

int pretext_blas_can_thread(void) { return blas_set_threads != NULL; }

// Held while OpenBLAS runs with more than one thread, so that two callers never interleave their
// set-threads / call / reset sequences (the thread count is global to the library).
static pthread_mutex_t threaded_call = PTHREAD_MUTEX_INITIALIZER;

int pretext_sgemm_threaded(int threads, int trans_a, int trans_b, int m, int n, int k, float alpha,
                           const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc) {
    if (blas_set_threads == NULL || threads < 2) return -1;
    if (pthread_mutex_trylock(&threaded_call) != 0) return -1;
    blas_set_threads(threads);
    pretext_sgemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    blas_set_threads(1);
    pthread_mutex_unlock(&threaded_call);
    return 0;
}

void pretext_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                   const float *b, int ldb, float beta, float *c, int ldc) {
    blas_sgemm(101, trans_a ? 112 : 111, trans_b ? 112 : 111, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
