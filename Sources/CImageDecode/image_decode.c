// JPEG and PNG decoding to 8-bit RGB; contracts in include/image_decode.h.

#include "image_decode.h"
#include "image_status.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jerror.h>
#include <jpeglib.h>

// MARK: - JPEG

/// libjpeg's error manager extended with the place to jump back to. `manager` comes first so
/// that the `j_common_ptr->err` libjpeg hands to the callbacks can be cast to this struct.
struct jpeg_failure {
    struct jpeg_error_mgr manager;
    jmp_buf jump;
    char reason[JMSG_LENGTH_MAX + 64];
};

/// libjpeg's fatal-error callback: keep the message and return to lwm_decode_jpeg's setjmp
/// instead of calling exit() as the default manager does.
static void jpeg_fail(j_common_ptr info)
{
    struct jpeg_failure *failure = (struct jpeg_failure *)info->err;
    info->err->format_message(info, failure->reason);
    longjmp(failure->jump, 1);
}

/// libjpeg's message callback: silent, except that running out of data is fatal here. libjpeg
/// only warns and pads the image with gray, which would hide a truncated file in the dataset.
static void jpeg_message(j_common_ptr info, int level)
{
    struct jpeg_failure *failure = (struct jpeg_failure *)info->err;
    if (level < 0 && info->err->msg_code == JWRN_JPEG_EOF) {
        snprintf(
            failure->reason, sizeof failure->reason,
            "the data ends before the image does (the file is truncated)");
        longjmp(failure->jump, 1);
    }
}

/// The largest DCT scaling denominator (8, 4, 2 or 1) that keeps the shorter side at least
/// `minimum` pixels; libjpeg rounds scaled sizes up.
static unsigned jpeg_denominator(unsigned width, unsigned height, int minimum)
{
    unsigned shorter = width < height ? width : height;
    unsigned denominator = 8;
    while (denominator > 1 && (shorter + denominator - 1) / denominator < (unsigned)minimum) {
        denominator /= 2;
    }
    return denominator;
}

/// Converts one row of CMYK samples to RGB. Adobe applications store CMYK inverted (0 means
/// full ink); libjpeg passes the samples through as stored.
static void cmyk_to_rgb(const uint8_t *cmyk, uint8_t *rgb, size_t width, int inverted)
{
    for (size_t x = 0; x < width; x++) {
        unsigned k = inverted ? cmyk[4 * x + 3] : 255u - cmyk[4 * x + 3];
        for (int c = 0; c < 3; c++) {
            unsigned ink = inverted ? cmyk[4 * x + c] : 255u - cmyk[4 * x + c];
            rgb[3 * x + c] = (uint8_t)((ink * k + 127) / 255);
        }
    }
}

int lwm_decode_jpeg(
    const uint8_t *data, size_t size, int minimum_short_side, uint8_t **pixels, int *width,
    int *height, int *channels, char *error, size_t error_size)
{
    if (pixels == NULL || width == NULL || height == NULL || channels == NULL
        || (data == NULL && size > 0) || minimum_short_side < 0) {
        return lwm_fail(LWM_IMAGE_BAD_ARGUMENT, error, error_size, "invalid arguments");
    }
    *pixels = NULL;
    if (size == 0) {
        return lwm_fail(LWM_IMAGE_BAD_DATA, error, error_size, "the file is empty");
    }

    struct jpeg_decompress_struct info;
    struct jpeg_failure failure;
    memset(&info, 0, sizeof info);
    memset(&failure, 0, sizeof failure);
    // Assigned after setjmp and read after longjmp, so they must live in memory, not registers.
    uint8_t *volatile image = NULL;
    uint8_t *volatile row = NULL;

    info.err = jpeg_std_error(&failure.manager);
    failure.manager.error_exit = jpeg_fail;
    failure.manager.emit_message = jpeg_message;
    if (setjmp(failure.jump)) {
        int status = failure.manager.msg_code == JERR_OUT_OF_MEMORY ? LWM_IMAGE_NO_MEMORY
                                                                     : LWM_IMAGE_BAD_DATA;
        jpeg_destroy_decompress(&info);
        free(image);
        free(row);
        return lwm_fail(status, error, error_size, "JPEG: %s", failure.reason);
    }

    jpeg_create_decompress(&info);
    jpeg_mem_src(&info, data, (unsigned long)size);
    jpeg_read_header(&info, TRUE);
    if ((size_t)info.image_width * info.image_height > LWM_MAX_IMAGE_PIXELS) {
        snprintf(
            failure.reason, sizeof failure.reason,
            "the header declares %u×%u pixels, more than the %zu accepted", info.image_width,
            info.image_height, (size_t)LWM_MAX_IMAGE_PIXELS);
        longjmp(failure.jump, 1);
    }

    int cmyk = info.jpeg_color_space == JCS_CMYK || info.jpeg_color_space == JCS_YCCK;
    info.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
    if (minimum_short_side > 0) {
        info.scale_num = 1;
        info.scale_denom =
            jpeg_denominator(info.image_width, info.image_height, minimum_short_side);
    }
    jpeg_start_decompress(&info);

    size_t columns = info.output_width;
    size_t rows = info.output_height;
    image = malloc(columns * rows * 3);
    if (cmyk) row = malloc(columns * 4);
    if (image == NULL || (cmyk && row == NULL)) {
        snprintf(failure.reason, sizeof failure.reason, "out of memory");
        failure.manager.msg_code = JERR_OUT_OF_MEMORY;
        longjmp(failure.jump, 1);
    }
    while (info.output_scanline < rows) {
        size_t y = info.output_scanline;
        JSAMPROW target = cmyk ? row : image + y * columns * 3;
        jpeg_read_scanlines(&info, &target, 1);
        if (cmyk) cmyk_to_rgb(row, image + y * columns * 3, columns, info.saw_Adobe_marker);
    }
    jpeg_finish_decompress(&info);
    jpeg_destroy_decompress(&info);
    free(row);

    *pixels = image;
    *width = (int)columns;
    *height = (int)rows;
    *channels = 3;
    return LWM_IMAGE_OK;
}

