// Keeps freed memory in the process instead of returning it to the kernel after every step.
//
// glibc serves large blocks with mmap and gives them back on free, so every training step faulted in
// (and the kernel zeroed) the same pages again: clear_page was 9 % of a DINO ViT-T step, and one epoch of
// the DINO recipe on 1,280 images went from 98.9 to 88-90 s with the settings below (2 cores, runs one
// after another). Tensors are recycled by BufferPool; this catches everything else (Swift arrays,
// loader images, library scratch). An administrator's MALLOC_* environment variables win.
#define _GNU_SOURCE
#include <malloc.h>
#include <stdlib.h>

__attribute__((constructor)) static void pretext_tune_malloc(void) {
    if (getenv("MALLOC_MMAP_THRESHOLD_") == NULL) mallopt(M_MMAP_THRESHOLD, 512 << 20);
    if (getenv("MALLOC_TRIM_THRESHOLD_") == NULL) mallopt(M_TRIM_THRESHOLD, 0x7fffffff);
    // Grow the heap in 512 MB steps (address space only; pages are still touched on use): the first
    // training step, which builds the whole working set, went from 7.6 to 11.5 images/s with it.
    if (getenv("MALLOC_TOP_PAD_") == NULL) mallopt(M_TOP_PAD, 512 << 20);
}
