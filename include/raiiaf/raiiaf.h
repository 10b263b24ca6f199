/* The raiiaf C API: read and write raiiaf artifacts from C and any language
 * with a C foreign-function interface (native generators such as
 * stable-diffusion.cpp, Rust, Go, ...). It is a thin layer over the C++ API
 * (raiiaf/raiiaf.hpp) with the same checks and limits.
 *
 * Conventions (after OpenEXRCore and zstd):
 * - Objects are opaque handles: raiiaf_reader, raiiaf_writer. Create them with
 *   the *_open / *_create functions, release them with *_close / *_free
 *   (which accept NULL). A handle may be used by one thread at a time;
 *   different handles are independent.
 * - Every function that can fail returns a raiiaf_result: RAIIAF_OK (0) or an
 *   error code. raiiaf_result_name() names a code; raiiaf_last_error_message()
 *   says, for the calling thread's most recent failed call, what was wrong and
 *   where ("chunk 2 (LATN) at offset 8249"). Outputs are written only on
 *   success. No function aborts or lets a C++ exception escape.
 * - Options structs begin with their own size: set struct_size to
 *   sizeof(the struct) and zero everything else to get the defaults; fields
 *   added in later versions go at the end, so a program compiled against
 *   this header keeps working with a newer library. A NULL options pointer
 *   means all defaults.
 * - Strings are NUL-terminated UTF-8. Strings a handle returns stay valid
 *   until the handle is closed. Data passed in is copied: the caller may free
 *   it as soon as the call returns.
 *
 * Reading:
 *
 *     raiiaf_reader* reader = NULL;
 *     if (raiiaf_reader_open("cat.raiiaf", NULL, &reader) != RAIIAF_OK) {
 *         fprintf(stderr, "%s\n", raiiaf_last_error_message());
 *         return 1;
 *     }
 *     const char* prompt = NULL;
 *     raiiaf_reader_model_field(reader, RAIIAF_FIELD_PROMPT, &prompt);
 *     size_t index;
 *     raiiaf_latent_info info = {sizeof info};
 *     if (raiiaf_reader_find_latent(reader, "initial_noise", &index) == RAIIAF_OK &&
 *         raiiaf_reader_latent_info(reader, index, &info) == RAIIAF_OK) {
 *         float* noise = malloc(info.element_count * sizeof(float));
 *         raiiaf_reader_load_latent(reader, index, RAIIAF_DTYPE_FLOAT32, noise,
 *                                   info.element_count * sizeof(float));
 *     }
 *     raiiaf_reader_close(reader);
 *
 * Writing:
 *
 *     raiiaf_writer* writer = NULL;
 *     raiiaf_writer_create(&writer);
 *     raiiaf_writer_set_model_field(writer, RAIIAF_FIELD_MODEL_NAME, "Stable Diffusion 3");
 *     raiiaf_writer_set_model_field(writer, RAIIAF_FIELD_PROMPT, "a cat in neon goggles");
 *     raiiaf_writer_set_model_field(writer, RAIIAF_FIELD_GENERATION_SETTINGS, "{\"seed\": 1337}");
 *     const uint64_t shape[4] = {1, 4, 64, 64};
 *     raiiaf_writer_add_latent(writer, "initial_noise", RAIIAF_DTYPE_FLOAT32, shape, 4,
 *                              noise, sizeof(float) * 4 * 64 * 64, RAIIAF_CODEC_DEFAULT);
 *     raiiaf_writer_set_image(writer, png_bytes, png_size);
 *     raiiaf_write_options options = {sizeof options};
 *     options.codec = RAIIAF_CODEC_ZFP;
 *     raiiaf_writer_write_file(writer, "cat.raiiaf", &options);  (atomic)
 *     raiiaf_writer_free(writer);
 */
#ifndef RAIIAF_RAIIAF_H
#define RAIIAF_RAIIAF_H

#include <stddef.h>
#include <stdint.h>

#include "raiiaf/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- results ------------------------------------------------------------ */

/* Each enum ends in a 0x7FFFFFFF member (as Vulkan's do): it makes every int
 * value a valid value of the type, so a caller's out-of-range value (a newer
 * header's, or a mistake) reaches the library intact and is refused as
 * RAIIAF_ERR_INVALID_ARGUMENT, instead of being undefined behaviour in C++. */

/* The error codes are the C++ library's raiiaf::ErrorCode values (each names
 * one class of include/raiiaf/errors.hpp), followed by codes only the C API
 * reports. */
