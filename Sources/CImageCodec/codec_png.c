// PNG decoding and encoding through libpng. Every longjmp from libpng lands in this file.
#include "codec_internal.h"

#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------

typedef struct {
    const unsigned char *data;
    size_t size;
    size_t pos;
    int status;            // status to report when libpng longjmps
    int truncated;         // the read callback ran out of data
    char *message;         // out->message
    size_t message_size;
    unsigned char *scratch; // rows of the transformed image when they cannot go straight to the output
    png_bytep *rows;
} png_read_ctx;

static void png_read_error(png_structp png, png_const_charp msg) {
    png_read_ctx *ctx = (png_read_ctx *)png_get_error_ptr(png);
    if (ctx->truncated) {
        pxc_set_message(ctx->message, ctx->message_size, "truncated PNG: the data ends before the image does");
        ctx->status = PXC_ERR_TRUNCATED;
    } else {
        pxc_set_message(ctx->message, ctx->message_size, "corrupt PNG: %s", msg);
        if (ctx->status == PXC_OK) ctx->status = PXC_ERR_CORRUPT;
    }
    png_longjmp(png, 1);
}

static void png_read_warning(png_structp png, png_const_charp msg) {
    (void)png;
    (void)msg; // benign (e.g. a bad ancillary chunk); Pillow decodes these too
}

static void png_read_from_memory(png_structp png, png_bytep dest, png_size_t length) {
    png_read_ctx *ctx = (png_read_ctx *)png_get_io_ptr(png);
    if (ctx->size - ctx->pos < length) {
        ctx->truncated = 1;
        png_error(png, "read past the end of the data");
    }
    memcpy(dest, ctx->data + ctx->pos, length);
    ctx->pos += length;
}

