#include "format/manifest.hpp"

#include "env/environment_json.hpp"

#include <string>

#include "format/chunk.hpp"
#include "raiiaf/codec.hpp"
#include "raiiaf/env.hpp"
#include "raiiaf/errors.hpp"

RAIIAF_DETAIL_NAMESPACE_BEGIN

namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path, std::optional<std::size_t> chunk = {}) {
    throw MetadataError(what, {.chunk_index = chunk, .chunk_type = "", .offset = {}, .json_path = path});
}

const Json& member(const Json& object, const char* key, const std::string& path) {
    const auto it = object.find(key);
    if (it == object.end()) fail(std::string("missing key \"") + key + "\"", path);
    return *it;
}

std::string string_at(const Json& object, const char* key, const std::string& path) {
    const Json& value = member(object, key, path);
    if (!value.is_string()) fail("expected a string", path + "/" + key);
    return value.get<std::string>();
}

std::uint64_t unsigned_at(const Json& value, const std::string& path) {
    if (!value.is_number_integer() || (value.is_number_integer() && !value.is_number_unsigned() && value.get<std::int64_t>() < 0))
        fail("expected a non-negative integer", path);
    return value.get<std::uint64_t>();
}

std::uint64_t unsigned_at(const Json& object, const char* key, const std::string& path) {
    return unsigned_at(member(object, key, path), path + "/" + key);
}

std::optional<std::uint64_t> optional_unsigned_at(const Json& object, const char* key, const std::string& path) {
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) return std::nullopt;
    return unsigned_at(*it, path + "/" + key);
}

ChunkRecord chunk_record_from_json(const Json& json, const std::string& path, std::size_t position) {
    if (!json.is_object()) fail("expected an object", path, position);
    ChunkRecord record;
    const std::uint64_t index = unsigned_at(json, "index", path);
    if (index != position) fail("index " + std::to_string(index) + " does not match its position", path + "/index", position);
    record.index = static_cast<std::uint32_t>(index);
    record.type = string_at(json, "type", path);
    if (record.type.size() != 4) fail("chunk type must be 4 characters", path + "/type", position);
    record.flags = string_at(json, "flags", path);
    if (record.flags.size() > 4) fail("flags longer than 4 characters", path + "/flags", position);
    record.offset = unsigned_at(json, "offset", path);
    record.compressed_size = unsigned_at(json, "compressed_size", path);
    record.uncompressed_size = unsigned_at(json, "uncompressed_size", path);
    record.hash = string_at(json, "hash", path);
    record.extra = member(json, "extra", path);
    if (!record.extra.is_object()) fail("expected an object", path + "/extra", position);
    const Json& compressed = member(json, "compressed", path);
    if (!compressed.is_boolean()) fail("expected a boolean", path + "/compressed", position);
    record.compressed = compressed.get<bool>();
    record.len_header = optional_unsigned_at(json, "len_header", path);
    record.len_data = optional_unsigned_at(json, "len_data", path);
    return record;
}

}  // namespace

ModelInfo model_info_from_json(const Json& json, const std::string& path) {
    if (!json.is_object()) fail("expected an object", path);
    ModelInfo model;
    model.model_name = string_at(json, "model_name", path);
    model.version = string_at(json, "version", path);
    model.date = string_at(json, "date", path);
    model.prompt = string_at(json, "prompt", path);
    const Json& tags = member(json, "tags", path);
    if (!tags.is_array()) fail("expected an array", path + "/tags");
    for (std::size_t i = 0; i < tags.size(); ++i) {
        if (!tags[i].is_string()) fail("expected a string", path + "/tags/" + std::to_string(i));
        model.tags.push_back(tags[i].get<std::string>());
    }
    for (const auto& [key, value] : json.items()) {
        if (key == "generation_settings") {
            if (!value.is_object()) fail("expected an object", path + "/" + key);
            model.generation_settings = value;
        } else if (key == "hardware_info") {
            if (!value.is_object()) fail("expected an object", path + "/" + key);
            model.hardware_info = value;
        } else if (key != "model_name" && key != "version" && key != "date" && key != "prompt" && key != "tags") {
            model.extra[key] = value;
        }
    }
    return model;
}

