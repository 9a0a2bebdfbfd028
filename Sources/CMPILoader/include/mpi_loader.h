// Pretext's door to MPI: Open MPI's libmpi is opened with dlopen only when the process was started by
// `mpirun` (or srun with PMIx), so a plain `ssl-run` loads no MPI at all and needs none installed.
// MPI's handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, ...) are macros over Open MPI's exported globals
// (`&ompi_mpi_comm_world`, ...), so this shim resolves those symbols itself: Open MPI (Debian's
// libopenmpi3, 4.x; 5.x keeps the same names) is the MPI supported. See ProcessGroup.swift.
#ifndef PRETEXT_MPI_LOADER_H
#define PRETEXT_MPI_LOADER_H

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when the environment says this process is one rank of an MPI job (OMPI_COMM_WORLD_SIZE or
/// PMIX_RANK set), else 0.
int pretext_mpi_launched(void);

/// Opens libmpi (RTLD_GLOBAL: Open MPI's own components link against it) and calls MPI_Init_thread
/// (MPI_THREAD_FUNNELED: only the main thread calls MPI). Returns 0 and sets rank and size; otherwise
/// -1 with a message in `error`.
int pretext_mpi_init(int *rank, int *size, char *error, int error_length);

/// Collectives over MPI_COMM_WORLD; each returns MPI's error code (0 = success).
int pretext_mpi_allreduce_float_sum(float *buffer, long count);
int pretext_mpi_allreduce_double_sum(double *buffer, long count);
int pretext_mpi_allreduce_double_max(double *buffer, long count);
/// Gathers `count` floats from every rank into `out` (size × count, rank order).
int pretext_mpi_allgather_float(const float *local, long count, float *out);
/// Gathers counts[r] floats from rank r into `out` at offset Σ counts[<r].
int pretext_mpi_allgatherv_float(const float *local, long count, float *out, const int *counts, const int *offsets);
int pretext_mpi_broadcast_float(float *buffer, long count, int root);
int pretext_mpi_broadcast_bytes(void *buffer, long count, int root);
int pretext_mpi_barrier(void);
/// Starts an in-place sum of `buffer` over the ranks (MPI_Iallreduce on a communicator of its own, so
/// these never interleave with the collectives above); the buffer must stay untouched until
/// `pretext_mpi_wait_gradient_sums`. Every rank must start the same sums in the same order.
int pretext_mpi_start_gradient_sum(float *buffer, long count);
/// Lets the started sums progress (MPI_Testall); Open MPI moves them forward only inside MPI calls.
int pretext_mpi_progress_gradient_sums(void);
/// Waits for every started sum (MPI_Waitall).
int pretext_mpi_wait_gradient_sums(void);
/// MPI_Abort(MPI_COMM_WORLD, code): mpirun ends every rank.
void pretext_mpi_abort(int code);
int pretext_mpi_finalize(void);
/// Open MPI's library version string ("" before init).
const char *pretext_mpi_library_version(void);

#ifdef __cplusplus
}
#endif
#endif
