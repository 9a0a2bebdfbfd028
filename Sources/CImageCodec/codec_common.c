// Format detection, whole-file reading and buffer management for CImageCodec.
#include "codec_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char png_signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

static void reset_image(pxc_image *out) {
    out->width = 0;
    out->height = 0;
    out->pixels = NULL;
    out->format = PXC_FORMAT_UNKNOWN;
    out->source_channels = 0;
    out->source_bit_depth = 0;
    out->progressive = 0;
    out->message[0] = '\0';
}

int pxc_decode_memory(const unsigned char *data, size_t size, pxc_image *out) {
    if (out == NULL) return PXC_ERR_ARGUMENT;
    reset_image(out);
    if (data == NULL && size > 0) {
        pxc_set_message(out->message, sizeof out->message, "no data pointer");
        return PXC_ERR_ARGUMENT;
    }
    if (size == 0) {
        pxc_set_message(out->message, sizeof out->message, "the file is empty (0 bytes)");
        return PXC_ERR_FORMAT;
    }
    if (size >= 8 && memcmp(data, png_signature, 8) == 0) {
        out->format = PXC_FORMAT_PNG;
        return pxc_decode_png(data, size, out);
    }
    if (size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) {
        out->format = PXC_FORMAT_JPEG;
        return pxc_decode_jpeg(data, size, out);
    }
    if (size < 8 && memcmp(data, png_signature, size) == 0) {
        pxc_set_message(out->message, sizeof out->message, "truncated PNG signature (%zu bytes)", size);
        return PXC_ERR_TRUNCATED;
    }
    // Name a few formats people commonly drop into image folders by accident.
    const char *what = "unknown data";
    if (size >= 6 && (memcmp(data, "GIF87a", 6) == 0 || memcmp(data, "GIF89a", 6) == 0)) what = "a GIF image";
    else if (size >= 12 && memcmp(data, "RIFF", 4) == 0 && memcmp(data + 8, "WEBP", 4) == 0) what = "a WebP image";
    else if (size >= 2 && data[0] == 'B' && data[1] == 'M') what = "a BMP image";
    else if (size >= 4 && (memcmp(data, "II*\0", 4) == 0 || memcmp(data, "MM\0*", 4) == 0)) what = "a TIFF image";
    else if (size >= 12 && memcmp(data + 4, "ftyp", 4) == 0) what = "an ISO media file (HEIC/AVIF/MP4)";
    pxc_set_message(out->message, sizeof out->message,
                    "not a PNG or JPEG file (looks like %s; first bytes %02x %02x %02x %02x)", what,
                    data[0], size > 1 ? data[1] : 0, size > 2 ? data[2] : 0, size > 3 ? data[3] : 0);
    return strcmp(what, "unknown data") == 0 ? PXC_ERR_FORMAT : PXC_ERR_UNSUPPORTED;
}

int pxc_decode_file(const char *path, pxc_image *out) {
    if (out == NULL) return PXC_ERR_ARGUMENT;
    reset_image(out);
    if (path == NULL) {
        pxc_set_message(out->message, sizeof out->message, "no path");
        return PXC_ERR_ARGUMENT;
    }
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        pxc_set_message(out->message, sizeof out->message, "cannot open: %s", strerror(errno));
        return PXC_ERR_IO;
    }
    size_t cap = 1 << 16, len = 0;
    unsigned char *buf = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long end = ftell(f);
        if (end > 0) cap = (size_t)end + 1;
        fseek(f, 0, SEEK_SET);
    }
    buf = (unsigned char *)malloc(cap);
    if (buf == NULL) {
        fclose(f);
        pxc_set_message(out->message, sizeof out->message, "out of memory reading %zu bytes", cap);
        return PXC_ERR_NOMEM;
    }
    for (;;) {
        if (len == cap) {
            size_t ncap = cap * 2;
            unsigned char *nbuf = (unsigned char *)realloc(buf, ncap);
            if (nbuf == NULL) {
                free(buf);
                fclose(f);
                pxc_set_message(out->message, sizeof out->message, "out of memory reading the file");
                return PXC_ERR_NOMEM;
            }
            buf = nbuf;
            cap = ncap;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0) {
            if (ferror(f)) {
                int e = errno;
                free(buf);
                fclose(f);
                pxc_set_message(out->message, sizeof out->message, "read error: %s", strerror(e));
                return PXC_ERR_IO;
            }
            break;
        }
    }
    fclose(f);
    int status = pxc_decode_memory(buf, len, out);
    free(buf);
    return status;
}

void pxc_image_free(pxc_image *image) {
    if (image == NULL) return;
    free(image->pixels);
    image->pixels = NULL;
}

void pxc_free(void *pointer) { free(pointer); }
