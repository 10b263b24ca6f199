// raiiaf._raiiaf.write / encode: raiiaf::write_file and raiiaf::encode for
// Python. Latents arrive as C-contiguous buffers (the Python layer makes them
// so) and are read in place: no copy is made before the library encodes them.
#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "binding.hpp"

namespace raiiaf_py {

namespace {

// The Python layer hands dicts over as json.dumps text; they meet the
// reader's bounds before a tree is built, as every JSON from outside does.
raiiaf::Json parse_json_text(const std::string& text, const char* what) {
    try {
        return raiiaf::parse_json(text);
    } catch (const raiiaf::InvalidArgument& e) {
        throw raiiaf::InvalidArgument(std::string(what) + ": " + e.reason());
    }
}

std::string take_string(raiiaf::Json& object, const char* key, bool required) {
    const auto it = object.find(key);
    if (it == object.end()) {
        if (required) throw raiiaf::InvalidArgument(std::string("model info needs \"") + key + "\"");
        return {};
    }
    if (!it->is_string()) throw raiiaf::InvalidArgument(std::string("model info \"") + key + "\" must be a string");
    std::string value = it->get<std::string>();
    object.erase(it);
    return value;
}

// model_info as JSON text -> ModelInfo. Keys other than the known ones are
// kept, in order, as extra keys of model_info.
raiiaf::ModelInfo model_from_json(const std::string& text) {
    raiiaf::Json object = parse_json_text(text, "model info");
    if (!object.is_object()) throw raiiaf::InvalidArgument("model info must be a JSON object");
    raiiaf::ModelInfo model;
    model.model_name = take_string(object, "model_name", false);
    model.version = take_string(object, "version", false);
    model.date = take_string(object, "date", false);
    model.prompt = take_string(object, "prompt", false);
    if (const auto it = object.find("tags"); it != object.end()) {
        if (!it->is_array()) throw raiiaf::InvalidArgument("model info \"tags\" must be a list of strings");
        for (const auto& tag : *it) {
            if (!tag.is_string()) throw raiiaf::InvalidArgument("model info \"tags\" must be a list of strings");
            model.tags.push_back(tag.get<std::string>());
        }
        object.erase(it);
    }
    // Absent or null: left out of the manifest (never filled with defaults).
    const auto take_optional = [&object](const char* key) -> std::optional<raiiaf::Json> {
        const auto it = object.find(key);
        if (it == object.end()) return std::nullopt;
        std::optional<raiiaf::Json> value;
        if (!it->is_null()) value = *it;
        object.erase(it);
        return value;
    };
    model.generation_settings = take_optional("generation_settings");
    model.hardware_info = take_optional("hardware_info");
    model.extra = std::move(object);
    return model;
}

raiiaf::Layout layout_from(const std::string& name) {
    const auto layout = raiiaf::layout_from_name(name);
    if (!layout) throw raiiaf::InvalidArgument("unknown layout \"" + name + "\" (raiiaf or gen5)");
    return *layout;
}

raiiaf::Codec codec_from(const std::string& name) {
    const auto codec = raiiaf::codec_from_name(name);
    if (!codec) throw raiiaf::InvalidArgument("unknown codec \"" + name + "\" (" + raiiaf::codec_names_text() + ")");
    return *codec;
}

raiiaf::DType dtype_from(const std::string& name) {
    const auto dtype = raiiaf::dtype_from_name(name);
    if (!dtype) throw raiiaf::InvalidArgument("unsupported element type \"" + name + "\"");
    return *dtype;
}

// Everything the write needs, gathered under the GIL. The buffers stay
// requested (and their exporters alive) until the write returns.
struct Request {
    // What content borrows (the writer is done with it before a call returns).
    std::vector<py::buffer_info> buffers;
    py::bytes image;
    raiiaf::ArtifactContent content;
    raiiaf::WriteOptions options;
};

Request make_request(const std::string& model_json, const py::list& latents, const py::object& image,
                     const py::object& image_extra_json, const std::string& layout, const std::string& codec,
                     bool float16, const py::object& zfp_tolerance, bool validate_image,
                     const py::object& environment, bool compat) {
    Request request;
    request.content.model = model_from_json(model_json);
    request.options.layout = layout_from(layout);
    request.options.codec = codec_from(codec);
    request.options.float16 = float16;
    if (!zfp_tolerance.is_none()) request.options.zfp_tolerance = zfp_tolerance.cast<double>();
    request.options.validate_image = validate_image;
    request.options.compat = compat;
    request.buffers.reserve(latents.size());

    for (const auto& item : latents) {
        const auto entry = item.cast<py::tuple>();
        if (entry.size() != 6)
            throw py::value_error("a latent is (name, buffer, dtype, shape, codec or None, zfp tolerance or None)");
        const std::string name = entry[0].cast<std::string>();
        py::buffer buffer = entry[1].cast<py::buffer>();
        py::buffer_info info = buffer.request();
        // C-contiguous bytes: the Python layer passes numpy arrays made contiguous.
        py::ssize_t expected_stride = info.itemsize;
        for (py::ssize_t axis = info.ndim - 1; axis >= 0; --axis) {
            if (info.shape[axis] > 1 && info.strides[axis] != expected_stride)
                throw py::value_error("latent \"" + name + "\" is not C-contiguous");
            expected_stride *= info.shape[axis];
        }
        const auto size = static_cast<std::size_t>(info.size * info.itemsize);
        const auto* data = static_cast<const std::byte*>(info.ptr);
        raiiaf::Shape shape;
        for (const auto& dim : entry[3].cast<py::sequence>()) shape.push_back(dim.cast<std::uint64_t>());
        raiiaf::Tensor tensor(dtype_from(entry[2].cast<std::string>()), std::move(shape),
                              raiiaf::Bytes::borrowed(std::span<const std::byte>(data, size)));
        std::optional<raiiaf::Codec> latent_codec;
        if (!entry[4].is_none()) latent_codec = codec_from(entry[4].cast<std::string>());
        std::optional<double> tolerance;
        if (!entry[5].is_none()) tolerance = entry[5].cast<double>();
        request.content.latents.emplace_back(name, std::move(tensor), latent_codec, tolerance);
        request.buffers.push_back(std::move(info));
    }

    if (!image.is_none()) {
        raiiaf::ImageInput input;
        request.image = image.cast<py::bytes>();
        const std::string_view bytes = request.image;
        input.bytes = raiiaf::Bytes::borrowed(std::as_bytes(std::span(bytes.data(), bytes.size())));
        if (!image_extra_json.is_none()) {
            input.extra = parse_json_text(image_extra_json.cast<std::string>(), "image extra");
            if (!input.extra.is_object()) throw raiiaf::InvalidArgument("image extra must be a JSON object");
        }
        request.content.image = std::move(input);
    }

    if (!environment.is_none()) {
        raiiaf::Environment env;
        for (const auto& item : environment.cast<py::list>()) {
            const auto pair = item.cast<py::tuple>();
            env.components.push_back({pair[0].cast<std::string>(), pair[1].cast<std::string>()});
        }
        request.content.environment = std::move(env);
    }
    return request;
}

}  // namespace

namespace {

// The file built straight into a bytes object (no copy of the result): sized
// for the payloads stored raw plus room for the manifest, grown by doubling in
// the rare case a manifest needs more, and cut to size at the end (a realloc
// that shrinks in place).
// (the file's bytes, what in it the existing package cannot read)
py::tuple encode_into_bytes(const raiiaf::ArtifactContent& content, const raiiaf::WriteOptions& options) {
    std::size_t capacity = 64 * 1024;
    for (const auto& latent : content.latents) capacity += latent.tensor.data().size() + 1024;
    if (content.image) capacity += content.image->bytes.size() + 1024;
    for (const auto& chunk : content.stored_chunks) capacity += chunk.stored.size() + 1024;
    PyObject* out = PyBytes_FromStringAndSize(nullptr, static_cast<Py_ssize_t>(capacity));
    if (out == nullptr) throw py::error_already_set();
    std::size_t used = 0;
    raiiaf::WriteResult written;
    try {
        py::gil_scoped_release release;
        written = raiiaf::encode_to(content, options,
                          {[&](std::span<const std::byte> bytes) {
                               if (capacity - used < bytes.size()) {
                                   py::gil_scoped_acquire gil;
                                   capacity = std::max(2 * capacity, used + bytes.size());
                                   // On failure out is freed and null.
                                   if (_PyBytes_Resize(&out, static_cast<Py_ssize_t>(capacity)) != 0)
                                       throw py::error_already_set();
                               }
                               std::memcpy(PyBytes_AS_STRING(out) + used, bytes.data(), bytes.size());
                               used += bytes.size();
                           },
                           [&](std::span<const std::byte> header) {
                               std::memcpy(PyBytes_AS_STRING(out), header.data(), header.size());
                           }});
    } catch (...) {
        Py_XDECREF(out);
        throw;
    }
    if (_PyBytes_Resize(&out, static_cast<Py_ssize_t>(used)) != 0) throw py::error_already_set();
    return py::make_tuple(py::reinterpret_steal<py::bytes>(out), written.extensions);
}

}  // namespace

void register_writer(py::module_& m) {
    m.def(
        "write",
        [](const std::string& path, const std::string& model_json, const py::list& latents, const py::object& image,
           const py::object& image_extra_json, const std::string& layout, const std::string& codec, bool float16,
           const py::object& zfp_tolerance, bool validate_image, const py::object& environment, bool compat,
           bool durable) {
            Request request = make_request(model_json, latents, image, image_extra_json, layout, codec, float16,
                                           zfp_tolerance, validate_image, environment, compat);
            request.options.durable = durable;
            raiiaf::WriteResult written;
            {
                py::gil_scoped_release release;
                written = raiiaf::write_file(path, request.content, request.options);
            }
            return written.extensions;
        },
        py::arg("path"), py::arg("model_json"), py::arg("latents"), py::arg("image") = py::none(),
        py::arg("image_extra_json") = py::none(), py::arg("layout") = "raiiaf", py::arg("codec") = "raw",
        py::arg("float16") = false, py::arg("zfp_tolerance") = py::none(), py::arg("validate_image") = true,
        py::arg("environment") = py::none(), py::arg("compat") = false, py::arg("durable") = true,
        R"doc(Writes a file atomically (temporary file, fsync unless not durable, rename).

model_json: model_info as JSON text (model_name, version, date, prompt, tags,
  generation_settings, hardware_info; other keys are kept as extra keys).
latents: [(name, C-contiguous buffer, dtype name, shape, codec or None,
  zfp tolerance or None)], written in this order.
image: bytes or None; image_extra_json: JSON object text or None.
layout: "raiiaf" | "gen5"; codec: one of codec_names().
environment: [(id, canonical)] to record instead of the current environment.
compat: refuse (InvalidArgument) what the existing raiiaf/gen5 package cannot read.
Returns what in the file the existing package cannot read (Reader.extensions).)doc");

    py::class_<raiiaf::WriteBatch>(m, "WriteBatch",
                                   "Files written now and made durable together on commit() (two barriers in all).")
        .def(py::init<>())
        .def(
            "add",
            [](raiiaf::WriteBatch& batch, const std::string& path, const std::string& model_json,
               const py::list& latents, const py::object& image, const py::object& image_extra_json,
               const std::string& layout, const std::string& codec, bool float16, const py::object& zfp_tolerance,
               bool validate_image, const py::object& environment, bool compat) {
                Request request = make_request(model_json, latents, image, image_extra_json, layout, codec, float16,
                                               zfp_tolerance, validate_image, environment, compat);
                raiiaf::WriteResult written;
                {
                    py::gil_scoped_release release;
                    written = batch.add(path, request.content, request.options);
                }
                return written.extensions;
            },
            py::arg("path"), py::arg("model_json"), py::arg("latents"), py::arg("image") = py::none(),
            py::arg("image_extra_json") = py::none(), py::arg("layout") = "raiiaf", py::arg("codec") = "raw",
            py::arg("float16") = false, py::arg("zfp_tolerance") = py::none(), py::arg("validate_image") = true,
            py::arg("environment") = py::none(), py::arg("compat") = false,
            "Writes one file (arguments and result as for write); its target is replaced on commit().")
        .def(
            "commit",
            [](raiiaf::WriteBatch& batch) {
                py::gil_scoped_release release;
                batch.commit();
            },
            "Makes every added file durable and replaces the targets.")
        .def_property_readonly("pending", &raiiaf::WriteBatch::pending, "Files added and not yet committed.");

    m.def(
        "encode",
        [](const std::string& model_json, const py::list& latents, const py::object& image,
           const py::object& image_extra_json, const std::string& layout, const std::string& codec, bool float16,
           const py::object& zfp_tolerance, bool validate_image, const py::object& environment, bool compat) {
            Request request = make_request(model_json, latents, image, image_extra_json, layout, codec, float16,
                                           zfp_tolerance, validate_image, environment, compat);
            return encode_into_bytes(request.content, request.options);
        },
        py::arg("model_json"), py::arg("latents"), py::arg("image") = py::none(),
        py::arg("image_extra_json") = py::none(), py::arg("layout") = "raiiaf", py::arg("codec") = "raw",
        py::arg("float16") = false, py::arg("zfp_tolerance") = py::none(), py::arg("validate_image") = true,
        py::arg("environment") = py::none(), py::arg("compat") = false,
        "Encodes a file into memory: (its bytes, what the existing package cannot read) (arguments as for write).");

    m.def(
        "codec_names",
        [](const py::object& layout) {
            std::vector<std::string> names;
            for (const auto& codec : raiiaf::codec_table())
                if (layout.is_none() || raiiaf::codec_in_layout(codec.codec, layout_from(layout.cast<std::string>())))
                    names.emplace_back(codec.name);
            return names;
        },
        py::arg("layout") = py::none(), "The codec names, in the library's order; with a layout, those it can hold.");
    m.def(
        "implicit_compressed_codec",
        [](const std::string& layout) { return std::string(raiiaf::codec_name(raiiaf::implicit_compressed_codec(layout_from(layout)))); },
        py::arg("layout"),
        "The codec a compressed latent without a codec name uses in the layout: what the existing package's "
        "should_compress=True writes (zfp in RAIIAF, zstd in GEN5).");
    m.def(
        "codec_info",
        [] {
            py::list rows;
            for (const auto& codec : raiiaf::codec_table()) {
                py::list layouts, read_by_existing, dtypes;
                for (const raiiaf::Layout layout : {raiiaf::Layout::raiiaf, raiiaf::Layout::gen5}) {
                    if (raiiaf::codec_in_layout(codec.codec, layout)) layouts.append(raiiaf::layout_name(layout));
                    if (raiiaf::codec_read_by_existing_package(codec.codec, layout))
                        read_by_existing.append(raiiaf::layout_name(layout));
                }
                for (const raiiaf::DType dtype : codec.dtypes) dtypes.append(raiiaf::dtype_name(dtype));
                py::dict row;
                row["name"] = codec.name;
                row["summary"] = codec.summary;
                row["compresses"] = codec.compresses;
                row["takes_tolerance"] = codec.takes_tolerance;
                row["layouts"] = layouts;
                row["read_by_existing_package"] = read_by_existing;
                row["dtypes"] = dtypes.empty() ? py::object(py::none()) : py::object(dtypes);
                row["stand_in"] = raiiaf::codec_name(codec.stand_in);
                rows.append(row);
            }
            return rows;
        },
        "The library's codec table: one dict per codec (name, summary, compresses, takes_tolerance, layouts, "
        "read_by_existing_package: the layouts whose existing package reads it, dtypes: None for all, stand_in).");

    m.def(
        "validate_manifest",
        [](const std::string& manifest_json) { raiiaf::validate_manifest(parse_json_text(manifest_json, "manifest")); },
        py::arg("manifest_json"),
        "Checks a manifest (JSON text) against the schema; raises InvalidArgument naming the JSON path.");
    m.def("manifest_schema", [] { return std::string(raiiaf::manifest_schema()); },
          "The manifest schema (JSON Schema draft-07) as text.");
}

}  // namespace raiiaf_py
