// See dnnl_loader.h.
//
// Why dlopen: oneDNN runs on libgomp, whose threads spin for a while at the end of every parallel region
// (OMP_WAIT_POLICY unset). Pretext's own loops (batch norm, ReLU, the optimizer) run on other threads
// between two convolutions, so on a 2-core machine the spinning OpenMP thread takes a core from them:
// libgomp's spin loop was 7 % of a MoCo v2 step's samples, and OMP_WAIT_POLICY=PASSIVE made the step
// 7 % faster (AMD EPYC Zen 3, 2 threads, 3 alternating pairs). libgomp reads the variable once, when it
// is loaded, so oneDNN (and with it libgomp) is loaded here, after the variable is set, as OpenBLAS is
// loaded after OPENBLAS_CORETYPE. A value the administrator set (OMP_WAIT_POLICY or GOMP_SPINCOUNT) is
// kept. A missing libdnnl is not fatal: convolutions then use Pretext's own kernels.
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
    int gomp_loaded = dlopen("libgomp.so.1", RTLD_NOW | RTLD_NOLOAD) != NULL;
    int set_policy = env_policy == NULL && env_spin == NULL && !gomp_loaded;
    if (set_policy) setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    static const char *names[] = {"libdnnl.so.2", "libdnnl.so", NULL};
    void *handle = NULL;
    const char *last = "no candidate name";
    for (int i = 0; names[i] != NULL && handle == NULL; i++) {
        handle = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (handle == NULL) last = dlerror();
    }
    if (set_policy) unsetenv("OMP_WAIT_POLICY");
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
    if (set_policy)
        snprintf(policy, sizeof policy, "OpenMP threads sleep between calls (OMP_WAIT_POLICY=PASSIVE)");
    else if (env_policy || env_spin)
        snprintf(policy, sizeof policy, "OpenMP wait policy from the environment (%s%s%s%s)",
                 env_policy ? "OMP_WAIT_POLICY=" : "", env_policy ? env_policy : "",
                 env_spin ? (env_policy ? ", GOMP_SPINCOUNT=" : "GOMP_SPINCOUNT=") : "", env_spin ? env_spin : "");
    else
        snprintf(policy, sizeof policy, "OpenMP threads spin between calls (libgomp was loaded before oneDNN)");
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