Json model_info_to_json(const ModelInfo& model) {
    Json json = Json::object();
    json["model_name"] = model.model_name;
    json["version"] = model.version;
    json["date"] = model.date;
    json["prompt"] = model.prompt;
    json["tags"] = model.tags;
    if (model.generation_settings) json["generation_settings"] = *model.generation_settings;
    if (model.hardware_info) json["hardware_info"] = *model.hardware_info;
    for (const auto& [key, value] : model.extra.items()) json[key] = value;
    return json;
}

Json chunk_record_to_json(const ChunkRecord& record, Layout layout) {
    Json json = Json::object();
    json["index"] = record.index;
    json["type"] = record.type;
    json["flags"] = record.flags;
    json["offset"] = record.offset;
    json["compressed_size"] = record.compressed_size;
    json["uncompressed_size"] = record.uncompressed_size;
    json["hash"] = record.hash;
    json["extra"] = record.extra;
    json["compressed"] = record.compressed;
    if (layout == Layout::raiiaf) {
        json["len_header"] = record.len_header ? Json(*record.len_header) : Json(nullptr);
        json["len_data"] = record.len_data ? Json(*record.len_data) : Json(nullptr);
    }
    return json;
}

Json build_manifest(Layout layout, const Json& file_info, const ModelInfo& model,
                    const std::vector<ChunkRecord>& chunks, const Json* environment) {
    Json records = Json::array();
    for (const auto& record : chunks) records.push_back(chunk_record_to_json(record, layout));
    Json metadata = Json::object();
    metadata["file_info"] = file_info;
    metadata["model_info"] = model_info_to_json(model);
    metadata["chunks"] = std::move(records);
    if (environment) metadata[std::string(kManifestEnvironmentKey)] = *environment;
    Json document = Json::object();
    document[std::string(metadata_key(layout))] = std::move(metadata);
    return document;
}

ParsedManifest parse_manifest(Json document, Layout layout) {
    ParsedManifest parsed;
    const std::string key(metadata_key(layout));
    if (!document.is_object()) fail("manifest is not a JSON object", "");
    const std::string root = "/" + key;
    const Json& metadata = member(document, key.c_str(), "");
    if (!metadata.is_object()) fail("expected an object", root);
    if (!member(metadata, "file_info", root).is_object()) fail("expected an object", root + "/file_info");
    parsed.model = model_info_from_json(member(metadata, "model_info", root), root + "/model_info");
    const Json& chunks = member(metadata, "chunks", root);
    if (!chunks.is_array()) fail("expected an array", root + "/chunks");
    parsed.chunks.reserve(chunks.size());
    for (std::size_t i = 0; i < chunks.size(); ++i)
        parsed.chunks.push_back(chunk_record_from_json(chunks[i], root + "/chunks/" + std::to_string(i), i));
    parsed.document = std::move(document);
    return parsed;
}

std::optional<Environment> manifest_environment(const Json& document, Layout layout) {
    const std::string key(metadata_key(layout));
    const auto body = document.find(key);
    if (body == document.end() || !body->is_object()) return std::nullopt;
    const auto env = body->find(std::string(kManifestEnvironmentKey));
    if (env == body->end()) return std::nullopt;
    try {
        return environment_from_json(*env);
    } catch (const EnvChunkError& e) {
        throw EnvChunkError(e.reason(), ErrorLocation::at_json_path("/" + key + "/" +
                                                                    std::string(kManifestEnvironmentKey) +
                                                                    e.where().json_path));
    }
}

std::optional<std::string> record_extension(const ChunkRecord& record) {
    if (record.type != kLatentType) return std::nullopt;
    std::string name = "?";
    if (const auto key = record.extra.find("key"); key != record.extra.end() && key->is_string())
        name = key->get<std::string>();
    const std::string latent = "latent \"" + name + "\": ";
    if (record.flags != "F32" && record.flags != "F16") {
        const auto dtype = record.extra.find("dtype");
        return latent + "dtype " + (dtype != record.extra.end() && dtype->is_string() ? dtype->get<std::string>() : record.flags);
    }
    if (const auto codec = record.extra.find("codec"); codec != record.extra.end())
        return latent + "codec " + (codec->is_string() ? codec->get<std::string>() : codec->dump());
    const auto shape = record.extra.find("shape");
    if (shape == record.extra.end() || !shape->is_array() || shape->size() != 4)
        return latent + "rank " + (shape != record.extra.end() && shape->is_array() ? std::to_string(shape->size()) : "?") +
               " (the existing package reads rank 4)";
    return std::nullopt;
}

