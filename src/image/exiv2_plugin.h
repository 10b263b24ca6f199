/* The C interface of libraiiaf_exiv2.so, the plugin that holds every call
 * into exiv2 (src/plugins/exiv2_plugin.cpp). exiv2 is a C++ library that
 * brings the shared libstdc++, libexpat and zlib; as a plugin loaded when EXIF
 * or XMP is first read or written (src/image/exiv2_loader.cpp) it costs the
 * CLI nothing at start-up (docs/PERFORMANCE.md, "CLI start-up"). Only C types
 * cross this interface, so the plugin and its host may carry different C++
 * runtimes; neither side lets an exception out. */
#ifndef RAIIAF_IMAGE_EXIV2_PLUGIN_H
#define RAIIAF_IMAGE_EXIV2_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped on any change below; the host refuses a plugin of another version. */
#define RAIIAF_EXIV2_PLUGIN_ABI 1
/* The one exported symbol: a function returning the plugin's table. */
#define RAIIAF_EXIV2_PLUGIN_ENTRY "raiiaf_exiv2_plugin_table"

enum raiiaf_exiv2_result {
    RAIIAF_EXIV2_OK = 0,
    RAIIAF_EXIV2_FAILED = 1,         /* exiv2 failed; `error` holds its message */
    RAIIAF_EXIV2_NO_TIFF_HEADER = 2, /* read_exif: the block has no valid TIFF header */
    RAIIAF_EXIV2_SINK_FAILED = 3     /* the host's sink refused the output (it knows why) */
};

/* Optional text: `present` 0 means absent. Bytes, not NUL-terminated. */
struct raiiaf_exiv2_text {
    const char* data;
    size_t size;
    int present;
};

/* read_exif asks for a buffer of `size` bytes for the value of each tag it
 * finds (size > 0); the host returns where to copy it, or NULL to skip it. */
typedef void* (*raiiaf_exiv2_value_buffer)(void* context, uint16_t tag, const char* group, size_t size);
/* The encoders hand their output over once; nonzero refuses it. */
typedef int (*raiiaf_exiv2_sink)(void* context, const unsigned char* data, size_t size);

struct raiiaf_exiv2_plugin {
    int abi_version; /* RAIIAF_EXIV2_PLUGIN_ABI */
    const char* exiv2_version;

    /* The tags of a TIFF structure (no "Exif\0\0" prefix), each value copied
     * in the block's byte order; *big_endian says which it is. */
    int (*read_exif)(const unsigned char* tiff, uint32_t size, int* big_endian, raiiaf_exiv2_value_buffer buffer_for,
                     void* context, char* error, size_t error_capacity);
    /* `existing` (a TIFF structure, possibly empty or unreadable: then a fresh
     * big-endian one) with IFD0 Make and Model and the Exif IFD UserComment
     * (the complete value, character code included) set where present. */
    int (*encode_exif)(const unsigned char* existing, size_t existing_size, struct raiiaf_exiv2_text make,
                       struct raiiaf_exiv2_text model, struct raiiaf_exiv2_text user_comment, raiiaf_exiv2_sink sink,
                       void* context, char* error, size_t error_capacity);
    /* A compact XMP packet with Iptc4xmpExt:DigitalSourceType `source_type`
     * and the other properties where present. */
    int (*encode_xmp)(struct raiiaf_exiv2_text source_type, struct raiiaf_exiv2_text ai_system,
                      struct raiiaf_exiv2_text ai_system_version, struct raiiaf_exiv2_text ai_prompt,
                      struct raiiaf_exiv2_text creator_tool, raiiaf_exiv2_sink sink, void* context, char* error,
                      size_t error_capacity);
};

typedef const struct raiiaf_exiv2_plugin* (*raiiaf_exiv2_plugin_entry)(void);

#ifdef __cplusplus
}
#endif

#endif
