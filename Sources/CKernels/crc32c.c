// CRC-32C (Castagnoli) over a byte range: the SSE4.2 `crc32` instruction where the CPU has it (8 bytes
// per instruction, chosen at load time like the other kernels), else a table. Both give the same value.
#include "ckernels.h"
#include <stdint.h>
#include <string.h>

static uint32_t crc_table[256];
static int crc_table_ready;

static void crc_init_table(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        crc_table[i] = c;
    }
    crc_table_ready = 1;
}

static uint32_t crc_table_update(uint32_t c, const unsigned char *p, size_t n) {
    if (!crc_table_ready) crc_init_table();   // idempotent: racing threads write the same values
    for (size_t i = 0; i < n; i++) c = crc_table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
    return c;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2")))
static uint32_t crc_hw_update(uint32_t c, const unsigned char *p, size_t n) {
    uint64_t c64 = c;
    while (n >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        c64 = __builtin_ia32_crc32di(c64, v);
        p += 8;
        n -= 8;
    }
    uint32_t c32 = (uint32_t)c64;
    while (n > 0) {
        c32 = __builtin_ia32_crc32qi(c32, *p++);
        n--;
    }
    return c32;
}
#endif

uint32_t pretext_crc32c_update(uint32_t crc, const void *data, long count) {
    const unsigned char *p = (const unsigned char *)data;
    size_t n = count > 0 ? (size_t)count : 0;
    uint32_t c = ~crc;
#if defined(__x86_64__)
    if (__builtin_cpu_supports("sse4.2")) return ~crc_hw_update(c, p, n);
#endif
    return ~crc_table_update(c, p, n);
}

uint32_t pretext_crc32c_table(uint32_t crc, const void *data, long count) {
    return ~crc_table_update(~crc, (const unsigned char *)data, count > 0 ? (size_t)count : 0);
}
