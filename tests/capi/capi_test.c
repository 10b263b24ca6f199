/* The C API seen from C: writes artifacts from float32 / float16 buffers,
 * an image and metadata, reads them back and checks every field, and checks
 * that bad calls and damaged files give the documented result codes (never
 * a crash). Compiled as C11: this file must not need a C++ compiler.
 * Usage: raiiaf_capi_test WORK_DIR VECTOR_FILE: WORK_DIR is created if
 * missing; VECTOR_FILE is a file the existing Python package wrote, with a
 * float32 latent. */
#include <raiiaf/raiiaf.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int failures = 0;

#define CHECK(condition)                                                          \
    do {                                                                          \
        if (!(condition)) {                                                       \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #condition); \
            ++failures;                                                           \
        }                                                                         \
    } while (0)

/* A call that must return `expected`; prints the library's message if not. */
#define EXPECT_RESULT(expected, call)                                                        \
    do {                                                                                     \
        raiiaf_result result_ = (call);                                                      \
        if (result_ != (expected)) {                                                         \
            fprintf(stderr, "%s:%d: %s returned %s, expected %s (%s)\n", __FILE__, __LINE__, #call, \
                    raiiaf_result_name(result_), raiiaf_result_name(expected), raiiaf_last_error_message()); \
            ++failures;                                                                      \
        }                                                                                    \
    } while (0)
#define EXPECT_OK(call) EXPECT_RESULT(RAIIAF_OK, call)

/* A 2x2 RGB PNG with correct CRCs (made with Python's zlib). */
static const unsigned char kPng[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00,
    0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x08, 0x02, 0x00, 0x00, 0x00, 0xfd, 0xd4, 0x9a, 0x73, 0x00,
    0x00, 0x00, 0x11, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0x00, 0x44, 0x0c, 0x60,
    0xf2, 0x3f, 0x00, 0x1b, 0xf2, 0x03, 0xfd, 0xf3, 0xe7, 0x4b, 0xb1, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};

enum { kChannels = 4, kSide = 8, kNoiseCount = kChannels * kSide * kSide, kSmallCount = 6, kRepeats = 32 };

/* float16 bit patterns and the float32 values they stand for exactly. */
static const uint16_t kHalfBits[kSmallCount] = {0x3C00, 0xC000, 0x3800, 0x0000, 0x7BFF, 0x3555};
static const float kHalfValues[kSmallCount] = {1.0f, -2.0f, 0.5f, 0.0f, 65504.0f, 0.333251953125f};

static void fill_noise(float* values) {
    /* Deterministic pseudo-noise in [-2, 2): a linear congruential generator. */
    uint32_t state = 1337u;
    for (int i = 0; i < kNoiseCount; ++i) {
        state = state * 1664525u + 1013904223u;
        values[i] = (float)((double)(state >> 8) / (double)(1u << 24) * 4.0 - 2.0);
    }
}

/* kHalfBits repeated kRepeats times: enough for shuffle-zstd to beat raw
 * storage (the writer stores raw whatever does not get smaller). */
static uint16_t half_rows[kRepeats * kSmallCount];
static float half_rows_as_float[kRepeats * kSmallCount];

static void fill_half_rows(void) {
    for (int row = 0; row < kRepeats; ++row) {
        memcpy(half_rows + row * kSmallCount, kHalfBits, sizeof kHalfBits);
        memcpy(half_rows_as_float + row * kSmallCount, kHalfValues, sizeof kHalfValues);
    }
}

