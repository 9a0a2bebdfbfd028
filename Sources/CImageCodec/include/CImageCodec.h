// CImageCodec: a small C shim over libpng and libjpeg(-turbo) for Pretext's data pipeline.
//
// Every setjmp/longjmp and libjpeg `error_exit` stays inside this library: a bad or truncated file
// returns a status code and a message, it never exits, aborts or unwinds through Swift frames.
//
// Decoded images are always 8-bit RGB, row-major, interleaved (HWC), matching what Pillow's
// `Image.open(path).convert("RGB")` gives (the torchvision ImageFolder loader):
//   - grayscale (1/2/4/8-bit) is replicated to R=G=B (low bit depths scaled to 0..255);
//   - an alpha channel (RGBA, gray+alpha, palette/tRNS transparency) is dropped, not blended;
//   - palette images are expanded through the palette;
//   - 16-bit RGB(A) and gray+alpha keep the high byte of each sample (Pillow's "RGB;16B" unpacker);
//   - 16-bit grayscale is clipped: min(value, 255) (Pillow's I;16 -> L/RGB conversion);
//   - JPEG: baseline and progressive, YCbCr/RGB/grayscale/CMYK (CMYK is treated as Adobe-inverted
//     and converted with Pillow's cmyk2rgb formula); integer IDCT (JDCT_ISLOW) and fancy upsampling,
//     the libjpeg defaults Pillow uses. EXIF orientation is ignored, as Pillow's open/convert does.
#ifndef PRETEXT_CIMAGECODEC_H
#define PRETEXT_CIMAGECODEC_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Status codes returned by every function (0 = success).
typedef enum {
    PXC_OK = 0,
    PXC_ERR_IO = 1,          ///< the file could not be opened or read (message has the OS reason)
    PXC_ERR_FORMAT = 2,      ///< neither a PNG nor a JPEG (by signature), or an empty file
    PXC_ERR_CORRUPT = 3,     ///< the decoder rejected the data (message has libpng/libjpeg's reason)
    PXC_ERR_TRUNCATED = 4,   ///< the data ends before the image does
    PXC_ERR_TOO_LARGE = 5,   ///< width*height above PXC_MAX_PIXELS, or a zero dimension
    PXC_ERR_NOMEM = 6,       ///< allocation failed
    PXC_ERR_ARGUMENT = 7,    ///< bad argument (null pointer, unsupported channel count, ...)
    PXC_ERR_UNSUPPORTED = 8  ///< a valid file of a kind this shim does not decode
} pxc_status;

/// Source container formats.
enum { PXC_FORMAT_UNKNOWN = 0, PXC_FORMAT_PNG = 1, PXC_FORMAT_JPEG = 2 };

/// Largest image accepted (width * height), to refuse absurd headers before allocating: Pillow's
/// decompression-bomb limit (2 x Image.MAX_IMAGE_PIXELS = 178,956,970 pixels, DecompressionBombError).
#define PXC_MAX_PIXELS 178956970L

/// A decoded image. `pixels` is malloc'd by the decoder (width*height*3 bytes, RGB HWC) and must be
/// released with `pxc_image_free`. On failure `pixels` is NULL and `message` says why.
typedef struct {
    int width;
    int height;
    unsigned char *pixels;
    int format;          ///< PXC_FORMAT_PNG or PXC_FORMAT_JPEG
    int source_channels; ///< channels in the file (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA/CMYK; palette = 3)
    int source_bit_depth;///< bits per sample in the file (1, 2, 4, 8 or 16)
    int progressive;     ///< 1 for progressive JPEG / interlaced PNG
    char message[256];
} pxc_image;

/// Decodes a PNG or JPEG held in memory into 8-bit RGB.
int pxc_decode_memory(const unsigned char *data, size_t size, pxc_image *out);

/// Reads a whole file and decodes it (PNG or JPEG by signature, not by extension).
int pxc_decode_file(const char *path, pxc_image *out);

/// Releases the pixels of a decoded image (safe on a failed or zeroed image).
void pxc_image_free(pxc_image *image);

/// Encodes 8-bit pixels (channels 1 = gray, 3 = RGB, 4 = RGBA; rows of width*channels bytes) as PNG
/// into a malloc'd buffer (*out, *out_size; release with pxc_free). compression: 0..9, -1 = default (6).
int pxc_encode_png_memory(const unsigned char *pixels, int width, int height, int channels, int compression,
                          unsigned char **out, size_t *out_size, char *message, size_t message_size);

/// Encodes as PNG and writes it to `path` atomically (a temporary file in the same folder, then rename).
int pxc_encode_png_file(const char *path, const unsigned char *pixels, int width, int height, int channels,
                        int compression, char *message, size_t message_size);

/// Frees a buffer returned by this library.
void pxc_free(void *pointer);

#ifdef __cplusplus
}
#endif

#endif
