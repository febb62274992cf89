// JPEG and PNG decoding and encoding for lwm, in C because libjpeg and libpng report errors by
// longjmp, which must never cross a Swift frame: every longjmp lands in a setjmp inside the
// function that called the library, and every function here returns a status instead.
//
// Pixels are interleaved, rows top to bottom, one byte per channel. Every buffer returned
// through a `uint8_t **` is allocated with malloc and released with lwm_image_free. On failure
// the functions return a nonzero status, leave *pixels (or *encoded) NULL and write a one-line,
// NUL-terminated reason into `error` (at most `error_size` bytes, truncated if longer). They
// never exit, print or abort on bad data.

#ifndef LWM_IMAGE_DECODE_H
#define LWM_IMAGE_DECODE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The largest image the decoders accept, in pixels (width times height); larger headers are
/// refused before any pixel memory is allocated, so a damaged or hostile header cannot ask for
/// gigabytes.
#define LWM_MAX_IMAGE_PIXELS ((size_t)1 << 26)

/// Status codes of every function here.
enum {
    LWM_IMAGE_OK = 0,
    /// The data is not a valid, complete image of the expected format.
    LWM_IMAGE_BAD_DATA = 1,
    /// The arguments are invalid (null pointers, sizes out of range).
    LWM_IMAGE_BAD_ARGUMENT = 2,
    /// malloc failed.
    LWM_IMAGE_NO_MEMORY = 3,
};

/// Decodes a JPEG file held in memory to 8-bit RGB.
///
/// Grayscale images are expanded to RGB; CMYK and YCCK images are converted (Adobe's inverted
/// CMYK when the file has an Adobe marker). Data that ends before the image does is an error,
/// although libjpeg itself would only warn and fill the rest with gray; other libjpeg warnings
/// (such as extraneous bytes before a marker) are tolerated, as every common viewer does.
///
/// - minimum_short_side: when positive, the decoder may use libjpeg's DCT scaling (1/2, 1/4 or
///   1/8 of the stored size, whichever is smallest) as long as the shorter side of the result
///   stays at least this many pixels; 0 decodes at full size.
/// - pixels, width, height, channels: on success, a malloc'd buffer of width·height·3 bytes
///   and its dimensions; *channels is always 3.
/// - Returns: LWM_IMAGE_OK or an error status with the reason in `error`.
int lwm_decode_jpeg(
    const uint8_t *data, size_t size, int minimum_short_side, uint8_t **pixels, int *width,
    int *height, int *channels, char *error, size_t error_size);

/// Decodes a PNG file held in memory to 8-bit RGB.
///
/// Grayscale and palette images are expanded to RGB, 16-bit samples are reduced to 8 bits
/// (taken as sRGB when the file gives no gamma), samples of a file that declares a gamma other
/// than sRGB's are converted to sRGB, and an alpha channel (or tRNS transparency) is dropped
/// without compositing, keeping the stored colour of transparent pixels as PIL's
/// `convert("RGB")` does. A truncated file or a failed CRC is an error.
///
/// - pixels, width, height, channels: as for lwm_decode_jpeg.
/// - Returns: LWM_IMAGE_OK or an error status with the reason in `error`.
int lwm_decode_png(
    const uint8_t *data, size_t size, uint8_t **pixels, int *width, int *height,
    int *channels, char *error, size_t error_size);

/// Encodes interleaved 8-bit pixels as a PNG file in memory.
///
/// - channels: 1 (gray), 2 (gray and alpha), 3 (RGB) or 4 (RGBA); the PNG has that colour type.
/// - encoded, encoded_size: on success, a malloc'd buffer holding the complete file.
/// - Returns: LWM_IMAGE_OK or an error status with the reason in `error`.
int lwm_encode_png(
    const uint8_t *pixels, int width, int height, int channels, uint8_t **encoded,
    size_t *encoded_size, char *error, size_t error_size);

/// Encodes an image of palette indices as a palette (colour type 3) PNG file in memory.
///
/// - indices: width·height bytes, each below palette_entries.
/// - palette: palette_entries RGB triples; palette_entries is 1 to 256.
/// - encoded, encoded_size: as for lwm_encode_png.
/// - Returns: LWM_IMAGE_OK or an error status with the reason in `error`.
int lwm_encode_png_palette(
    const uint8_t *indices, int width, int height, const uint8_t *palette,
    int palette_entries, uint8_t **encoded, size_t *encoded_size, char *error,
    size_t error_size);

/// Encodes interleaved 8-bit pixels as a baseline JPEG file in memory.
///
/// - channels: 1 (grayscale JPEG), 3 (YCbCr JPEG from RGB) or 4 (CMYK JPEG, samples stored
///   as given, with the Adobe marker libjpeg writes for CMYK).
/// - quality: libjpeg's quality, 1 to 100.
/// - encoded, encoded_size: as for lwm_encode_png.
/// - Returns: LWM_IMAGE_OK or an error status with the reason in `error`.
int lwm_encode_jpeg(
    const uint8_t *pixels, int width, int height, int channels, int quality,
    uint8_t **encoded, size_t *encoded_size, char *error, size_t error_size);

/// Releases a buffer returned by any function here; NULL is allowed.
void lwm_image_free(void *buffer);

#ifdef __cplusplus
}
#endif

#endif
