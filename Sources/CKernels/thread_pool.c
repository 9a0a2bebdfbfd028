// Pretext's worker pool for the kernels' parallel loops (Parallel.swift, KernelThreads.swift).
//
// Why not libdispatch: `DispatchQueue.concurrentPerform` parks its workers as soon as a loop ends, so
// every parallel op of a training step (a layer norm, a GELU, a softmax: tens of microseconds each at
// CPU recipe sizes) first has to wake a sleeping thread — measured ~30 us per loop on the 2-core VM, on
// which a loop of 2 x 19 us chunks took 72 us instead of 38 (slower than running it serially). OpenMP
// runtimes, which PyTorch's loops run on, keep their workers spinning for a while after each loop; so
// does this pool: a worker spins (PAUSE, then sched_yield so that it gives way to any runnable thread,
// e.g. OpenBLAS's or the loader's) for `spin_ns` after its last chunk, then sleeps on a futex.
//
// One job runs at a time. A job is `chunks` calls fn(ctx, c); the caller takes chunks too, in whatever
// order threads arrive, so a chunk's result must not depend on which thread runs it (the kernels give
// each chunk its own output range or partial-sum buffer). A call made while a job is running — from
// inside a chunk (nested) or from another thread (the data loader) — is refused and the Swift side runs
// it inline or on libdispatch.
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ckernels.h"

static pthread_mutex_t job_lock = PTHREAD_MUTEX_INITIALIZER;  // one job at a time
static pthread_mutex_t grow_lock = PTHREAD_MUTEX_INITIALIZER;

// The job: written by the caller before it publishes `ticket`, stable while any chunk is unfinished.
static _Atomic(pretext_pool_fn) job_fn;
static _Atomic(void *) job_ctx;
static _Atomic long job_chunks;
// (job number << 32) | next unclaimed chunk: claiming a chunk is one compare-and-swap, which fails for
// a thread still looking at an older job.
static _Atomic uint64_t ticket;
static _Atomic long job_done;
// The job number, as the futex word the sleeping workers wait on.
static _Atomic uint32_t generation;
static _Atomic int sleepers;
static _Atomic long spin_ns = 100000;
static int started;  // workers running (under grow_lock)
static __thread int in_job;  // this thread is running a chunk (nested calls are refused)

static long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

// Claims and runs chunks of job `gen` until none is left. Returns the number run.
static long run_chunks(uint32_t gen) {
    long ran = 0;
    for (;;) {
        uint64_t t = atomic_load_explicit(&ticket, memory_order_acquire);
        if ((uint32_t)(t >> 32) != gen) return ran;
        long c = (long)(t & 0xffffffffu);
        if (c >= atomic_load_explicit(&job_chunks, memory_order_relaxed)) return ran;
        if (!atomic_compare_exchange_weak_explicit(&ticket, &t, t + 1, memory_order_acq_rel, memory_order_acquire))
            continue;
        // Chunk c of job gen is ours and unfinished, so the job's fields stay as published.
        pretext_pool_fn fn = atomic_load_explicit(&job_fn, memory_order_relaxed);
        in_job = 1;
        fn(atomic_load_explicit(&job_ctx, memory_order_relaxed), c);
        in_job = 0;
        atomic_fetch_add_explicit(&job_done, 1, memory_order_release);
        ran++;
    }
}

static void *worker_main(void *arg) {
    (void)arg;
    uint32_t seen = atomic_load(&generation);
    for (;;) {
        long start = now_ns(), spins = 0;
        uint32_t g;
        while ((g = atomic_load_explicit(&generation, memory_order_acquire)) == seen) {
            if (++spins < 64) { cpu_relax(); continue; }
            if ((spins & 15) == 0 && now_ns() - start > atomic_load_explicit(&spin_ns, memory_order_relaxed)) {
                atomic_fetch_add(&sleepers, 1);
                if (atomic_load(&generation) == seen)
                    syscall(SYS_futex, &generation, FUTEX_WAIT_PRIVATE, seen, NULL, NULL, 0);
                atomic_fetch_sub(&sleepers, 1);
                start = now_ns();
                spins = 0;
                continue;
            }
            sched_yield();
        }
        seen = g;
        run_chunks(g);
    }
    return NULL;
}

static void ensure_workers(int wanted) {
    if (__atomic_load_n(&started, __ATOMIC_ACQUIRE) >= wanted) return;
    pthread_mutex_lock(&grow_lock);
    while (started < wanted) {
        pthread_t thread;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&attr, 8 << 20);  // kernels keep tile tables on the stack
        int rc = pthread_create(&thread, &attr, worker_main, NULL);
        pthread_attr_destroy(&attr);
        if (rc != 0) break;  // fewer workers: the caller runs the chunks nobody takes
        __atomic_store_n(&started, started + 1, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&grow_lock);
}

void pretext_pool_set_spin(long microseconds) {
    atomic_store(&spin_ns, (microseconds < 0 ? 0 : microseconds) * 1000L);
}

long pretext_pool_spin(void) { return atomic_load(&spin_ns) / 1000L; }

int pretext_pool_run(long chunks, int threads, pretext_pool_fn fn, void *ctx) {
    if (in_job) return 1;                                   // nested: run inline
    if (chunks <= 0) return 0;
    if (pthread_mutex_trylock(&job_lock) != 0) return -1;  // another thread's job is running
    ensure_workers(threads - 1);
    uint32_t gen = atomic_load_explicit(&generation, memory_order_relaxed) + 1;
    atomic_store_explicit(&job_fn, fn, memory_order_relaxed);
    atomic_store_explicit(&job_ctx, ctx, memory_order_relaxed);
    atomic_store_explicit(&job_chunks, chunks, memory_order_relaxed);
    atomic_store_explicit(&job_done, 0, memory_order_relaxed);
    atomic_store_explicit(&ticket, (uint64_t)gen << 32, memory_order_release);
    atomic_store(&generation, gen);
    if (atomic_load(&sleepers) > 0) syscall(SYS_futex, &generation, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
    run_chunks(gen);
    // Wait for chunks other threads took (balanced chunks: usually a short spin).
    for (long spins = 0; atomic_load_explicit(&job_done, memory_order_acquire) < chunks; spins++) {
        if (spins < 256) cpu_relax(); else sched_yield();
    }
    pthread_mutex_unlock(&job_lock);
    return 0;
}