static raiiaf_writer* make_writer(const float* noise) {
    raiiaf_writer* writer = NULL;
    EXPECT_OK(raiiaf_writer_create(&writer));
    if (writer == NULL) return NULL;
    EXPECT_OK(raiiaf_writer_set_model_field(writer, RAIIAF_FIELD_MODEL_NAME, "Stable Diffusion 3"));
    EXPECT_OK(raiiaf_writer_set_model_field(writer, RAIIAF_FIELD_MODEL_VERSION, "3.0"));
    EXPECT_OK(raiiaf_writer_set_model_field(writer, RAIIAF_FIELD_PROMPT, "a cat in neon goggles"));
    EXPECT_OK(raiiaf_writer_set_model_field(writer, RAIIAF_FIELD_GENERATION_SETTINGS,
                                            "{\"seed\": 1337, \"steps\": 30, \"sampler\": \"euler\"}"));
    EXPECT_OK(raiiaf_writer_add_tag(writer, "cat"));
    EXPECT_OK(raiiaf_writer_add_tag(writer, "neon"));
    const uint64_t noise_shape[4] = {1, kChannels, kSide, kSide};
    EXPECT_OK(raiiaf_writer_add_latent(writer, "initial_noise", RAIIAF_DTYPE_FLOAT32, noise_shape, 4, noise,
                                       sizeof(float) * kNoiseCount, RAIIAF_CODEC_DEFAULT));
    const uint64_t half_shape[2] = {kRepeats, kSmallCount};
    EXPECT_OK(raiiaf_writer_add_latent(writer, "small_half", RAIIAF_DTYPE_FLOAT16, half_shape, 2, half_rows,
                                       sizeof half_rows, RAIIAF_CODEC_SHUFFLE_ZSTD));
    EXPECT_OK(raiiaf_writer_set_image(writer, kPng, sizeof kPng));
    EXPECT_OK(raiiaf_writer_set_environment_component(writer, "capi_test", "name=capi_test;version=1"));
    return writer;
}