typedef enum raiiaf_result {
    RAIIAF_OK = 0,
    RAIIAF_ERR_OTHER = 1,            /* a library error of no finer kind */
    RAIIAF_ERR_DECODE = 2,           /* the input is damaged or not an artifact */
    RAIIAF_ERR_CORRUPT_HEADER = 3,   /* the file header is damaged */
    RAIIAF_ERR_METADATA = 4,         /* the manifest (META) is damaged or violates the schema */
    RAIIAF_ERR_CHUNK = 5,            /* a chunk is damaged (bounds, envelope, hash) */
    RAIIAF_ERR_LATENT = 6,           /* a latent (LATN) chunk is damaged */
    RAIIAF_ERR_IMAGE = 7,            /* the image (DATA) chunk is damaged or missing */
    RAIIAF_ERR_ENV_CHUNK = 8,        /* the environment (ENVC) chunk is damaged */
    RAIIAF_ERR_TENSOR_FILE = 9,      /* a .npy / .safetensors input is malformed */
    RAIIAF_ERR_INVALID_ARGUMENT = 10,/* the caller passed something unusable */
    RAIIAF_ERR_IO = 11,              /* the operating system refused a file operation */
    RAIIAF_ERR_NOT_FOUND = 100,      /* no latent of that name */
    RAIIAF_ERR_BUFFER_TOO_SMALL = 101, /* the caller's buffer cannot hold the result */
    RAIIAF_ERR_OUT_OF_MEMORY = 102,
    RAIIAF_ERR_INTERNAL = 103,       /* a bug: please report the message */
    RAIIAF_ERR_NOT_BUILT = 104,      /* this library was built without it (RAIIAF_READ_ONLY: no writer) */
    RAIIAF_RESULT_FORCE_INT = 0x7FFFFFFF /* not a result: makes every int value valid (see below) */
} raiiaf_result;

/* "RAIIAF_OK", "RAIIAF_ERR_LATENT", ...; "RAIIAF_ERR_UNKNOWN" for other values.
 * Static storage: never freed. */
RAIIAF_API const char* raiiaf_result_name(raiiaf_result result);

/* The calling thread's most recent error: what was wrong and where. "" when no
 * call on this thread has failed. Valid until the thread's next failing call. */
RAIIAF_API const char* raiiaf_last_error_message(void);

/* "MAJOR.MINOR.PATCH" of the library actually linked. */
RAIIAF_API const char* raiiaf_version(void);

/* ---- vocabulary --------------------------------------------------------- */

typedef enum raiiaf_dtype {
    RAIIAF_DTYPE_FLOAT16 = 0,
    RAIIAF_DTYPE_BFLOAT16 = 1,
    RAIIAF_DTYPE_FLOAT32 = 2,
    RAIIAF_DTYPE_FLOAT64 = 3,
    RAIIAF_DTYPE_INT8 = 4,
    RAIIAF_DTYPE_INT16 = 5,
    RAIIAF_DTYPE_INT32 = 6,
    RAIIAF_DTYPE_INT64 = 7,
    RAIIAF_DTYPE_UINT8 = 8,
    RAIIAF_DTYPE_BOOL = 9,
    RAIIAF_DTYPE_FORCE_INT = 0x7FFFFFFF /* not a dtype (see below) */
} raiiaf_dtype;

/* Bytes per element; 0 for a value that is not a raiiaf_dtype. */
RAIIAF_API size_t raiiaf_dtype_size(raiiaf_dtype dtype);

typedef enum raiiaf_codec {
    RAIIAF_CODEC_DEFAULT = 0, /* per latent: the write options' codec */
    RAIIAF_CODEC_RAW = 1,
    RAIIAF_CODEC_ZFP = 2,          /* lossless, or within zfp_tolerance */
    RAIIAF_CODEC_ZSTD = 3,
    RAIIAF_CODEC_SHUFFLE_ZSTD = 4, /* extension: best on noise */
    RAIIAF_CODEC_FORCE_INT = 0x7FFFFFFF /* not a codec (see below) */
} raiiaf_codec;

typedef enum raiiaf_layout {
    RAIIAF_LAYOUT_RAIIAF = 0, /* RAIIAF 1.x, the default */
    RAIIAF_LAYOUT_GEN5 = 1,   /* the older GEN5 layout */
    RAIIAF_LAYOUT_FORCE_INT = 0x7FFFFFFF /* not a layout (see below) */
} raiiaf_layout;

