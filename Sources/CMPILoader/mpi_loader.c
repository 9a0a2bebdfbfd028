// See include/mpi_loader.h.
#define _GNU_SOURCE
#include "mpi_loader.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// Open MPI's handle types are pointers to its structs; only their addresses matter here.
typedef void *mpi_comm, *mpi_datatype, *mpi_op;
#define OMPI_IN_PLACE ((void *)1)
#define THREAD_FUNNELED 1

static int (*p_init_thread)(int *, char ***, int, int *);
static int (*p_comm_rank)(mpi_comm, int *);
static int (*p_comm_size)(mpi_comm, int *);
static int (*p_allreduce)(const void *, void *, int, mpi_datatype, mpi_op, mpi_comm);
static int (*p_allgather)(const void *, int, mpi_datatype, void *, int, mpi_datatype, mpi_comm);
static int (*p_allgatherv)(const void *, int, mpi_datatype, void *, const int *, const int *, mpi_datatype, mpi_comm);
static int (*p_bcast)(void *, int, mpi_datatype, int, mpi_comm);
static int (*p_barrier)(mpi_comm);
static int (*p_abort)(mpi_comm, int);
static int (*p_finalize)(void);
static int (*p_get_library_version)(char *, int *);
static int (*p_comm_dup)(mpi_comm, mpi_comm *);
static int (*p_iallreduce)(const void *, void *, int, mpi_datatype, mpi_op, mpi_comm, void **);
static int (*p_testall)(int, void **, int *, void *);
static int (*p_waitall)(int, void **, void *);
static mpi_comm comm_world;
// The gradient all-reduces started during backward run on their own communicator (a duplicate of
// MPI_COMM_WORLD), so their order never interleaves with the blocking collectives on the world one.
static mpi_comm comm_gradients;
static void **requests;
static int request_count, request_capacity;
static mpi_datatype dt_float, dt_double, dt_byte;
static mpi_op op_sum, op_max;
static char library_version[512];

int pretext_mpi_launched(void) {
    return getenv("OMPI_COMM_WORLD_SIZE") != NULL || getenv("PMIX_RANK") != NULL;
}

#define RESOLVE(var, name)                                                                    \
    do {                                                                                      \
        *(void **)(&var) = dlsym(handle, name);                                               \
        if (var == NULL) {                                                                    \
            snprintf(error, (size_t)error_length, "%s has no symbol %s (Open MPI 4 or 5 is needed)", \
                     path, name);                                                             \
            return -1;                                                                        \
        }                                                                                     \
    } while (0)

int pretext_mpi_init(int *rank, int *size, char *error, int error_length) {
    static const char *names[] = {"libmpi.so.40", "libmpi.so", NULL};
    void *handle = NULL;
    const char *path = "libmpi";
    const char *last_error = "no candidate name";
    for (int i = 0; names[i] != NULL && handle == NULL; i++) {
        handle = dlopen(names[i], RTLD_NOW | RTLD_GLOBAL);
        if (handle == NULL) last_error = dlerror(); else path = names[i];
    }
    if (handle == NULL) {
        snprintf(error, (size_t)error_length,
                 "started by mpirun, but Open MPI's library could not be opened (%s); install it: "
                 "apt-get install -y libopenmpi-dev openmpi-bin", last_error);
        return -1;
    }
    RESOLVE(p_init_thread, "MPI_Init_thread");
    RESOLVE(p_comm_rank, "MPI_Comm_rank");
    RESOLVE(p_comm_size, "MPI_Comm_size");
    RESOLVE(p_allreduce, "MPI_Allreduce");
    RESOLVE(p_allgather, "MPI_Allgather");
    RESOLVE(p_allgatherv, "MPI_Allgatherv");
    RESOLVE(p_bcast, "MPI_Bcast");
    RESOLVE(p_barrier, "MPI_Barrier");
    RESOLVE(p_abort, "MPI_Abort");
    RESOLVE(p_finalize, "MPI_Finalize");
    RESOLVE(p_get_library_version, "MPI_Get_library_version");
    RESOLVE(p_comm_dup, "MPI_Comm_dup");
    RESOLVE(p_iallreduce, "MPI_Iallreduce");
    RESOLVE(p_testall, "MPI_Testall");
    RESOLVE(p_waitall, "MPI_Waitall");
    RESOLVE(comm_world, "ompi_mpi_comm_world");
    RESOLVE(dt_float, "ompi_mpi_float");
    RESOLVE(dt_double, "ompi_mpi_double");
    RESOLVE(dt_byte, "ompi_mpi_byte");
    RESOLVE(op_sum, "ompi_mpi_op_sum");
    RESOLVE(op_max, "ompi_mpi_op_max");
    int provided = 0;
    int rc = p_init_thread(NULL, NULL, THREAD_FUNNELED, &provided);
    if (rc != 0) {
        snprintf(error, (size_t)error_length, "MPI_Init_thread failed with MPI error %d", rc);
        return -1;
    }
    p_comm_rank(comm_world, rank);
    p_comm_size(comm_world, size);
    rc = p_comm_dup(comm_world, &comm_gradients);  // collective: every rank is here, in MPI_Init's order
    if (rc != 0) {
        snprintf(error, (size_t)error_length, "MPI_Comm_dup failed with MPI error %d", rc);
        return -1;
    }
    int len = 0;
    p_get_library_version(library_version, &len);
    char *newline = strchr(library_version, '\n');
    if (newline) *newline = 0;
    return 0;
}