/* Everything the writer put in, read back through `reader`. */
static void check_content(raiiaf_reader* reader, const float* noise, raiiaf_codec noise_codec) {
    const char* text = NULL;
    EXPECT_OK(raiiaf_reader_model_field(reader, RAIIAF_FIELD_MODEL_NAME, &text));
    CHECK(text != NULL && strcmp(text, "Stable Diffusion 3") == 0);
    EXPECT_OK(raiiaf_reader_model_field(reader, RAIIAF_FIELD_MODEL_VERSION, &text));
    CHECK(text != NULL && strcmp(text, "3.0") == 0);
    EXPECT_OK(raiiaf_reader_model_field(reader, RAIIAF_FIELD_PROMPT, &text));
    CHECK(text != NULL && strcmp(text, "a cat in neon goggles") == 0);
    EXPECT_OK(raiiaf_reader_model_field(reader, RAIIAF_FIELD_DATE, &text));
    CHECK(text != NULL && strlen(text) >= 19 && text[4] == '-'); /* filled in by the writer */
    EXPECT_OK(raiiaf_reader_model_field(reader, RAIIAF_FIELD_GENERATION_SETTINGS, &text));
    CHECK(text != NULL && strcmp(text, "{\"seed\":1337,\"steps\":30,\"sampler\":\"euler\"}") == 0);
    EXPECT_OK(raiiaf_reader_model_field(reader, RAIIAF_FIELD_HARDWARE_INFO, &text));
    CHECK(text == NULL); /* never set */

    size_t count = 0;
    EXPECT_OK(raiiaf_reader_tag_count(reader, &count));
    CHECK(count == 2);
    EXPECT_OK(raiiaf_reader_tag(reader, 1, &text));
    CHECK(text != NULL && strcmp(text, "neon") == 0);
    EXPECT_RESULT(RAIIAF_ERR_INVALID_ARGUMENT, raiiaf_reader_tag(reader, 2, &text));

    EXPECT_OK(raiiaf_reader_manifest_json(reader, &text));
    CHECK(text != NULL && strstr(text, "\"a cat in neon goggles\"") != NULL);

    EXPECT_OK(raiiaf_reader_latent_count(reader, &count));
    CHECK(count == 2);

    size_t index = 99;
    EXPECT_OK(raiiaf_reader_find_latent(reader, "initial_noise", &index));
    raiiaf_latent_info info;
    memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    EXPECT_OK(raiiaf_reader_latent_info(reader, index, &info));
    CHECK(info.name != NULL && strcmp(info.name, "initial_noise") == 0);
    CHECK(info.dtype == RAIIAF_DTYPE_FLOAT32);
    CHECK(info.codec == noise_codec);
    CHECK(info.rank == 4);
    CHECK(info.shape[0] == 1 && info.shape[1] == kChannels && info.shape[2] == kSide && info.shape[3] == kSide);
    CHECK(info.shape[4] == 0);
    CHECK(info.element_count == kNoiseCount);
    CHECK(info.byte_size == sizeof(float) * kNoiseCount);

    float loaded[kNoiseCount];
    memset(loaded, 0, sizeof loaded);
    EXPECT_OK(raiiaf_reader_load_latent(reader, index, RAIIAF_DTYPE_FLOAT32, loaded, sizeof loaded));
    CHECK(memcmp(loaded, noise, sizeof loaded) == 0); /* zfp reversible and raw are lossless */
    EXPECT_RESULT(RAIIAF_ERR_BUFFER_TOO_SMALL,
                  raiiaf_reader_load_latent(reader, index, RAIIAF_DTYPE_FLOAT32, loaded, sizeof loaded - 1));
    EXPECT_RESULT(RAIIAF_ERR_INVALID_ARGUMENT,
                  raiiaf_reader_load_latent(reader, index, RAIIAF_DTYPE_INT32, loaded, sizeof loaded));

    EXPECT_OK(raiiaf_reader_find_latent(reader, "small_half", &index));
    memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    EXPECT_OK(raiiaf_reader_latent_info(reader, index, &info));
    CHECK(info.dtype == RAIIAF_DTYPE_FLOAT16);
    CHECK(info.codec == RAIIAF_CODEC_SHUFFLE_ZSTD); /* the per-latent codec wins over the default */
    CHECK(info.rank == 2 && info.shape[0] == kRepeats && info.shape[1] == kSmallCount);
    uint16_t half[kRepeats * kSmallCount];
    EXPECT_OK(raiiaf_reader_load_latent(reader, index, RAIIAF_DTYPE_FLOAT16, half, sizeof half));
    CHECK(memcmp(half, half_rows, sizeof half) == 0);
    float widened[kRepeats * kSmallCount];
    EXPECT_OK(raiiaf_reader_load_latent(reader, index, RAIIAF_DTYPE_FLOAT32, widened, sizeof widened));
    CHECK(memcmp(widened, half_rows_as_float, sizeof widened) == 0);

    EXPECT_RESULT(RAIIAF_ERR_NOT_FOUND, raiiaf_reader_find_latent(reader, "no_such_latent", &index));
    CHECK(strstr(raiiaf_last_error_message(), "no_such_latent") != NULL);

    size_t image_size = 0;
    EXPECT_OK(raiiaf_reader_image_size(reader, &image_size));
    CHECK(image_size == sizeof kPng);
    unsigned char image[sizeof kPng];
    EXPECT_OK(raiiaf_reader_load_image(reader, image, sizeof image));
    CHECK(memcmp(image, kPng, sizeof kPng) == 0);
    EXPECT_RESULT(RAIIAF_ERR_BUFFER_TOO_SMALL, raiiaf_reader_load_image(reader, image, sizeof image - 1));

    EXPECT_OK(raiiaf_reader_verify(reader));
}

