// The C API (include/raiiaf/raiiaf.h) over the C++ one. Every entry point runs
// its body inside `guarded`, which turns exceptions into result codes and
// records the message for raiiaf_last_error_message().
#include "raiiaf/raiiaf.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "format/json_text.hpp"
#include "raiiaf/raiiaf.hpp"
#include "raiiaf/writer.hpp"  // the writer handle's content and options, in a read-only build too

using raiiaf::Codec;
using raiiaf::DType;
using raiiaf::ErrorCode;

// The handles. They live outside the versioned namespace because the C
// header names them globally.
struct raiiaf_reader {
    raiiaf::Bytes file;  // the mapping (or the copy) the reader reads
    raiiaf::Limits limits;
    raiiaf::Reader reader;
    // Text made on request, kept so the returned pointers stay valid.
    mutable std::optional<std::string> manifest_text;
    mutable std::optional<std::string> generation_settings_text;
    mutable std::optional<std::string> hardware_info_text;
};

struct raiiaf_writer {
    raiiaf::ArtifactContent content;
    std::vector<raiiaf::EnvComponent> environment_components;  // beside the captured ones
};

namespace {

static_assert(static_cast<int>(ErrorCode::other) == RAIIAF_ERR_OTHER);
static_assert(static_cast<int>(ErrorCode::decode) == RAIIAF_ERR_DECODE);
static_assert(static_cast<int>(ErrorCode::corrupt_header) == RAIIAF_ERR_CORRUPT_HEADER);
static_assert(static_cast<int>(ErrorCode::metadata) == RAIIAF_ERR_METADATA);
static_assert(static_cast<int>(ErrorCode::chunk) == RAIIAF_ERR_CHUNK);
static_assert(static_cast<int>(ErrorCode::latent) == RAIIAF_ERR_LATENT);
static_assert(static_cast<int>(ErrorCode::image) == RAIIAF_ERR_IMAGE);
static_assert(static_cast<int>(ErrorCode::env_chunk) == RAIIAF_ERR_ENV_CHUNK);
static_assert(static_cast<int>(ErrorCode::tensor_file) == RAIIAF_ERR_TENSOR_FILE);
static_assert(static_cast<int>(ErrorCode::invalid_argument) == RAIIAF_ERR_INVALID_ARGUMENT);
static_assert(static_cast<int>(ErrorCode::io) == RAIIAF_ERR_IO);

static_assert(static_cast<int>(DType::float16) == RAIIAF_DTYPE_FLOAT16);
static_assert(static_cast<int>(DType::bfloat16) == RAIIAF_DTYPE_BFLOAT16);
static_assert(static_cast<int>(DType::float32) == RAIIAF_DTYPE_FLOAT32);
static_assert(static_cast<int>(DType::float64) == RAIIAF_DTYPE_FLOAT64);
static_assert(static_cast<int>(DType::int8) == RAIIAF_DTYPE_INT8);
static_assert(static_cast<int>(DType::int16) == RAIIAF_DTYPE_INT16);
static_assert(static_cast<int>(DType::int32) == RAIIAF_DTYPE_INT32);
static_assert(static_cast<int>(DType::int64) == RAIIAF_DTYPE_INT64);
static_assert(static_cast<int>(DType::uint8) == RAIIAF_DTYPE_UINT8);
static_assert(static_cast<int>(DType::boolean) == RAIIAF_DTYPE_BOOL);

thread_local std::string last_error_message;

raiiaf_result fail(raiiaf_result code, const char* message) noexcept {
    try {
        last_error_message = message;
    } catch (...) {
        last_error_message.clear();  // no memory for the message: the code still says what happened
    }
    return code;
}

// A failure the C layer itself detects (a NULL pointer, a bad enum value, a
// small buffer): thrown inside `guarded` like the library's own errors.
struct CallError {
    raiiaf_result code;
    std::string message;
};

[[noreturn]] void refuse(raiiaf_result code, std::string message) { throw CallError{code, std::move(message)}; }

// `function` is the entry point's name, for messages about its arguments.
template <class Body>
raiiaf_result guarded(const char* function, Body&& body) noexcept {
    try {
        body(function);
        return RAIIAF_OK;
    } catch (const CallError& e) {
        return fail(e.code, e.message.c_str());
    } catch (const raiiaf::Error& e) {
        return fail(static_cast<raiiaf_result>(e.code()), e.what());
    } catch (const std::bad_alloc&) {
        return fail(RAIIAF_ERR_OUT_OF_MEMORY, "out of memory");
    } catch (const std::exception& e) {
        return fail(RAIIAF_ERR_INTERNAL, e.what());
    } catch (...) {
        return fail(RAIIAF_ERR_INTERNAL, "unknown exception");
    }
}

template <class T>
void require(const T* pointer, const char* function, const char* name) {
    if (pointer == nullptr) refuse(RAIIAF_ERR_INVALID_ARGUMENT, std::string(function) + ": " + name + " is NULL");
}

// A caller's size-first options: the fields it knows, zeros (defaults) for the
// rest. A struct from a newer header is accepted when the fields this library
// does not know are all zero (left at their defaults).
template <class Options>
Options options_from(const Options* given, const char* function) {
    Options options{};
    options.struct_size = sizeof(Options);
    if (given == nullptr) return options;
    const std::size_t size = given->struct_size;
    if (size < sizeof(std::size_t))
        refuse(RAIIAF_ERR_INVALID_ARGUMENT, std::string(function) + ": options.struct_size is " +
                                                std::to_string(size) + "; set it to sizeof the struct");
    const auto* bytes = reinterpret_cast<const unsigned char*>(given);
    for (std::size_t i = sizeof(Options); i < size; ++i)
        if (bytes[i] != 0)
            refuse(RAIIAF_ERR_INVALID_ARGUMENT,
                   std::string(function) + ": options set fields this library version does not know");
    std::memcpy(&options, given, std::min(size, sizeof(Options)));
    options.struct_size = sizeof(Options);
    return options;
}

// Fills the first struct_size bytes of a caller's size-first output struct.
template <class Info>
void deliver(const Info& filled, Info* out, const char* function) {
    const std::size_t size = out->struct_size;
    if (size < sizeof(std::size_t))
        refuse(RAIIAF_ERR_INVALID_ARGUMENT, std::string(function) + ": struct_size is " + std::to_string(size) +
                                                "; set it to sizeof the struct");
    std::memcpy(reinterpret_cast<unsigned char*>(out) + sizeof(std::size_t),
                reinterpret_cast<const unsigned char*>(&filled) + sizeof(std::size_t),
                std::min(size, sizeof(Info)) - sizeof(std::size_t));
}

raiiaf::ReadOptions read_options_from(const raiiaf_read_options* given, const char* function) {
    const auto c = options_from(given, function);
    raiiaf::ReadOptions options;
    if (c.max_file_size != 0) options.limits.max_file_size = c.max_file_size;
    if (c.max_manifest_size != 0) options.limits.max_manifest_size = c.max_manifest_size;
    if (c.max_decompressed_total != 0) options.limits.max_decompressed_total = c.max_decompressed_total;
    if (c.max_chunk_count != 0) options.limits.max_chunk_count = c.max_chunk_count;
    options.verify_hashes = c.skip_hash_check == 0;
    return options;
}

DType dtype_from(raiiaf_dtype dtype, const char* function) {
    const int value = static_cast<int>(dtype);
    if (value < RAIIAF_DTYPE_FLOAT16 || value > RAIIAF_DTYPE_BOOL)
        refuse(RAIIAF_ERR_INVALID_ARGUMENT, std::string(function) + ": " + std::to_string(value) + " is not a raiiaf_dtype");
    return static_cast<DType>(value);
}

// RAIIAF_CODEC_DEFAULT maps to nullopt.
std::optional<Codec> codec_from(raiiaf_codec codec, const char* function) {
    switch (codec) {
        case RAIIAF_CODEC_DEFAULT: return std::nullopt;
        case RAIIAF_CODEC_RAW: return Codec::raw;
        case RAIIAF_CODEC_ZFP: return Codec::zfp;
        case RAIIAF_CODEC_ZSTD: return Codec::zstd;
        case RAIIAF_CODEC_SHUFFLE_ZSTD: return Codec::shuffle_zstd;
        case RAIIAF_CODEC_FORCE_INT: break;
    }
    refuse(RAIIAF_ERR_INVALID_ARGUMENT,
           std::string(function) + ": " + std::to_string(static_cast<int>(codec)) + " is not a raiiaf_codec");
}

raiiaf_codec codec_to_c(Codec codec) {
    switch (codec) {
        case Codec::raw: return RAIIAF_CODEC_RAW;
        case Codec::zfp: return RAIIAF_CODEC_ZFP;
        case Codec::zstd: return RAIIAF_CODEC_ZSTD;
        case Codec::shuffle_zstd: return RAIIAF_CODEC_SHUFFLE_ZSTD;
    }
    return RAIIAF_CODEC_RAW;
}

raiiaf::WriteOptions write_options_from(const raiiaf_write_options* given, const char* function) {
    const auto c = options_from(given, function);
    raiiaf::WriteOptions options;
    switch (c.layout) {
        case RAIIAF_LAYOUT_RAIIAF: options.layout = raiiaf::Layout::raiiaf; break;
        case RAIIAF_LAYOUT_GEN5: options.layout = raiiaf::Layout::gen5; break;
        default:
            refuse(RAIIAF_ERR_INVALID_ARGUMENT, std::string(function) + ": " +
                                                    std::to_string(static_cast<int>(c.layout)) + " is not a raiiaf_layout");
    }
    options.codec = codec_from(c.codec, function).value_or(Codec::raw);
    options.float16 = c.float16 != 0;
    if (!(c.zfp_tolerance >= 0) || std::isinf(c.zfp_tolerance))
        refuse(RAIIAF_ERR_INVALID_ARGUMENT, std::string(function) + ": zfp_tolerance must be a finite number >= 0");
    if (c.zfp_tolerance > 0) options.zfp_tolerance = c.zfp_tolerance;
    options.validate_image = c.skip_image_validation == 0;
    return options;
}

std::string json_text(const raiiaf::Json& value) {
    return value.dump(-1, ' ', false, raiiaf::Json::error_handler_t::replace);
}

const char* cached_text(std::optional<std::string>& cache, const std::optional<raiiaf::Json>& value) {
    if (!value) return nullptr;
    if (!cache) cache = json_text(*value);
    return cache->c_str();
}

raiiaf_reader* new_reader(raiiaf::Bytes file, const raiiaf_read_options* options, const char* function) {
    const raiiaf::ReadOptions read_options = read_options_from(options, function);
    raiiaf::Reader reader = raiiaf::Reader::from_bytes(file, read_options);
    return new raiiaf_reader{std::move(file), read_options.limits, std::move(reader), {}, {}, {}};
}

void put_check_result(const raiiaf::CheckReport& report, size_t* out_problem_count) {
    if (out_problem_count != nullptr) *out_problem_count = report.problems.size();
    report.throw_if_failed();
}

}  // namespace

