// See dnnl_loader.h.
//
// Why dlopen: oneDNN runs on libgomp, whose threads spin for a while at the end of every parallel region
// (OMP_WAIT_POLICY unset) while Pretext's own loops run on other threads between two convolutions. The
// idea was to load libgomp after setting OMP_WAIT_POLICY=PASSIVE (it reads the variable only when it
// loads, as OpenBLAS reads OPENBLAS_CORETYPE). Measured on AMD EPYC Zen 3, 2 threads, alternating
// (2026-12-01): MoCo v2 step (B2) 6130 ms passive vs 6165 ms spinning (medians of 3), 3x3 conv fwd+bwd
// 141 vs 132 ms (medians of 4), single runs varying 10-30 % — no gain that stands out of the machine's
// noise, so libgomp's default is left alone. What stays: oneDNN is optional at run time (a machine
// without libdnnl uses Pretext's own convolutions and --version says why), and --version reports the
// OpenMP wait policy in effect, which an administrator sets with OMP_WAIT_POLICY / GOMP_SPINCOUNT.
#define _GNU_SOURCE
#define PRETEXT_DNNL_LOADER_IMPL  // the real names, for __typeof__ and dlsym
#include "dnnl_loader.h"
#include "dnnl_conv.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PRETEXT_DNNL_DEFINE(name) __typeof__(&name) pretext_p_##name;
PRETEXT_DNNL_FUNCTIONS(PRETEXT_DNNL_DEFINE)

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int loaded;
static char error[512];
static char policy[160] = "oneDNN not loaded";
static void (*omp_threads)(int);

static void load(void) {
    const char *env_policy = getenv("OMP_WAIT_POLICY"), *env_spin = getenv("GOMP_SPINCOUNT");
    static const char *names[] = {"libdnnl.so.2", "libdnnl.so", NULL};
    void *handle = NULL;
    const char *last = "no candidate name";
    for (int i = 0; names[i] != NULL && handle == NULL; i++) {
        handle = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (handle == NULL) last = dlerror();
    }
    if (handle == NULL) {
        snprintf(error, sizeof error, "cannot open libdnnl (%s); install libdnnl-dev", last);
        return;
    }
#define PRETEXT_DNNL_RESOLVE(name)                                                                        \
    if ((pretext_p_##name = (__typeof__(&name))dlsym(handle, #name)) == NULL) {                         \
        snprintf(error, sizeof error, "libdnnl has no %s (oneDNN 2.x is needed)", #name);                \
        return;                                                                                           \
    }
    PRETEXT_DNNL_FUNCTIONS(PRETEXT_DNNL_RESOLVE)
#undef PRETEXT_DNNL_RESOLVE
    omp_threads = (void (*)(int))dlsym(handle, "omp_set_num_threads");
    if (env_policy || env_spin)
        snprintf(policy, sizeof policy, "OpenMP wait policy from the environment (%s%s%s%s)",
                 env_policy ? "OMP_WAIT_POLICY=" : "", env_policy ? env_policy : "",
                 env_spin ? (env_policy ? ", GOMP_SPINCOUNT=" : "GOMP_SPINCOUNT=") : "", env_spin ? env_spin : "");
    else
        snprintf(policy, sizeof policy, "OpenMP threads spin between calls (libgomp's default)");
    loaded = 1;
}

int pretext_dnnl_load(void) {
    pthread_once(&once, load);
    return loaded;
}

const char *pretext_dnnl_load_error(void) {
    pthread_once(&once, load);
    return error;
}

const char *pretext_dnnl_wait_policy(void) {
    pthread_once(&once, load);
    return policy;
}

void pretext_dnnl_omp_set_num_threads(int threads) {
    if (omp_threads) omp_threads(threads);
}
