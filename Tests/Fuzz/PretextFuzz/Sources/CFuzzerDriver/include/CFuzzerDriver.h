// libFuzzer's driver, for fuzz targets whose `main` is their own (see FuzzerEntry.swift).
#ifndef PRETEXT_CFUZZERDRIVER_H
#define PRETEXT_CFUZZERDRIVER_H

#include <stddef.h>
#include <stdint.h>

/// Runs libFuzzer with the command line `argc`/`argv` on `callback` (LLVM 13 and later; linked by
/// `-sanitize=fuzzer`). Returns the process exit status.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