int pxc_decode_png(const unsigned char *data, size_t size, pxc_image *out) {
    // Heap-allocated so its contents are well defined after a longjmp (no locals change after setjmp).
    png_read_ctx *const ctx = (png_read_ctx *)calloc(1, sizeof(png_read_ctx));
    if (ctx == NULL) {
        pxc_set_message(out->message, sizeof out->message, "out of memory");
        return PXC_ERR_NOMEM;
    }
    ctx->data = data;
    ctx->size = size;
    ctx->message = out->message;
    ctx->message_size = sizeof out->message;

    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, ctx, png_read_error, png_read_warning);
    if (png == NULL) {
        free(ctx);
        pxc_set_message(out->message, sizeof out->message, "out of memory (png_create_read_struct)");
        return PXC_ERR_NOMEM;
    }
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        free(ctx);
        pxc_set_message(out->message, sizeof out->message, "out of memory (png_create_info_struct)");
        return PXC_ERR_NOMEM;
    }
    // Everything allocated below is reachable from ctx/out, so the longjmp path can free it.
    if (setjmp(png_jmpbuf(png))) {
        free(ctx->rows);
        free(ctx->scratch);
        free(out->pixels);
        out->pixels = NULL;
        out->width = out->height = 0;
        png_destroy_read_struct(&png, &info, NULL);
        int status = ctx->status == PXC_OK ? PXC_ERR_CORRUPT : ctx->status;
        free(ctx);
        return status;
    }
    png_set_read_fn(png, ctx, png_read_from_memory);
    png_set_user_limits(png, 0x7fffffffL, 0x7fffffffL);
    png_read_info(png, info);

    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, color_type = 0, interlace = 0;
    png_get_IHDR(png, info, &width, &height, &bit_depth, &color_type, &interlace, NULL, NULL);
    if (width == 0 || height == 0 || (unsigned long long)width * height > (unsigned long long)PXC_MAX_PIXELS) {
        ctx->status = PXC_ERR_TOO_LARGE;
        pxc_set_message(out->message, sizeof out->message, "PNG size %ux%u is outside the accepted range",
                        (unsigned)width, (unsigned)height);
        png_longjmp(png, 1);
    }
    out->source_bit_depth = bit_depth;
    out->progressive = interlace != PNG_INTERLACE_NONE;
    switch (color_type) {
    case PNG_COLOR_TYPE_GRAY: out->source_channels = 1; break;
    case PNG_COLOR_TYPE_GRAY_ALPHA: out->source_channels = 2; break;
    case PNG_COLOR_TYPE_PALETTE: out->source_channels = 3; break;
    case PNG_COLOR_TYPE_RGB: out->source_channels = 3; break;
    case PNG_COLOR_TYPE_RGB_ALPHA: out->source_channels = 4; break;
    default: out->source_channels = 0; break;
    }

    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png); // may add alpha from tRNS
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    // 16-bit samples are kept and reduced below the way Pillow does (not with png_set_strip_16,
    // which would be wrong for 16-bit grayscale).
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    const int channels = png_get_channels(png, info);
    const int depth = png_get_bit_depth(png, info);
    const size_t rowbytes = png_get_rowbytes(png, info);
    if ((depth != 8 && depth != 16) || channels < 1 || channels > 4) {
        ctx->status = PXC_ERR_UNSUPPORTED;
        pxc_set_message(out->message, sizeof out->message, "unsupported PNG layout (%d channels, %d bits)",
                        channels, depth);
        png_longjmp(png, 1);
    }
    const size_t w = width, h = height;
    out->pixels = (unsigned char *)malloc(w * h * 3);
    ctx->rows = (png_bytep *)malloc(h * sizeof(png_bytep));
    if (out->pixels == NULL || ctx->rows == NULL) {
        ctx->status = PXC_ERR_NOMEM;
        pxc_set_message(out->message, sizeof out->message, "out of memory for a %zux%zu PNG", w, h);
        png_longjmp(png, 1);
    }
    out->width = (int)width;
    out->height = (int)height;

    if (channels == 3 && depth == 8) {
        // Common case: rows go straight into the output.
        for (size_t y = 0; y < h; y++) ctx->rows[y] = out->pixels + y * w * 3;
        png_read_image(png, ctx->rows);
    } else {
        ctx->scratch = (unsigned char *)malloc(h * rowbytes);
        if (ctx->scratch == NULL) {
            ctx->status = PXC_ERR_NOMEM;
            pxc_set_message(out->message, sizeof out->message, "out of memory for a %zux%zu PNG", w, h);
            png_longjmp(png, 1);
        }
        for (size_t y = 0; y < h; y++) ctx->rows[y] = ctx->scratch + y * rowbytes;
        png_read_image(png, ctx->rows);
        const int gray16_clip = (depth == 16 && color_type == PNG_COLOR_TYPE_GRAY);
        for (size_t y = 0; y < h; y++) {
            const unsigned char *src = ctx->rows[y];
            unsigned char *dst = out->pixels + y * w * 3;
            if (depth == 8) {
                for (size_t x = 0; x < w; x++) {
                    const unsigned char *p = src + x * channels;
                    if (channels <= 2) {
                        dst[0] = dst[1] = dst[2] = p[0];
                    } else {
                        dst[0] = p[0];
                        dst[1] = p[1];
                        dst[2] = p[2];
                    }
                    dst += 3;
                }
            } else {
                // 16-bit big-endian samples.
                for (size_t x = 0; x < w; x++) {
                    const unsigned char *p = src + x * channels * 2;
                    if (gray16_clip) {
                        unsigned v = ((unsigned)p[0] << 8) | p[1];
                        unsigned char g = v >= 255 ? 255 : (unsigned char)v;
                        dst[0] = dst[1] = dst[2] = g;
                    } else if (channels <= 2) {
                        dst[0] = dst[1] = dst[2] = p[0];
                    } else {
                        dst[0] = p[0];
                        dst[1] = p[2];
                        dst[2] = p[4];
                    }
                    dst += 3;
                }
            }
        }
    }
    // The trailing chunks after the image data are not read (Pillow does not need IEND either).
    free(ctx->rows);
    ctx->rows = NULL;
    free(ctx->scratch);
    ctx->scratch = NULL;
    png_destroy_read_struct(&png, &info, NULL);
    free(ctx);
    return PXC_OK;
}

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

typedef struct {
    unsigned char *buf;
    size_t len;
    size_t cap;
    int status;
    char *message;
    size_t message_size;
    png_bytep *rows;
} png_write_ctx;

static void png_write_error(png_structp png, png_const_charp msg) {
    png_write_ctx *ctx = (png_write_ctx *)png_get_error_ptr(png);
    if (ctx->status == PXC_OK) {
        ctx->status = PXC_ERR_CORRUPT;
        pxc_set_message(ctx->message, ctx->message_size, "PNG encoder error: %s", msg);
    }
    png_longjmp(png, 1);
}

static void png_write_warning(png_structp png, png_const_charp msg) {
    (void)png;
    (void)msg;
}

static void png_write_to_memory(png_structp png, png_bytep data, png_size_t length) {
    png_write_ctx *ctx = (png_write_ctx *)png_get_io_ptr(png);
    if (ctx->cap - ctx->len < length) {
        size_t ncap = ctx->cap ? ctx->cap : 4096;
        while (ncap - ctx->len < length) ncap *= 2;
        unsigned char *nbuf = (unsigned char *)realloc(ctx->buf, ncap);
        if (nbuf == NULL) {
            ctx->status = PXC_ERR_NOMEM;
            pxc_set_message(ctx->message, ctx->message_size, "out of memory encoding PNG");
            png_error(png, "out of memory");
        }
        ctx->buf = nbuf;
        ctx->cap = ncap;
    }
    memcpy(ctx->buf + ctx->len, data, length);
    ctx->len += length;
}

static void png_flush_nothing(png_structp png) { (void)png; }

