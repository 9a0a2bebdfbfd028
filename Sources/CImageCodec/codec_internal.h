// Private helpers shared by the PNG and JPEG halves of CImageCodec.
#ifndef PRETEXT_CODEC_INTERNAL_H
#define PRETEXT_CODEC_INTERNAL_H

#include "CImageCodec.h"
#include <stdarg.h>
#include <stdio.h>

/// Writes a formatted message into a fixed buffer (always NUL-terminated).
static inline void pxc_set_message(char *buf, size_t size, const char *fmt, ...) {
    if (buf == NULL || size == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, size, fmt, ap);
    va_end(ap);
}

int pxc_decode_png(const unsigned char *data, size_t size, pxc_image *out);
int pxc_decode_jpeg(const unsigned char *data, size_t size, pxc_image *out);

#endif
