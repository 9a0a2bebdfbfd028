// JPEG decoding through libjpeg(-turbo). Every longjmp (from error_exit or a fatal warning) lands here.
#include "codec_internal.h"

#include <jerror.h>
#include <jpeglib.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    struct jpeg_error_mgr pub; // must be first: libjpeg hands us a pointer to it
    jmp_buf jump;
    int status;
    char *message;
    size_t message_size;
    int pixels_done; // every scanline read: only the trailer (markers up to EOI) is left
} jpeg_error_ctx;

typedef struct {
    struct jpeg_decompress_struct cinfo;
    jpeg_error_ctx err;
    unsigned char *scratch;
    int created;
} jpeg_read_ctx;

static void jpeg_fail(j_common_ptr cinfo) {
    jpeg_error_ctx *err = (jpeg_error_ctx *)cinfo->err;
    char buffer[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, buffer);
    if (err->status == PXC_OK) {
        err->status = PXC_ERR_CORRUPT;
        pxc_set_message(err->message, err->message_size, "corrupt JPEG: %s", buffer);
    }
    longjmp(err->jump, 1);
}

static void jpeg_message(j_common_ptr cinfo, int msg_level) {
    jpeg_error_ctx *err = (jpeg_error_ctx *)cinfo->err;
    if (msg_level >= 0) return; // trace messages
    cinfo->err->num_warnings++;
    // A premature end of data is fatal (Pillow reports "image file is truncated" too) unless every
    // pixel is already read (a missing EOI, which Pillow accepts); other warnings (extraneous bytes,
    // bad markers it can step over) are decoded through, like Pillow.
    if (cinfo->err->msg_code == JWRN_JPEG_EOF && !err->pixels_done) {
        err->status = PXC_ERR_TRUNCATED;
        pxc_set_message(err->message, err->message_size, "truncated JPEG: the data ends before the image does");
        longjmp(err->jump, 1);
    }
}

static void jpeg_output_nothing(j_common_ptr cinfo) { (void)cinfo; }

#define PXC_MULDIV255(a, b, tmp) (tmp = (a) * (b) + 128, ((((tmp) >> 8) + (tmp)) >> 8))

static inline unsigned char clip8(int v) { return (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v); }