int pxc_encode_png_memory(const unsigned char *pixels, int width, int height, int channels, int compression,
                          unsigned char **out, size_t *out_size, char *message, size_t message_size) {
    if (out == NULL || out_size == NULL) return PXC_ERR_ARGUMENT;
    *out = NULL;
    *out_size = 0;
    if (pixels == NULL || width <= 0 || height <= 0) {
        pxc_set_message(message, message_size, "invalid image (%dx%d, pixels %s)", width, height,
                        pixels ? "set" : "missing");
        return PXC_ERR_ARGUMENT;
    }
    if ((long long)width * height > PXC_MAX_PIXELS) {
        pxc_set_message(message, message_size, "image %dx%d is too large to encode", width, height);
        return PXC_ERR_TOO_LARGE;
    }
    int color_type;
    switch (channels) {
    case 1: color_type = PNG_COLOR_TYPE_GRAY; break;
    case 3: color_type = PNG_COLOR_TYPE_RGB; break;
    case 4: color_type = PNG_COLOR_TYPE_RGB_ALPHA; break;
    default:
        pxc_set_message(message, message_size, "PNG encoder takes 1, 3 or 4 channels, not %d", channels);
        return PXC_ERR_ARGUMENT;
    }
    png_write_ctx *const ctx = (png_write_ctx *)calloc(1, sizeof(png_write_ctx));
    if (ctx == NULL) {
        pxc_set_message(message, message_size, "out of memory");
        return PXC_ERR_NOMEM;
    }
    ctx->message = message;
    ctx->message_size = message_size;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, ctx, png_write_error, png_write_warning);
    if (png == NULL) {
        free(ctx);
        pxc_set_message(message, message_size, "out of memory (png_create_write_struct)");
        return PXC_ERR_NOMEM;
    }
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_write_struct(&png, NULL);
        free(ctx);
        pxc_set_message(message, message_size, "out of memory (png_create_info_struct)");
        return PXC_ERR_NOMEM;
    }
    if (setjmp(png_jmpbuf(png))) {
        free(ctx->rows);
        free(ctx->buf);
        png_destroy_write_struct(&png, &info);
        int status = ctx->status == PXC_OK ? PXC_ERR_CORRUPT : ctx->status;
        free(ctx);
        return status;
    }
    png_set_write_fn(png, ctx, png_write_to_memory, png_flush_nothing);
    png_set_compression_level(png, compression < 0 || compression > 9 ? 6 : compression);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, color_type, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    ctx->rows = (png_bytep *)malloc((size_t)height * sizeof(png_bytep));
    if (ctx->rows == NULL) {
        ctx->status = PXC_ERR_NOMEM;
        pxc_set_message(message, message_size, "out of memory encoding PNG");
        png_longjmp(png, 1);
    }
    for (int y = 0; y < height; y++) ctx->rows[y] = (png_bytep)(pixels + (size_t)y * width * channels);
    png_set_rows(png, info, ctx->rows);
    png_write_png(png, info, PNG_TRANSFORM_IDENTITY, NULL);
    free(ctx->rows);
    png_destroy_write_struct(&png, &info);
    *out = ctx->buf;
    *out_size = ctx->len;
    free(ctx);
    return PXC_OK;
}

int pxc_encode_png_file(const char *path, const unsigned char *pixels, int width, int height, int channels,
                        int compression, char *message, size_t message_size) {
    if (path == NULL || path[0] == '\0') {
        pxc_set_message(message, message_size, "no output path");
        return PXC_ERR_ARGUMENT;
    }
    unsigned char *buf = NULL;
    size_t len = 0;
    int status = pxc_encode_png_memory(pixels, width, height, channels, compression, &buf, &len, message,
                                       message_size);
    if (status != PXC_OK) return status;
    size_t plen = strlen(path);
    char *tmp = (char *)malloc(plen + 32);
    if (tmp == NULL) {
        free(buf);
        pxc_set_message(message, message_size, "out of memory");
        return PXC_ERR_NOMEM;
    }
    snprintf(tmp, plen + 32, "%s.tmp%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (f == NULL) {
        pxc_set_message(message, message_size, "cannot create %s: %s", tmp, strerror(errno));
        free(tmp);
        free(buf);
        return PXC_ERR_IO;
    }
    size_t written = fwrite(buf, 1, len, f);
    int close_failed = fclose(f) != 0;
    free(buf);
    if (written != len || close_failed) {
        pxc_set_message(message, message_size, "write failed: %s", strerror(errno));
        remove(tmp);
        free(tmp);
        return PXC_ERR_IO;
    }
    if (rename(tmp, path) != 0) {
        pxc_set_message(message, message_size, "cannot move the written file into place: %s", strerror(errno));
        remove(tmp);
        free(tmp);
        return PXC_ERR_IO;
    }
    free(tmp);
    return PXC_OK;
}