std::optional<std::string> unreadable_by_existing_package(const ChunkRecord& record) {
    if (record.type != kLatentType && record.type != kImageType && record.type != kEnvType)
        return "chunk type " + record.type + " (the existing readers refuse unknown chunk types)";
    return record_extension(record);
}

LatentInfo latent_info(const ChunkRecord& record, Layout layout, std::size_t position, const Limits& limits) {
    const std::string path = "/" + std::string(metadata_key(layout)) + "/chunks/" + std::to_string(record.index);
    const auto fail_here = [&](const std::string& what, const std::string& key) {
        throw MetadataError(what, {.chunk_index = record.index, .chunk_type = record.type, .offset = record.offset,
                                   .json_path = path + key});
    };
    LatentInfo info;
    info.chunk_index = record.index;
    info.stored_size = record.compressed_size;
    info.raw_size = record.uncompressed_size;

    const auto flag_dtype = dtype_from_latent_flags(record.flags);
    if (!flag_dtype) fail_here("unknown latent flags \"" + record.flags + "\"", "/flags");
    info.dtype = *flag_dtype;
    if (const auto it = record.extra.find("dtype"); it != record.extra.end()) {
        const auto named = it->is_string() ? dtype_from_name(it->get<std::string>()) : std::nullopt;
        if (!named) fail_here("unknown dtype", "/extra/dtype");
        if (*named != info.dtype) fail_here("dtype disagrees with the chunk flags", "/extra/dtype");
    }

    const auto shape = record.extra.find("shape");
    if (shape == record.extra.end() || !shape->is_array()) fail_here("latent has no shape", "/extra/shape");
    if (shape->size() > limits.max_rank)
        fail_here("rank " + std::to_string(shape->size()) + " exceeds the limit of " + std::to_string(limits.max_rank),
                  "/extra/shape");
    for (std::size_t i = 0; i < shape->size(); ++i) {
        const Json& dim = (*shape)[i];
        if (!dim.is_number_unsigned()) fail_here("dimension is not a non-negative integer", "/extra/shape/" + std::to_string(i));
        info.shape.push_back(dim.get<std::uint64_t>());
    }
    const auto bytes = tensor_byte_size(info.dtype, info.shape);
    if (!bytes || *bytes != record.uncompressed_size)
        fail_here("shape and dtype need " + (bytes ? std::to_string(*bytes) : std::string("too many")) +
                      " bytes but uncompressed_size is " + std::to_string(record.uncompressed_size),
                  "/uncompressed_size");

    if (const auto key = record.extra.find("key"); key != record.extra.end()) {
        if (!key->is_string()) fail_here("latent name is not a string", "/extra/key");
        info.name = key->get<std::string>();
    } else {
        info.name = "latent_" + std::to_string(position);
    }
    if (const auto codec = record.extra.find("codec"); codec != record.extra.end()) {
        if (!codec->is_string() || !codec_from_name(codec->get<std::string>()))
            fail_here("unknown codec", "/extra/codec");
    }
    info.codec = chunk_codec(record, layout);
    if (const auto tolerance = record.extra.find("zfp_tolerance"); tolerance != record.extra.end()) {
        if (!tolerance->is_number() || !(tolerance->get<double>() > 0)) fail_here("zfp_tolerance is not a positive number", "/extra/zfp_tolerance");
        info.zfp_tolerance = tolerance->get<double>();
    }
    if (info.codec == Codec::raw && record.compressed) fail_here("raw codec on a compressed chunk", "/compressed");
    if (info.codec != Codec::raw && !record.compressed) fail_here("codec needs a compressed chunk", "/compressed");
    return info;
}

RAIIAF_DETAIL_NAMESPACE_END