/* The manifest's model fields. The *_JSON fields are JSON text. */
typedef enum raiiaf_model_field {
    RAIIAF_FIELD_MODEL_NAME = 0,
    RAIIAF_FIELD_MODEL_VERSION = 1,
    RAIIAF_FIELD_DATE = 2,                /* ISO 8601 UTC; the writer fills in now when unset */
    RAIIAF_FIELD_PROMPT = 3,
    RAIIAF_FIELD_GENERATION_SETTINGS = 4, /* JSON object, e.g. {"seed": 1337, "steps": 30} */
    RAIIAF_FIELD_HARDWARE_INFO = 5,       /* JSON */
    RAIIAF_FIELD_FORCE_INT = 0x7FFFFFFF      /* not a field (see below) */
} raiiaf_model_field;

/* The deepest tensor the format stores. */
#define RAIIAF_MAX_RANK 8

/* ---- reading ------------------------------------------------------------ */

typedef struct raiiaf_reader raiiaf_reader;

typedef struct raiiaf_read_options {
    size_t struct_size;          /* sizeof(raiiaf_read_options) */
    /* Resource limits for untrusted files; 0 keeps the library's safe default. */
    uint64_t max_file_size;
    uint64_t max_manifest_size;
    uint64_t max_decompressed_total;
    uint32_t max_chunk_count;
    /* Nonzero: do not check each payload's SHA-256 when it is loaded. */
    int skip_hash_check;
} raiiaf_read_options;

/* Opens and memory-maps a file; parses the header and the manifest only. */
RAIIAF_API raiiaf_result raiiaf_reader_open(const char* path, const raiiaf_read_options* options,
                                            raiiaf_reader** out_reader);
/* Reads an artifact held in memory (copied). */
RAIIAF_API raiiaf_result raiiaf_reader_open_memory(const void* data, size_t size,
                                                   const raiiaf_read_options* options,
                                                   raiiaf_reader** out_reader);
RAIIAF_API void raiiaf_reader_close(raiiaf_reader* reader);

RAIIAF_API raiiaf_result raiiaf_reader_layout(const raiiaf_reader* reader, raiiaf_layout* out_layout);

/* A model field. *out_value is NULL for a JSON field the file does not have,
 * "" for an empty text field. */
RAIIAF_API raiiaf_result raiiaf_reader_model_field(const raiiaf_reader* reader, raiiaf_model_field field,
                                                   const char** out_value);
RAIIAF_API raiiaf_result raiiaf_reader_tag_count(const raiiaf_reader* reader, size_t* out_count);
RAIIAF_API raiiaf_result raiiaf_reader_tag(const raiiaf_reader* reader, size_t index, const char** out_tag);
/* The whole manifest as stored, as JSON text. */
RAIIAF_API raiiaf_result raiiaf_reader_manifest_json(const raiiaf_reader* reader, const char** out_json);

typedef struct raiiaf_latent_info {
    size_t struct_size;  /* sizeof(raiiaf_latent_info), set by the caller */
    const char* name;    /* valid until the reader is closed */
    raiiaf_dtype dtype;  /* as stored */
    raiiaf_codec codec;  /* as stored (never RAIIAF_CODEC_DEFAULT) */
    uint32_t rank;
    uint64_t shape[RAIIAF_MAX_RANK]; /* shape[rank..] are 0 */
    uint64_t element_count;
    uint64_t byte_size;  /* element_count x raiiaf_dtype_size(dtype) */
} raiiaf_latent_info;

RAIIAF_API raiiaf_result raiiaf_reader_latent_count(const raiiaf_reader* reader, size_t* out_count);
/* RAIIAF_ERR_NOT_FOUND when the file has no latent of that name. */
RAIIAF_API raiiaf_result raiiaf_reader_find_latent(const raiiaf_reader* reader, const char* name,
                                                   size_t* out_index);
RAIIAF_API raiiaf_result raiiaf_reader_latent_info(const raiiaf_reader* reader, size_t index,
                                                   raiiaf_latent_info* out_info);
/* Decodes latent `index` (its SHA-256 checked unless skip_hash_check) into the
 * caller's buffer as `dtype`: the stored dtype, or float16 / float32 from any
 * stored float type (rounded to nearest even). buffer_size must be at least
 * element_count x raiiaf_dtype_size(dtype) (else RAIIAF_ERR_BUFFER_TOO_SMALL,
 * nothing written); exactly that many bytes are written. */
RAIIAF_API raiiaf_result raiiaf_reader_load_latent(const raiiaf_reader* reader, size_t index, raiiaf_dtype dtype,
                                                   void* buffer, size_t buffer_size);

/* The image's size in bytes, or 0 when the file has none. */
RAIIAF_API raiiaf_result raiiaf_reader_image_size(const raiiaf_reader* reader, size_t* out_size);
/* Copies the image (PNG, JPEG or WebP as stored) into the caller's buffer;
 * RAIIAF_ERR_IMAGE when the file has none. */