int main(int argc, char** argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s WORK_DIR VECTOR_FILE\n", argv[0]);
        return 2;
    }
    if (mkdir(argv[1], 0755) != 0 && errno != EEXIST) {
        perror(argv[1]);
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/capi.raiiaf", argv[1]);
    remove(path);

    CHECK(strcmp(raiiaf_result_name(RAIIAF_ERR_LATENT), "RAIIAF_ERR_LATENT") == 0);
    CHECK(strcmp(raiiaf_result_name((raiiaf_result)12345), "RAIIAF_ERR_UNKNOWN") == 0);
    CHECK(raiiaf_version() != NULL && strchr(raiiaf_version(), '.') != NULL);
    CHECK(raiiaf_dtype_size(RAIIAF_DTYPE_FLOAT16) == 2 && raiiaf_dtype_size(RAIIAF_DTYPE_FLOAT64) == 8);
    CHECK(raiiaf_dtype_size((raiiaf_dtype)77) == 0);

    float noise[kNoiseCount];
    fill_noise(noise);
    fill_half_rows();

    /* 1. Write a file with zfp as the default codec, read it back. */
    raiiaf_writer* writer = make_writer(noise);
    if (writer == NULL) return 1;
    raiiaf_write_options options;
    memset(&options, 0, sizeof options);
    options.struct_size = sizeof options;
    options.codec = RAIIAF_CODEC_ZFP;
    EXPECT_OK(raiiaf_writer_write_file(writer, path, &options));

    size_t problems = 99;
    EXPECT_OK(raiiaf_check_file(path, NULL, &problems));
    CHECK(problems == 0);

    raiiaf_reader* reader = NULL;
    EXPECT_OK(raiiaf_reader_open(path, NULL, &reader));
    if (reader != NULL) {
        raiiaf_layout layout = RAIIAF_LAYOUT_GEN5;
        EXPECT_OK(raiiaf_reader_layout(reader, &layout));
        CHECK(layout == RAIIAF_LAYOUT_RAIIAF);
        check_content(reader, noise, RAIIAF_CODEC_ZFP);
        raiiaf_reader_close(reader);
    }

    /* 2. The same content encoded in memory, raw by default, read from memory. */
    void* encoded = NULL;
    size_t encoded_size = 0;
    EXPECT_OK(raiiaf_writer_encode(writer, NULL, &encoded, &encoded_size));
    CHECK(encoded != NULL && encoded_size > sizeof kPng + sizeof(float) * kNoiseCount);
    reader = NULL;
    EXPECT_OK(raiiaf_reader_open_memory(encoded, encoded_size, NULL, &reader));
    if (reader != NULL) {
        check_content(reader, noise, RAIIAF_CODEC_RAW);
        raiiaf_reader_close(reader);
    }

    /* 3. A damaged copy: one byte of the noise payload flipped. The check finds
     * it; opening still works (payloads are read on demand), loading fails
     * with the latent's code, and verify reports it. */
    if (encoded != NULL) {
        unsigned char* damaged = malloc(encoded_size);
        CHECK(damaged != NULL);
        if (damaged != NULL) {
            memcpy(damaged, encoded, encoded_size);
            /* The raw noise payload holds `noise` verbatim: find it and flip a byte. */
            unsigned char* found = NULL;
            for (size_t at = 0; at + sizeof noise <= encoded_size && found == NULL; ++at)
                if (memcmp(damaged + at, noise, sizeof noise) == 0) found = damaged + at;
            CHECK(found != NULL);
            if (found != NULL) {
                found[100] ^= 0x40;
                problems = 0;
                const raiiaf_result checked = raiiaf_check_memory(damaged, encoded_size, NULL, &problems);
                CHECK(checked == RAIIAF_ERR_LATENT || checked == RAIIAF_ERR_CHUNK);
                CHECK(problems >= 1);
                CHECK(strlen(raiiaf_last_error_message()) > 0);
                reader = NULL;
                EXPECT_OK(raiiaf_reader_open_memory(damaged, encoded_size, NULL, &reader));
                if (reader != NULL) {
                    size_t index = 0;
                    EXPECT_OK(raiiaf_reader_find_latent(reader, "initial_noise", &index));
                    float loaded[kNoiseCount];
                    const raiiaf_result loaded_result =
                        raiiaf_reader_load_latent(reader, index, RAIIAF_DTYPE_FLOAT32, loaded, sizeof loaded);
                    CHECK(loaded_result == RAIIAF_ERR_LATENT || loaded_result == RAIIAF_ERR_CHUNK);
                    CHECK(raiiaf_reader_verify(reader) != RAIIAF_OK);
                    raiiaf_reader_close(reader);
                }
            }
            /* Truncated to its header: a clear error, no reader. */
            reader = NULL;
            const raiiaf_result truncated = raiiaf_reader_open_memory(damaged, 20, NULL, &reader);
            CHECK(truncated == RAIIAF_ERR_CORRUPT_HEADER || truncated == RAIIAF_ERR_METADATA ||
                  truncated == RAIIAF_ERR_DECODE || truncated == RAIIAF_ERR_CHUNK);
            CHECK(reader == NULL);
            free(damaged);
        }
    }
    raiiaf_free(encoded);

    /* 4. GEN5 layout, float16 storage: the older layout through the same calls. */
    snprintf(path, sizeof path, "%s/capi.gen5", argv[1]);
    memset(&options, 0, sizeof options);
    options.struct_size = sizeof options;
    options.layout = RAIIAF_LAYOUT_GEN5;
    options.codec = RAIIAF_CODEC_ZSTD;
    raiiaf_writer* gen5_writer = NULL;
    EXPECT_OK(raiiaf_writer_create(&gen5_writer));
    const uint64_t shape[1] = {kSmallCount};
    EXPECT_OK(raiiaf_writer_add_latent(gen5_writer, "half", RAIIAF_DTYPE_FLOAT16, shape, 1, kHalfBits, sizeof kHalfBits,
                                       RAIIAF_CODEC_DEFAULT));
    EXPECT_OK(raiiaf_writer_write_file(gen5_writer, path, &options));
    reader = NULL;
    EXPECT_OK(raiiaf_reader_open(path, NULL, &reader));
    if (reader != NULL) {
        raiiaf_layout layout = RAIIAF_LAYOUT_RAIIAF;
        EXPECT_OK(raiiaf_reader_layout(reader, &layout));
        CHECK(layout == RAIIAF_LAYOUT_GEN5);
        uint16_t half[kSmallCount];
        EXPECT_OK(raiiaf_reader_load_latent(reader, 0, RAIIAF_DTYPE_FLOAT16, half, sizeof half));
        CHECK(memcmp(half, kHalfBits, sizeof half) == 0);
        size_t image_size = 1;
        EXPECT_OK(raiiaf_reader_image_size(reader, &image_size));
        CHECK(image_size == 0);
        unsigned char none[1];
        EXPECT_RESULT(RAIIAF_ERR_IMAGE, raiiaf_reader_load_image(reader, none, sizeof none));
        raiiaf_reader_close(reader);
    }
    raiiaf_writer_free(gen5_writer);

    /* 5. Bad calls: each gets its code and a message naming the problem. */
    EXPECT_RESULT(RAIIAF_ERR_INVALID_ARGUMENT, raiiaf_reader_open(NULL, NULL, &reader));
    CHECK(strstr(raiiaf_last_error_message(), "path is NULL") != NULL);
    snprintf(path, sizeof path, "%s/does-not-exist.raiiaf", argv[1]);
    reader = NULL;
    EXPECT_RESULT(RAIIAF_ERR_IO, raiiaf_reader_open(path, NULL, &reader));
    CHECK(reader == NULL);
    CHECK(strlen(raiiaf_last_error_message()) > 0);
    EXPECT_RESULT(RAIIAF_ERR_IO, raiiaf_check_file(path, NULL, NULL));

    const uint64_t bad_shape[2] = {3, 3};
    EXPECT_RESULT(RAIIAF_ERR_INVALID_ARGUMENT,
                  raiiaf_writer_add_latent(writer, "wrong_size", RAIIAF_DTYPE_FLOAT32, bad_shape, 2, noise,
                                           sizeof(float) * 8, RAIIAF_CODEC_DEFAULT));
    EXPECT_RESULT(RAIIAF_ERR_INVALID_ARGUMENT,
                  raiiaf_writer_add_latent(writer, "bad_dtype", (raiiaf_dtype)42, bad_shape, 2, noise,
                                           sizeof(float) * 9, RAIIAF_CODEC_DEFAULT));
    EXPECT_RESULT(RAIIAF_ERR_INVALID_ARGUMENT,
                  raiiaf_writer_add_latent(writer, "bad_codec", RAIIAF_DTYPE_FLOAT32, bad_shape, 2, noise,
                                           sizeof(float) * 9, (raiiaf_codec)9));
    EXPECT_RESULT(RAIIAF_ERR_INVALID_ARGUMENT,
                  raiiaf_writer_set_model_field(writer, RAIIAF_FIELD_GENERATION_SETTINGS, "{\"seed\": "));
    EXPECT_RESULT(RAIIAF_ERR_INVALID_ARGUMENT, raiiaf_writer_set_model_field(writer, (raiiaf_model_field)17, "x"));

    raiiaf_write_options unsized;
    memset(&unsized, 0, sizeof unsized); /* struct_size left 0 */
    snprintf(path, sizeof path, "%s/never-written.raiiaf", argv[1]);
    EXPECT_RESULT(RAIIAF_ERR_INVALID_ARGUMENT, raiiaf_writer_write_file(writer, path, &unsized));
    CHECK(strstr(raiiaf_last_error_message(), "struct_size") != NULL);
    memset(&options, 0, sizeof options);
    options.struct_size = sizeof options;
    options.zfp_tolerance = -1.0;
    EXPECT_RESULT(RAIIAF_ERR_INVALID_ARGUMENT, raiiaf_writer_write_file(writer, path, &options));
    FILE* never = fopen(path, "rb");
    CHECK(never == NULL); /* nothing was written */
    if (never != NULL) fclose(never);

    /* A damaged image is refused by the writer's image check. */
    unsigned char bad_png[sizeof kPng];
    memcpy(bad_png, kPng, sizeof kPng);
    bad_png[40] ^= 0x01; /* inside IDAT: its CRC no longer matches */
    EXPECT_OK(raiiaf_writer_set_image(writer, bad_png, sizeof bad_png));
    memset(&options, 0, sizeof options);
    options.struct_size = sizeof options;
    EXPECT_RESULT(RAIIAF_ERR_INVALID_ARGUMENT, raiiaf_writer_write_file(writer, path, &options));

    raiiaf_writer_free(writer);
    raiiaf_reader_close(NULL);
    raiiaf_writer_free(NULL);

    /* 6. A file the existing Python package wrote (tests/data/vectors). */
    reader = NULL;
    EXPECT_OK(raiiaf_reader_open(argv[2], NULL, &reader));
    if (reader != NULL) {
        size_t count = 0;
        EXPECT_OK(raiiaf_reader_latent_count(reader, &count));
        CHECK(count >= 1);
        raiiaf_latent_info info;
        memset(&info, 0, sizeof info);
        info.struct_size = sizeof info;
        EXPECT_OK(raiiaf_reader_latent_info(reader, 0, &info));
        CHECK(info.dtype == RAIIAF_DTYPE_FLOAT32 && info.element_count > 0);
        float* values = malloc(info.byte_size);
        CHECK(values != NULL);
        if (values != NULL) {
            EXPECT_OK(raiiaf_reader_load_latent(reader, 0, RAIIAF_DTYPE_FLOAT32, values, info.byte_size));
            free(values);
        }
        EXPECT_OK(raiiaf_reader_verify(reader));
        raiiaf_reader_close(reader);
    }

    if (failures != 0) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("C API: all checks passed\n");
    return 0;
}