int pxc_decode_jpeg(const unsigned char *data, size_t size, pxc_image *out) {
    // Heap-allocated so its contents are well defined after a longjmp.
    jpeg_read_ctx *const ctx = (jpeg_read_ctx *)calloc(1, sizeof(jpeg_read_ctx));
    if (ctx == NULL) {
        pxc_set_message(out->message, sizeof out->message, "out of memory");
        return PXC_ERR_NOMEM;
    }
    struct jpeg_decompress_struct *cinfo = &ctx->cinfo;
    cinfo->err = jpeg_std_error(&ctx->err.pub);
    ctx->err.pub.error_exit = jpeg_fail;
    ctx->err.pub.emit_message = jpeg_message;
    ctx->err.pub.output_message = jpeg_output_nothing;
    ctx->err.message = out->message;
    ctx->err.message_size = sizeof out->message;
    if (setjmp(ctx->err.jump)) {
        if (ctx->created) jpeg_destroy_decompress(&ctx->cinfo);
        free(ctx->scratch);
        free(out->pixels);
        out->pixels = NULL;
        out->width = out->height = 0;
        int status = ctx->err.status == PXC_OK ? PXC_ERR_CORRUPT : ctx->err.status;
        free(ctx);
        return status;
    }
    jpeg_create_decompress(cinfo);
    ctx->created = 1;
    jpeg_mem_src(cinfo, (unsigned char *)data, (unsigned long)size);
    jpeg_read_header(cinfo, TRUE);

    out->source_channels = cinfo->num_components;
    out->source_bit_depth = cinfo->data_precision;
    out->progressive = cinfo->progressive_mode ? 1 : 0;
    if ((unsigned long long)cinfo->image_width * cinfo->image_height > (unsigned long long)PXC_MAX_PIXELS ||
        cinfo->image_width == 0 || cinfo->image_height == 0) {
        ctx->err.status = PXC_ERR_TOO_LARGE;
        pxc_set_message(out->message, sizeof out->message, "JPEG size %ux%u is outside the accepted range",
                        (unsigned)cinfo->image_width, (unsigned)cinfo->image_height);
        longjmp(ctx->err.jump, 1);
    }
    int cmyk = 0;
    switch (cinfo->jpeg_color_space) {
    case JCS_GRAYSCALE: cinfo->out_color_space = JCS_GRAYSCALE; break;
    case JCS_CMYK:
    case JCS_YCCK: cinfo->out_color_space = JCS_CMYK; cmyk = 1; break;
    default: cinfo->out_color_space = JCS_RGB; break;
    }
    // libjpeg's defaults, as Pillow uses them: integer IDCT, fancy upsampling, no scaling.
    cinfo->dct_method = JDCT_ISLOW;
    cinfo->do_fancy_upsampling = TRUE;
    jpeg_start_decompress(cinfo);

    const size_t w = cinfo->output_width, h = cinfo->output_height;
    const int comps = cinfo->output_components;
    if ((comps != 1 && comps != 3 && comps != 4) || (comps == 4 && !cmyk)) {
        ctx->err.status = PXC_ERR_UNSUPPORTED;
        pxc_set_message(out->message, sizeof out->message, "unsupported JPEG with %d output components", comps);
        longjmp(ctx->err.jump, 1);
    }
    out->pixels = (unsigned char *)malloc(w * h * 3);
    if (comps != 3) ctx->scratch = (unsigned char *)malloc(w * (size_t)comps);
    if (out->pixels == NULL || (comps != 3 && ctx->scratch == NULL)) {
        ctx->err.status = PXC_ERR_NOMEM;
        pxc_set_message(out->message, sizeof out->message, "out of memory for a %zux%zu JPEG", w, h);
        longjmp(ctx->err.jump, 1);
    }
    out->width = (int)w;
    out->height = (int)h;
    while (cinfo->output_scanline < cinfo->output_height) {
        const size_t y = cinfo->output_scanline;
        unsigned char *dst = out->pixels + y * w * 3;
        if (comps == 3) {
            JSAMPROW row = dst;
            jpeg_read_scanlines(cinfo, &row, 1);
        } else {
            JSAMPROW row = ctx->scratch;
            jpeg_read_scanlines(cinfo, &row, 1);
            const unsigned char *src = ctx->scratch;
            if (comps == 1) {
                for (size_t x = 0; x < w; x++) {
                    dst[3 * x] = dst[3 * x + 1] = dst[3 * x + 2] = src[x];
                }
            } else {
                // Pillow reads CMYK JPEGs as Adobe-inverted ("CMYK;I") and converts with cmyk2rgb.
                for (size_t x = 0; x < w; x++) {
                    int c = 255 - src[4 * x], m = 255 - src[4 * x + 1], yy = 255 - src[4 * x + 2];
                    int k = 255 - src[4 * x + 3];
                    int nk = 255 - k, tmp;
                    dst[3 * x] = clip8(nk - PXC_MULDIV255(c, nk, tmp));
                    dst[3 * x + 1] = clip8(nk - PXC_MULDIV255(m, nk, tmp));
                    dst[3 * x + 2] = clip8(nk - PXC_MULDIV255(yy, nk, tmp));
                }
            }
        }
    }
    // Read on to the end-of-image marker, as Pillow does: a damaged marker after the last scanline
    // ("Unsupported marker type") is an error there too, and the pixels above it may be garbage.
    ctx->err.pixels_done = 1;
    jpeg_finish_decompress(cinfo);
    jpeg_destroy_decompress(cinfo);
    free(ctx->scratch);
    free(ctx);
    return PXC_OK;
}