RAIIAF_API raiiaf_result raiiaf_reader_load_image(const raiiaf_reader* reader, void* buffer, size_t buffer_size);

/* Checks every chunk of the open file: each payload decodes within the
 * limits and matches its SHA-256. RAIIAF_OK when all do, else the first
 * problem's code. */
RAIIAF_API raiiaf_result raiiaf_reader_verify(const raiiaf_reader* reader);

/* The full check of a file or buffer (header, manifest schema, bounds,
 * overlaps, every envelope and hash, header/manifest consistency) without
 * opening a reader. RAIIAF_OK when intact; otherwise the first problem's code,
 * with *out_problem_count (may be NULL) set to the number of problems. */
RAIIAF_API raiiaf_result raiiaf_check_file(const char* path, const raiiaf_read_options* options,
                                           size_t* out_problem_count);
RAIIAF_API raiiaf_result raiiaf_check_memory(const void* data, size_t size, const raiiaf_read_options* options,
                                             size_t* out_problem_count);

/* ---- writing ------------------------------------------------------------ */

typedef struct raiiaf_writer raiiaf_writer;

typedef struct raiiaf_write_options {
    size_t struct_size;      /* sizeof(raiiaf_write_options) */
    raiiaf_layout layout;    /* default RAIIAF_LAYOUT_RAIIAF */
    raiiaf_codec codec;      /* latents' default codec; RAIIAF_CODEC_DEFAULT means raw */
    int float16;             /* nonzero: store float latents as float16 */
    double zfp_tolerance;    /* > 0: lossy zfp within this absolute error; 0: lossless */
    int skip_image_validation; /* nonzero: store the image without checking its structure */
} raiiaf_write_options;

RAIIAF_API raiiaf_result raiiaf_writer_create(raiiaf_writer** out_writer);
RAIIAF_API void raiiaf_writer_free(raiiaf_writer* writer);

/* Sets a model field; the *_JSON fields take JSON text (parsed here:
 * RAIIAF_ERR_INVALID_ARGUMENT when it is not JSON). NULL clears the field. */
RAIIAF_API raiiaf_result raiiaf_writer_set_model_field(raiiaf_writer* writer, raiiaf_model_field field,
                                                       const char* value);
RAIIAF_API raiiaf_result raiiaf_writer_add_tag(raiiaf_writer* writer, const char* tag);

/* Adds a latent: `data` holds `data_size` bytes, C-ordered, little-endian,
 * of `dtype` (float16 / float32 are what every reader of the format reads;
 * the others are extensions) with the given shape (rank 0 to RAIIAF_MAX_RANK).
 * data_size must equal the product of the shape x raiiaf_dtype_size(dtype).
 * `codec` RAIIAF_CODEC_DEFAULT uses the write options' codec. */
RAIIAF_API raiiaf_result raiiaf_writer_add_latent(raiiaf_writer* writer, const char* name, raiiaf_dtype dtype,
                                                  const uint64_t* shape, size_t rank, const void* data,
                                                  size_t data_size, raiiaf_codec codec);
/* The image, stored as given (PNG, JPEG or WebP). */
RAIIAF_API raiiaf_result raiiaf_writer_set_image(raiiaf_writer* writer, const void* data, size_t size);
/* Records this component in the environment chunk of the files written by
 * this writer, beside what the library captures itself (os, gpu, cpu, ...):
 * e.g. id "stable-diffusion.cpp", canonical "name=stable-diffusion.cpp;version=1.2;backend=cuda".
 * A component with the id of a captured one replaces it. */
RAIIAF_API raiiaf_result raiiaf_writer_set_environment_component(raiiaf_writer* writer, const char* id,
                                                                 const char* canonical);

/* Writes atomically (a temporary file beside `path`, fsynced, renamed over
 * it); on failure the previous file, if any, is untouched. The writer keeps
 * its content and can write again. A read-only build of the library
 * (RAIIAF_READ_ONLY) has no writer: this and raiiaf_writer_encode return
 * RAIIAF_ERR_NOT_BUILT. */
RAIIAF_API raiiaf_result raiiaf_writer_write_file(const raiiaf_writer* writer, const char* path,
                                                  const raiiaf_write_options* options);
/* Encodes into memory: *out_data (free it with raiiaf_free) and *out_size. */
RAIIAF_API raiiaf_result raiiaf_writer_encode(const raiiaf_writer* writer, const raiiaf_write_options* options,
                                              void** out_data, size_t* out_size);
/* Frees memory the library allocated for the caller (raiiaf_writer_encode). */
RAIIAF_API void raiiaf_free(void* data);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* RAIIAF_RAIIAF_H */