// MPI counts are int: larger buffers go in chunks.
#define CHUNK (INT_MAX / 2)

static int allreduce(void *buffer, long count, mpi_datatype type, size_t element, mpi_op op) {
    char *p = buffer;
    while (count > 0) {
        int n = count > CHUNK ? CHUNK : (int)count;
        int rc = p_allreduce(OMPI_IN_PLACE, p, n, type, op, comm_world);
        if (rc != 0) return rc;
        p += (size_t)n * element;
        count -= n;
    }
    return 0;
}

int pretext_mpi_allreduce_float_sum(float *buffer, long count) {
    return allreduce(buffer, count, dt_float, sizeof(float), op_sum);
}

int pretext_mpi_allreduce_double_sum(double *buffer, long count) {
    return allreduce(buffer, count, dt_double, sizeof(double), op_sum);
}

int pretext_mpi_allreduce_double_max(double *buffer, long count) {
    return allreduce(buffer, count, dt_double, sizeof(double), op_max);
}

int pretext_mpi_allgather_float(const float *local, long count, float *out) {
    if (count > INT_MAX) return -1;
    return p_allgather(local, (int)count, dt_float, out, (int)count, dt_float, comm_world);
}

int pretext_mpi_allgatherv_float(const float *local, long count, float *out, const int *counts, const int *offsets) {
    if (count > INT_MAX) return -1;
    return p_allgatherv(local, (int)count, dt_float, out, counts, offsets, dt_float, comm_world);
}

int pretext_mpi_broadcast_float(float *buffer, long count, int root) {
    while (count > 0) {
        int n = count > CHUNK ? CHUNK : (int)count;
        int rc = p_bcast(buffer, n, dt_float, root, comm_world);
        if (rc != 0) return rc;
        buffer += n;
        count -= n;
    }
    return 0;
}

int pretext_mpi_broadcast_bytes(void *buffer, long count, int root) {
    char *p = buffer;
    while (count > 0) {
        int n = count > CHUNK ? CHUNK : (int)count;
        int rc = p_bcast(p, n, dt_byte, root, comm_world);
        if (rc != 0) return rc;
        p += n;
        count -= n;
    }
    return 0;
}

int pretext_mpi_start_gradient_sum(float *buffer, long count) {
    while (count > 0) {
        int n = count > CHUNK ? CHUNK : (int)count;
        if (request_count == request_capacity) {
            int capacity = request_capacity == 0 ? 64 : 2 * request_capacity;
            void **grown = realloc(requests, (size_t)capacity * sizeof(void *));
            if (grown == NULL) return -1;
            requests = grown;
            request_capacity = capacity;
        }
        int rc = p_iallreduce(OMPI_IN_PLACE, buffer, n, dt_float, op_sum, comm_gradients, &requests[request_count]);
        if (rc != 0) return rc;
        request_count++;
        buffer += n;
        count -= n;
    }
    return 0;
}

int pretext_mpi_progress_gradient_sums(void) {
    if (request_count == 0) return 0;
    int done = 0;
    int rc = p_testall(request_count, requests, &done, NULL);  // NULL = MPI_STATUSES_IGNORE in Open MPI
    if (rc == 0 && done) request_count = 0;
    return rc;
}

int pretext_mpi_wait_gradient_sums(void) {
    if (request_count == 0) return 0;
    int rc = p_waitall(request_count, requests, NULL);
    request_count = 0;
    return rc;
}

int pretext_mpi_barrier(void) { return p_barrier(comm_world); }

void pretext_mpi_abort(int code) {
    if (p_abort != NULL) p_abort(comm_world, code);
    _exit(code);
}

int pretext_mpi_finalize(void) { return p_finalize != NULL ? p_finalize() : 0; }

const char *pretext_mpi_library_version(void) { return library_version; }
