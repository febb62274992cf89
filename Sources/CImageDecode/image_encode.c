// PNG and JPEG encoding of 8-bit pixels, for tests and tools that write pictures; contracts in
// include/image_decode.h.

#include "image_decode.h"
#include "image_status.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jerror.h>
#include <jpeglib.h>

// MARK: - PNG

/// Writes `image` (format and size already set) from `buffer` into a malloc'd PNG file: once
/// to learn the size, once to fill the buffer.
static int png_write(
    png_image *image, const void *buffer, const void *colormap, uint8_t **encoded,
    size_t *encoded_size, char *error, size_t error_size)
{
    png_alloc_size_t size = 0;
    if (!png_image_write_to_memory(image, NULL, &size, 0, buffer, 0, colormap)) {
        int status = lwm_fail(LWM_IMAGE_BAD_ARGUMENT, error, error_size, "PNG: %s", image->message);
        png_image_free(image);
        return status;
    }
    uint8_t *file = malloc(size);
    if (file == NULL) {
        png_image_free(image);
        return lwm_fail(LWM_IMAGE_NO_MEMORY, error, error_size, "PNG: out of memory");
    }
    if (!png_image_write_to_memory(image, file, &size, 0, buffer, 0, colormap)) {
        int status = lwm_fail(LWM_IMAGE_BAD_ARGUMENT, error, error_size, "PNG: %s", image->message);
        png_image_free(image);
        free(file);
        return status;
    }
    *encoded = file;
    *encoded_size = size;
    return LWM_IMAGE_OK;
}

/// Whether width×height is a size the encoders accept.
static int valid_size(int width, int height)
{
    return width > 0 && height > 0 && (size_t)width * (size_t)height <= LWM_MAX_IMAGE_PIXELS;
}

int lwm_encode_png(
    const uint8_t *pixels, int width, int height, int channels, uint8_t **encoded,
    size_t *encoded_size, char *error, size_t error_size)
{
    static const png_uint_32 formats[] = {
        PNG_FORMAT_GRAY, PNG_FORMAT_GA, PNG_FORMAT_RGB, PNG_FORMAT_RGBA};
    if (pixels == NULL || encoded == NULL || encoded_size == NULL || !valid_size(width, height)
        || channels < 1 || channels > 4) {
        return lwm_fail(
            LWM_IMAGE_BAD_ARGUMENT, error, error_size,
            "PNG: cannot encode %d×%d pixels of %d channels", width, height, channels);
    }
    *encoded = NULL;

    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    image.width = (png_uint_32)width;
    image.height = (png_uint_32)height;
    image.format = formats[channels - 1];
    return png_write(&image, pixels, NULL, encoded, encoded_size, error, error_size);
}

int lwm_encode_png_palette(
    const uint8_t *indices, int width, int height, const uint8_t *palette,
    int palette_entries, uint8_t **encoded, size_t *encoded_size, char *error,
    size_t error_size)
{
    if (indices == NULL || palette == NULL || encoded == NULL || encoded_size == NULL
        || !valid_size(width, height) || palette_entries < 1 || palette_entries > 256) {
        return lwm_fail(
            LWM_IMAGE_BAD_ARGUMENT, error, error_size,
            "PNG: cannot encode %d×%d palette indices with %d palette entries", width, height,
            palette_entries);
    }
    *encoded = NULL;
    for (size_t i = 0; i < (size_t)width * height; i++) {
        if (indices[i] >= palette_entries) {
            return lwm_fail(
                LWM_IMAGE_BAD_ARGUMENT, error, error_size,
                "PNG: palette index %d at pixel %zu is not below %d entries", indices[i], i,
                palette_entries);
        }
    }

    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    image.width = (png_uint_32)width;
    image.height = (png_uint_32)height;
    image.format = PNG_FORMAT_RGB_COLORMAP;
    image.colormap_entries = (png_uint_32)palette_entries;
    return png_write(&image, indices, palette, encoded, encoded_size, error, error_size);
}

// MARK: - JPEG

/// As in image_decode.c: libjpeg's error manager with the place to jump back to.
struct jpeg_failure {
    struct jpeg_error_mgr manager;
    jmp_buf jump;
};

static void jpeg_fail(j_common_ptr info)
{
    longjmp(((struct jpeg_failure *)info->err)->jump, 1);
}

static void jpeg_silent(j_common_ptr info, int level)
{
    (void)info;
    (void)level;
}

int lwm_encode_jpeg(
    const uint8_t *pixels, int width, int height, int channels, int quality,
    uint8_t **encoded, size_t *encoded_size, char *error, size_t error_size)
{
    if (pixels == NULL || encoded == NULL || encoded_size == NULL || !valid_size(width, height)
        || (channels != 1 && channels != 3 && channels != 4) || quality < 1 || quality > 100) {
        return lwm_fail(
            LWM_IMAGE_BAD_ARGUMENT, error, error_size,
            "JPEG: cannot encode %d×%d pixels of %d channels at quality %d", width, height,
            channels, quality);
    }
    *encoded = NULL;

    struct jpeg_compress_struct info;
    struct jpeg_failure failure;
    memset(&info, 0, sizeof info);
    memset(&failure, 0, sizeof failure);
    // jpeg_mem_dest mallocs and grows this buffer; it stays ours to free, even after an error.
    unsigned char *volatile file = NULL;
    unsigned long size = 0;

    info.err = jpeg_std_error(&failure.manager);
    failure.manager.error_exit = jpeg_fail;
    failure.manager.emit_message = jpeg_silent;
    if (setjmp(failure.jump)) {
        char reason[JMSG_LENGTH_MAX];
        failure.manager.format_message((j_common_ptr)&info, reason);
        jpeg_destroy_compress(&info);
        free(file);
        return lwm_fail(LWM_IMAGE_BAD_ARGUMENT, error, error_size, "JPEG: %s", reason);
    }

    jpeg_create_compress(&info);
    jpeg_mem_dest(&info, (unsigned char **)&file, &size);
    info.image_width = (JDIMENSION)width;
    info.image_height = (JDIMENSION)height;
    info.input_components = channels;
    info.in_color_space = channels == 1 ? JCS_GRAYSCALE : channels == 3 ? JCS_RGB : JCS_CMYK;
    jpeg_set_defaults(&info);
    jpeg_set_quality(&info, quality, TRUE);
    jpeg_start_compress(&info, TRUE);
    while (info.next_scanline < info.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)info.next_scanline * width * channels);
        jpeg_write_scanlines(&info, &row, 1);
    }
    jpeg_finish_compress(&info);
    jpeg_destroy_compress(&info);

    *encoded = file;
    *encoded_size = size;
    return LWM_IMAGE_OK;
}