extern "C" {

const char* raiiaf_result_name(raiiaf_result result) {
    switch (result) {
        case RAIIAF_OK: return "RAIIAF_OK";
        case RAIIAF_ERR_OTHER: return "RAIIAF_ERR_OTHER";
        case RAIIAF_ERR_DECODE: return "RAIIAF_ERR_DECODE";
        case RAIIAF_ERR_CORRUPT_HEADER: return "RAIIAF_ERR_CORRUPT_HEADER";
        case RAIIAF_ERR_METADATA: return "RAIIAF_ERR_METADATA";
        case RAIIAF_ERR_CHUNK: return "RAIIAF_ERR_CHUNK";
        case RAIIAF_ERR_LATENT: return "RAIIAF_ERR_LATENT";
        case RAIIAF_ERR_IMAGE: return "RAIIAF_ERR_IMAGE";
        case RAIIAF_ERR_ENV_CHUNK: return "RAIIAF_ERR_ENV_CHUNK";
        case RAIIAF_ERR_TENSOR_FILE: return "RAIIAF_ERR_TENSOR_FILE";
        case RAIIAF_ERR_INVALID_ARGUMENT: return "RAIIAF_ERR_INVALID_ARGUMENT";
        case RAIIAF_ERR_IO: return "RAIIAF_ERR_IO";
        case RAIIAF_ERR_NOT_FOUND: return "RAIIAF_ERR_NOT_FOUND";
        case RAIIAF_ERR_BUFFER_TOO_SMALL: return "RAIIAF_ERR_BUFFER_TOO_SMALL";
        case RAIIAF_ERR_OUT_OF_MEMORY: return "RAIIAF_ERR_OUT_OF_MEMORY";
        case RAIIAF_ERR_INTERNAL: return "RAIIAF_ERR_INTERNAL";
        case RAIIAF_ERR_NOT_BUILT: return "RAIIAF_ERR_NOT_BUILT";
        case RAIIAF_RESULT_FORCE_INT: break;
    }
    return "RAIIAF_ERR_UNKNOWN";
}

const char* raiiaf_last_error_message(void) { return last_error_message.c_str(); }

const char* raiiaf_version(void) { return raiiaf::library_version().data(); }

size_t raiiaf_dtype_size(raiiaf_dtype dtype) {
    const int value = static_cast<int>(dtype);
    if (value < RAIIAF_DTYPE_FLOAT16 || value > RAIIAF_DTYPE_BOOL) return 0;
    return raiiaf::dtype_size(static_cast<DType>(value));
}

// ---- reading ----------------------------------------------------------------

raiiaf_result raiiaf_reader_open(const char* path, const raiiaf_read_options* options, raiiaf_reader** out_reader) {
    return guarded(__func__, [&]([[maybe_unused]] const char* fn) {
        require(path, fn, "path");
        require(out_reader, fn, "out_reader");
        *out_reader = new_reader(raiiaf::map_file(path), options, fn);
    });
}

raiiaf_result raiiaf_reader_open_memory(const void* data, size_t size, const raiiaf_read_options* options,
                                        raiiaf_reader** out_reader) {
    return guarded(__func__, [&]([[maybe_unused]] const char* fn) {
        if (size != 0) require(data, fn, "data");
        require(out_reader, fn, "out_reader");
        auto copy = raiiaf::Bytes::copy_of(std::span(static_cast<const std::byte*>(data), size));
        *out_reader = new_reader(std::move(copy), options, fn);
    });
}

void raiiaf_reader_close(raiiaf_reader* reader) { delete reader; }

raiiaf_result raiiaf_reader_layout(const raiiaf_reader* reader, raiiaf_layout* out_layout) {
    return guarded(__func__, [&]([[maybe_unused]] const char* fn) {
        require(reader, fn, "reader");
        require(out_layout, fn, "out_layout");
        *out_layout = reader->reader.layout() == raiiaf::Layout::gen5 ? RAIIAF_LAYOUT_GEN5 : RAIIAF_LAYOUT_RAIIAF;
    });
}

raiiaf_result raiiaf_reader_model_field(const raiiaf_reader* reader, raiiaf_model_field field,
                                        const char** out_value) {
    return guarded(__func__, [&]([[maybe_unused]] const char* fn) {
        require(reader, fn, "reader");
        require(out_value, fn, "out_value");
        const raiiaf::ModelInfo& model = reader->reader.model_info();
        switch (field) {
            case RAIIAF_FIELD_MODEL_NAME: *out_value = model.model_name.c_str(); return;
            case RAIIAF_FIELD_MODEL_VERSION: *out_value = model.version.c_str(); return;
            case RAIIAF_FIELD_DATE: *out_value = model.date.c_str(); return;
            case RAIIAF_FIELD_PROMPT: *out_value = model.prompt.c_str(); return;
            case RAIIAF_FIELD_GENERATION_SETTINGS:
                *out_value = cached_text(reader->generation_settings_text, model.generation_settings);
                return;
            case RAIIAF_FIELD_HARDWARE_INFO:
                *out_value = cached_text(reader->hardware_info_text, model.hardware_info);
                return;
            case RAIIAF_FIELD_FORCE_INT: break;
        }
        refuse(RAIIAF_ERR_INVALID_ARGUMENT,
               std::string(fn) + ": " + std::to_string(static_cast<int>(field)) + " is not a raiiaf_model_field");
    });
}

raiiaf_result raiiaf_reader_tag_count(const raiiaf_reader* reader, size_t* out_count) {
    return guarded(__func__, [&]([[maybe_unused]] const char* fn) {
        require(reader, fn, "reader");
        require(out_count, fn, "out_count");
        *out_count = reader->reader.model_info().tags.size();
    });
}

raiiaf_result raiiaf_reader_tag(const raiiaf_reader* reader, size_t index, const char** out_tag) {
    return guarded(__func__, [&]([[maybe_unused]] const char* fn) {
        require(reader, fn, "reader");
        require(out_tag, fn, "out_tag");
        const auto& tags = reader->reader.model_info().tags;
        if (index >= tags.size())
            refuse(RAIIAF_ERR_INVALID_ARGUMENT, "tag " + std::to_string(index) + " does not exist; the file has " +
                                                    std::to_string(tags.size()));
        *out_tag = tags[index].c_str();
    });
}

raiiaf_result raiiaf_reader_manifest_json(const raiiaf_reader* reader, const char** out_json) {
    return guarded(__func__, [&]([[maybe_unused]] const char* fn) {
        require(reader, fn, "reader");
        require(out_json, fn, "out_json");
        if (!reader->manifest_text) reader->manifest_text = json_text(reader->reader.manifest());
        *out_json = reader->manifest_text->c_str();
    });
}

raiiaf_result raiiaf_reader_latent_count(const raiiaf_reader* reader, size_t* out_count) {
    return guarded(__func__, [&]([[maybe_unused]] const char* fn) {
        require(reader, fn, "reader");
        require(out_count, fn, "out_count");
        *out_count = reader->reader.latents().size();
    });
}

raiiaf_result raiiaf_reader_find_latent(const raiiaf_reader* reader, const char* name, size_t* out_index) {
    return guarded(__func__, [&]([[maybe_unused]] const char* fn) {
        require(reader, fn, "reader");
        require(name, fn, "name");
        require(out_index, fn, "out_index");
        const auto index = reader->reader.find_latent(name);
        if (!index) refuse(RAIIAF_ERR_NOT_FOUND, "the file has no latent named \"" + std::string(name) + "\"");
        *out_index = *index;
    });
}

raiiaf_result raiiaf_reader_latent_info(const raiiaf_reader* reader, size_t index, raiiaf_latent_info* out_info) {
    return guarded(__func__, [&]([[maybe_unused]] const char* fn) {
        require(reader, fn, "reader");
        require(out_info, fn, "out_info");
        const auto& latents = reader->reader.latents();
        if (index >= latents.size())
            refuse(RAIIAF_ERR_INVALID_ARGUMENT, "latent " + std::to_string(index) + " does not exist; the file has " +
                                                    std::to_string(latents.size()));
        const raiiaf::LatentInfo& latent = latents[index];
        if (latent.shape.size() > RAIIAF_MAX_RANK)  // the reader's limits allow more than the C struct holds
            refuse(RAIIAF_ERR_INVALID_ARGUMENT, "latent \"" + latent.name + "\" has rank " +
                                                    std::to_string(latent.shape.size()) + "; the C API holds at most " +
                                                    std::to_string(RAIIAF_MAX_RANK));
        raiiaf_latent_info info{};
        info.struct_size = sizeof info;
        info.name = latent.name.c_str();
        info.dtype = static_cast<raiiaf_dtype>(latent.dtype);
        info.codec = codec_to_c(latent.codec);
        info.rank = static_cast<std::uint32_t>(latent.shape.size());
        for (std::size_t axis = 0; axis < latent.shape.size(); ++axis) info.shape[axis] = latent.shape[axis];
        info.element_count = raiiaf::element_count(latent.shape).value_or(0);
        info.byte_size = latent.raw_size;
        deliver(info, out_info, fn);
    });
}

raiiaf_result raiiaf_reader_load_latent(const raiiaf_reader* reader, size_t index, raiiaf_dtype dtype, void* buffer,
                                        size_t buffer_size) {
    return guarded(__func__, [&]([[maybe_unused]] const char* fn) {
        require(reader, fn, "reader");
        const DType target = dtype_from(dtype, fn);
        const auto& latents = reader->reader.latents();
        if (index >= latents.size())
            refuse(RAIIAF_ERR_INVALID_ARGUMENT, "latent " + std::to_string(index) + " does not exist; the file has " +
                                                    std::to_string(latents.size()));
        const raiiaf::LatentInfo& latent = latents[index];
        const auto needed = raiiaf::tensor_byte_size(target, latent.shape);
        if (!needed || *needed > buffer_size)
            refuse(RAIIAF_ERR_BUFFER_TOO_SMALL,
                   "latent \"" + latent.name + "\" as " + std::string(raiiaf::dtype_name(target)) + " needs " +
                       (needed ? std::to_string(*needed) : std::string("more than 2^64")) + " bytes; the buffer has " +
                       std::to_string(buffer_size));
        if (*needed != 0) require(buffer, fn, "buffer");
        const raiiaf::Tensor tensor = raiiaf::convert_dtype(reader->reader.load_latent(index), target);
        if (tensor.bytes().size() != *needed)  // the reader checked the payload against the record
            refuse(RAIIAF_ERR_INTERNAL, "latent \"" + latent.name + "\" decoded to an unexpected size");
        if (*needed != 0) std::memcpy(buffer, tensor.bytes().data(), *needed);
    });
}

raiiaf_result raiiaf_reader_image_size(const raiiaf_reader* reader, size_t* out_size) {
    return guarded(__func__, [&]([[maybe_unused]] const char* fn) {
        require(reader, fn, "reader");
        require(out_size, fn, "out_size");
        const auto info = reader->reader.image_info();
        *out_size = info ? static_cast<size_t>(info->size) : 0;
    });
}

raiiaf_result raiiaf_reader_load_image(const raiiaf_reader* reader, void* buffer, size_t buffer_size) {
    return guarded(__func__, [&]([[maybe_unused]] const char* fn) {
        require(reader, fn, "reader");
        const raiiaf::Bytes image = reader->reader.load_image();
        if (image.size() > buffer_size)
            refuse(RAIIAF_ERR_BUFFER_TOO_SMALL, "the image has " + std::to_string(image.size()) +
                                                    " bytes; the buffer has " + std::to_string(buffer_size));
        if (!image.empty()) {
            require(buffer, fn, "buffer");
            std::memcpy(buffer, image.data(), image.size());
        }
    });
}

raiiaf_result raiiaf_reader_verify(const raiiaf_reader* reader) {
    return guarded(__func__, [&]([[maybe_unused]] const char* fn) {
        require(reader, fn, "reader");
        reader->reader.verify().throw_if_failed();  // on the manifest it parsed when opened
    });
}

raiiaf_result raiiaf_check_file(const char* path, const raiiaf_read_options* options, size_t* out_problem_count) {
    return guarded(__func__, [&]([[maybe_unused]] const char* fn) {
        require(path, fn, "path");
        const raiiaf::ReadOptions read_options = read_options_from(options, fn);
        put_check_result(raiiaf::check_file(path, read_options.limits), out_problem_count);
    });
}

raiiaf_result raiiaf_check_memory(const void* data, size_t size, const raiiaf_read_options* options,
                                  size_t* out_problem_count) {
    return guarded(__func__, [&]([[maybe_unused]] const char* fn) {
        if (size != 0) require(data, fn, "data");
        const raiiaf::ReadOptions read_options = read_options_from(options, fn);
        put_check_result(raiiaf::check_bytes(std::span(static_cast<const std::byte*>(data), size), read_options.limits),
                         out_problem_count);
    });
}

// ---- writing ----------------------------------------------------------------

raiiaf_result raiiaf_writer_create(raiiaf_writer** out_writer) {
    return guarded(__func__, [&]([[maybe_unused]] const char* fn) {
        require(out_writer, fn, "out_writer");
        *out_writer = new raiiaf_writer{};
    });
}

void raiiaf_writer_free(raiiaf_writer* writer) { delete writer; }

raiiaf_result raiiaf_writer_set_model_field(raiiaf_writer* writer, raiiaf_model_field field, const char* value) {
    return guarded(__func__, [&]([[maybe_unused]] const char* fn) {
        require(writer, fn, "writer");
        raiiaf::ModelInfo& model = writer->content.model;
        const auto json_value = [&](const char* what) -> std::optional<raiiaf::Json> {
            if (value == nullptr) return std::nullopt;
            try {
                return raiiaf::detail::parse_json(value, raiiaf::Limits{});
            } catch (const raiiaf::detail::JsonTextError& e) {
                refuse(RAIIAF_ERR_INVALID_ARGUMENT, std::string(what) + " is not valid JSON: " + e.what());
            }
        };
        const std::string text = value != nullptr ? value : "";
        switch (field) {
            case RAIIAF_FIELD_MODEL_NAME: model.model_name = text; return;
            case RAIIAF_FIELD_MODEL_VERSION: model.version = text; return;
            case RAIIAF_FIELD_DATE: model.date = text; return;
            case RAIIAF_FIELD_PROMPT: model.prompt = text; return;
            case RAIIAF_FIELD_GENERATION_SETTINGS: model.generation_settings = json_value("generation_settings"); return;
            case RAIIAF_FIELD_HARDWARE_INFO: model.hardware_info = json_value("hardware_info"); return;
            case RAIIAF_FIELD_FORCE_INT: break;
        }
        refuse(RAIIAF_ERR_INVALID_ARGUMENT,
               std::string(fn) + ": " + std::to_string(static_cast<int>(field)) + " is not a raiiaf_model_field");
    });
}

raiiaf_result raiiaf_writer_add_tag(raiiaf_writer* writer, const char* tag) {
    return guarded(__func__, [&]([[maybe_unused]] const char* fn) {
        require(writer, fn, "writer");
        require(tag, fn, "tag");
        writer->content.model.tags.emplace_back(tag);
    });
}

raiiaf_result raiiaf_writer_add_latent(raiiaf_writer* writer, const char* name, raiiaf_dtype dtype,
                                       const uint64_t* shape, size_t rank, const void* data, size_t data_size,
                                       raiiaf_codec codec) {
    return guarded(__func__, [&]([[maybe_unused]] const char* fn) {
        require(writer, fn, "writer");
        require(name, fn, "name");
        const DType element_type = dtype_from(dtype, fn);
        const std::optional<Codec> latent_codec = codec_from(codec, fn);
        if (rank > RAIIAF_MAX_RANK)
            refuse(RAIIAF_ERR_INVALID_ARGUMENT, "latent \"" + std::string(name) + "\" has rank " + std::to_string(rank) +
                                                    "; at most " + std::to_string(RAIIAF_MAX_RANK) + " is stored");
        if (rank != 0) require(shape, fn, "shape");
        if (data_size != 0) require(data, fn, "data");
        raiiaf::Shape tensor_shape(shape, shape + rank);
        // The Tensor constructor checks data_size against shape x dtype.
        raiiaf::Tensor tensor(element_type, std::move(tensor_shape),
                              raiiaf::Bytes::copy_of(std::span(static_cast<const std::byte*>(data), data_size)));
        writer->content.latents.emplace_back(name, std::move(tensor), latent_codec);
    });
}

raiiaf_result raiiaf_writer_set_image(raiiaf_writer* writer, const void* data, size_t size) {
    return guarded(__func__, [&]([[maybe_unused]] const char* fn) {
        require(writer, fn, "writer");
        if (size != 0) require(data, fn, "data");
        writer->content.image =
            raiiaf::ImageInput{raiiaf::Bytes::copy_of(std::span(static_cast<const std::byte*>(data), size))};
    });
}

raiiaf_result raiiaf_writer_set_environment_component(raiiaf_writer* writer, const char* id, const char* canonical) {
    return guarded(__func__, [&]([[maybe_unused]] const char* fn) {
        require(writer, fn, "writer");
        require(id, fn, "id");
        require(canonical, fn, "canonical");
        auto& components = writer->environment_components;
        const auto same_id = [&](const raiiaf::EnvComponent& c) { return c.id == id; };
        std::erase_if(components, same_id);
        components.push_back({id, canonical});
    });
}

}  // extern "C"