// MARK: - PNG

/// The reason libpng's simplified API gave, except that running out of data (libpng's
/// memory reader says "read beyond end of data") is told as truncation, like JPEG's.
static int png_failure(const png_image *image, char *error, size_t error_size)
{
    if (strstr(image->message, "end of data") != NULL) {
        return lwm_fail(
            LWM_IMAGE_BAD_DATA, error, error_size,
            "PNG: the data ends before the image does (the file is truncated)");
    }
    return lwm_fail(LWM_IMAGE_BAD_DATA, error, error_size, "PNG: %s", image->message);
}

int lwm_decode_png(
    const uint8_t *data, size_t size, uint8_t **pixels, int *width, int *height,
    int *channels, char *error, size_t error_size)
{
    if (pixels == NULL || width == NULL || height == NULL || channels == NULL
        || (data == NULL && size > 0)) {
        return lwm_fail(LWM_IMAGE_BAD_ARGUMENT, error, error_size, "invalid arguments");
    }
    *pixels = NULL;
    if (size == 0) {
        return lwm_fail(LWM_IMAGE_BAD_DATA, error, error_size, "the file is empty");
    }

    // The simplified API catches libpng's longjmp inside libpng itself and reports failure
    // through its return value and image.message.
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&image, data, size)) {
        int status = png_failure(&image, error, error_size);
        png_image_free(&image);
        return status;
    }
    size_t count = (size_t)image.width * image.height;
    if (count > LWM_MAX_IMAGE_PIXELS) {
        int status = lwm_fail(
            LWM_IMAGE_BAD_DATA, error, error_size,
            "PNG: the header declares %u×%u pixels, more than the %zu accepted", image.width,
            image.height, (size_t)LWM_MAX_IMAGE_PIXELS);
        png_image_free(&image);
        return status;
    }

    // Alpha is read and then dropped rather than composited, so transparent pixels keep their
    // stored colour. 8-bit sRGB output is not premultiplied by alpha.
    // A 16-bit file without gamma information is taken as sRGB, as other decoders take it;
    // libpng would otherwise assume linear samples and brighten them on conversion. (Set
    // here: png_image_begin_read_from_memory clears the flags.)
    image.flags |= PNG_IMAGE_FLAG_16BIT_sRGB;
    int alpha = (image.format & PNG_FORMAT_FLAG_ALPHA) != 0;
    image.format = alpha ? PNG_FORMAT_RGBA : PNG_FORMAT_RGB;
    uint8_t *buffer = malloc(PNG_IMAGE_SIZE(image));
    if (buffer == NULL) {
        png_image_free(&image);
        return lwm_fail(LWM_IMAGE_NO_MEMORY, error, error_size, "PNG: out of memory");
    }
    if (!png_image_finish_read(&image, NULL, buffer, 0, NULL)) {
        int status = png_failure(&image, error, error_size);
        png_image_free(&image);
        free(buffer);
        return status;
    }
    if (alpha) {
        for (size_t i = 0; i < count; i++) {
            buffer[3 * i] = buffer[4 * i];
            buffer[3 * i + 1] = buffer[4 * i + 1];
            buffer[3 * i + 2] = buffer[4 * i + 2];
        }
    }

    *pixels = buffer;
    *width = (int)image.width;
    *height = (int)image.height;
    *channels = 3;
    return LWM_IMAGE_OK;
}

void lwm_image_free(void *buffer)
{
    free(buffer);
}
