// Helpers shared by the decoders and encoders; not part of the public header.

#ifndef LWM_IMAGE_STATUS_H
#define LWM_IMAGE_STATUS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/// Writes a formatted reason into `error` (if there is room for anything) and returns `status`.
__attribute__((format(printf, 4, 5))) static inline int lwm_fail(
    int status, char *error, size_t error_size, const char *format, ...)
{
    if (error != NULL && error_size > 0) {
        va_list arguments;
        va_start(arguments, format);
        vsnprintf(error, error_size, format, arguments);
        va_end(arguments);
    }
    return status;
}

#endif