namespace {

// A read-only build (RAIIAF_READ_ONLY) keeps the writer handle, so that a
// program written for both builds links, but holds no code to write with.
void require_writer_built([[maybe_unused]] const char* function) {
#ifdef RAIIAF_READ_ONLY
    refuse(RAIIAF_ERR_NOT_BUILT, std::string(function) + ": this raiiaf library was built read-only (RAIIAF_READ_ONLY), without the writer");
#endif
}

// The content to write: the writer's, with its own environment components
// put over the captured environment.
[[maybe_unused]] raiiaf::ArtifactContent content_to_write(const raiiaf_writer& writer) {
    raiiaf::ArtifactContent content = writer.content;
    if (!writer.environment_components.empty()) {
        raiiaf::Environment environment = raiiaf::current_environment();
        for (const auto& component : writer.environment_components) {
            std::erase_if(environment.components, [&](const raiiaf::EnvComponent& c) { return c.id == component.id; });
            environment.components.push_back(component);
        }
        content.environment = std::move(environment);
    }
    return content;
}

}  // namespace

extern "C" {

raiiaf_result raiiaf_writer_write_file(const raiiaf_writer* writer, const char* path,
                                       const raiiaf_write_options* options) {
    return guarded(__func__, [&]([[maybe_unused]] const char* fn) {
        require(writer, fn, "writer");
        require(path, fn, "path");
        [[maybe_unused]] const raiiaf::WriteOptions write_options = write_options_from(options, fn);
        require_writer_built(fn);
#ifndef RAIIAF_READ_ONLY
        raiiaf::write_file(path, content_to_write(*writer), write_options);
#endif
    });
}

raiiaf_result raiiaf_writer_encode(const raiiaf_writer* writer, const raiiaf_write_options* options, void** out_data,
                                   size_t* out_size) {
    return guarded(__func__, [&]([[maybe_unused]] const char* fn) {
        require(writer, fn, "writer");
        require(out_data, fn, "out_data");
        require(out_size, fn, "out_size");
        [[maybe_unused]] const raiiaf::WriteOptions write_options = write_options_from(options, fn);
        require_writer_built(fn);
#ifndef RAIIAF_READ_ONLY
        const std::vector<std::byte> encoded = raiiaf::encode(content_to_write(*writer), write_options);
        void* data = std::malloc(encoded.empty() ? 1 : encoded.size());
        if (data == nullptr) throw std::bad_alloc();
        std::memcpy(data, encoded.data(), encoded.size());
        *out_data = data;
        *out_size = encoded.size();
#endif
    });
}

void raiiaf_free(void* data) { std::free(data); }

}  // extern "C"
