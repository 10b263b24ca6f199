// raiiaf._raiiaf: the compiled core of the Python packages raiiaf and gen5.
#include <cstring>
#include <string>

#include "binding.hpp"

namespace raiiaf_py {

raiiaf::Limits limits_from(const py::object& limits) {
    raiiaf::Limits out;
    if (limits.is_none()) return out;
    const py::dict d = limits.cast<py::dict>();
    for (const auto& [key, value] : d) {
        const std::string name = key.cast<std::string>();
        if (name == "max_file_size") out.max_file_size = value.cast<std::uint64_t>();
        else if (name == "max_chunk_size") out.max_chunk_size = value.cast<std::uint64_t>();
        else if (name == "max_chunk_count") out.max_chunk_count = value.cast<std::uint32_t>();
        else if (name == "max_manifest_size") out.max_manifest_size = value.cast<std::uint64_t>();
        else if (name == "max_decompressed_total") out.max_decompressed_total = value.cast<std::uint64_t>();
        else if (name == "max_json_depth") out.max_json_depth = value.cast<std::uint32_t>();
        else if (name == "max_json_object_members") out.max_json_object_members = value.cast<std::uint32_t>();
        else if (name == "max_json_values") out.max_json_values = value.cast<std::uint64_t>();
        else if (name == "max_rank") out.max_rank = value.cast<std::uint32_t>();
        else if (name == "max_metadata_text_size") out.max_metadata_text_size = value.cast<std::uint64_t>();
        else throw py::value_error("unknown limit \"" + name + "\"");
    }
    return out;
}

py::dict header_to_dict(const raiiaf::Header& header) {
    py::dict d;
    d["magic"] = py::bytes(std::string(raiiaf::layout_magic(header.layout)));
    d["version_major"] = header.version_major;
    d["version_minor"] = header.version_minor;
    d["flags"] = header.flags;
    d["chunk_table_offset"] = header.chunk_table_offset;
    d["chunk_table_size"] = header.chunk_table_size;
    d["chunk_count"] = header.chunk_count;
    d["file_size"] = header.file_size;
    d["reserved"] = header.reserved;
    return d;
}

py::object json_to_python(const raiiaf::Json& json) {
    using Type = raiiaf::Json::value_t;
    switch (json.type()) {
        case Type::object: {
            py::dict out;
            for (const auto& [key, value] : json.items()) out[utf8_text(key)] = json_to_python(value);
            return out;
        }
        case Type::array: {
            py::list out(json.size());
            std::size_t i = 0;
            for (const auto& value : json) PyList_SET_ITEM(out.ptr(), i++, json_to_python(value).release().ptr());
            return out;
        }
        case Type::string: return utf8_text(json.get_ref<const std::string&>());
        case Type::boolean: return py::bool_(json.get<bool>());
        case Type::number_integer: return py::int_(json.get<std::int64_t>());
        case Type::number_unsigned: return py::int_(json.get<std::uint64_t>());
        case Type::number_float: return py::float_(json.get<double>());
        case Type::null:
        case Type::discarded:
        case Type::binary: break;
    }
    return py::none();
}

py::str utf8_text(const std::string& s) {
    // Strings of a parsed manifest are checked UTF-8; replace rather than fail should anything slip through.
    PyObject* obj = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "replace");
    if (obj == nullptr) throw py::error_already_set();
    return py::reinterpret_steal<py::str>(obj);
}

py::tuple environment_to_tuple(const raiiaf::Environment& env) {
    py::list components;
    for (const auto& c : env.components) components.append(py::make_tuple(c.id, c.canonical, c.digest_hex()));
    return py::make_tuple(env.env_version, components);
}

namespace {

raiiaf::Layout layout_from(const std::string& name) {
    const auto layout = raiiaf::layout_from_name(name);
    if (!layout) throw raiiaf::InvalidArgument("unknown layout \"" + name + "\" (raiiaf or gen5)");
    return *layout;
}

std::span<const std::byte> bytes_of(const py::buffer& data, py::buffer_info& info) {
    info = data.request();
    if (info.ndim > 1) {  // memoryview of a multi-dimensional array: must be contiguous
        py::ssize_t stride = info.itemsize;
        for (py::ssize_t axis = info.ndim - 1; axis >= 0; --axis) {
            if (info.shape[axis] > 1 && info.strides[axis] != stride) throw py::value_error("buffer is not contiguous");
            stride *= info.shape[axis];
        }
    }
    return {static_cast<const std::byte*>(info.ptr), static_cast<std::size_t>(info.size * info.itemsize)};
}

py::bytes bytes_from(std::span<const std::byte> data) {
    return py::bytes(reinterpret_cast<const char*>(data.data()), data.size());
}

}  // namespace

}  // namespace raiiaf_py

PYBIND11_MODULE(_raiiaf, m) {
    namespace py = pybind11;
    using namespace raiiaf_py;
    m.doc() = "The compiled core of the raiiaf and gen5 Python packages (a thin layer over the C++ library).";

    register_errors(m);

    py::class_<Buffer>(m, "Buffer", py::buffer_protocol(),
                       "Bytes held by the library, exposed through the buffer protocol. A view of a "
                       "memory-mapped file keeps the mapping alive for as long as it (or any array "
                       "made from it) exists.")
        .def_buffer([](Buffer& b) {
            // Zero-size buffers still need a valid pointer.
            static const std::byte empty{};
            void* ptr = const_cast<std::byte*>(b.bytes.size() ? b.bytes.data() : &empty);
            return py::buffer_info(ptr, 1, py::format_descriptor<std::uint8_t>::format(), 1,
                                   {static_cast<py::ssize_t>(b.bytes.size())}, {static_cast<py::ssize_t>(1)},
                                   !b.writable);
        })
        .def("__len__", [](const Buffer& b) { return b.bytes.size(); })
        .def_property_readonly("is_view", [](const Buffer& b) { return !b.writable; },
                               "True when the bytes are a read-only view (of the mapped file).")
        .def_property_readonly(
            "address", [](const Buffer& b) { return reinterpret_cast<std::uintptr_t>(b.bytes.data()); },
            "The address of the first byte (to see whether it lies inside a mapping).")
        .def(
            "tobytes",
            [](const Buffer& b) { return py::bytes(reinterpret_cast<const char*>(b.bytes.data()), b.bytes.size()); },
            "A copy of the bytes.");

    register_reader(m);
    register_writer(m);
    register_catalog(m);
    register_importer(m);

    // ---- header -------------------------------------------------------------
    m.def("header_size", [](const std::string& layout) { return raiiaf::header_size(layout_from(layout)); },
          py::arg("layout"), "The header's size in bytes: 33 for \"raiiaf\", 32 for \"gen5\".");
    m.def(
        "parse_header",
        [](const py::bytes& data) {
            const std::string_view view = data;
            return header_to_dict(raiiaf::parse_header(std::as_bytes(std::span(view.data(), view.size()))));
        },
        py::arg("data"), "Parses a header (layout recognised by magic); raises CorruptHeader.");
    m.def(
        "encode_header",
        [](const std::string& layout, unsigned version_major, unsigned version_minor, std::uint64_t flags,
           std::uint64_t chunk_table_offset, std::uint64_t chunk_table_size, std::uint64_t chunk_count,
           std::uint64_t file_size, std::uint64_t reserved) {
            raiiaf::Header header;
            header.layout = layout_from(layout);
            const auto check = [](std::uint64_t value, std::uint64_t max, const char* name) {
                if (value > max)
                    throw raiiaf::InvalidArgument(std::string(name) + " " + std::to_string(value) +
                                                  " does not fit the header");
            };
            check(version_major, 0xFF, "version_major");
            check(version_minor, 0xFF, "version_minor");
            check(flags, 0xFFFF, "flags");
            check(chunk_table_offset, 0xFFFFFFFFull, "chunk_table_offset");
            check(chunk_table_size, 0xFFFFFFFFull, "chunk_table_size");
            check(chunk_count, 0xFFFFFFFFull, "chunk_count");
            header.version_major = static_cast<std::uint8_t>(version_major);
            header.version_minor = static_cast<std::uint8_t>(version_minor);
            header.flags = static_cast<std::uint16_t>(flags);
            header.chunk_table_offset = static_cast<std::uint32_t>(chunk_table_offset);
            header.chunk_table_size = static_cast<std::uint32_t>(chunk_table_size);
            header.chunk_count = static_cast<std::uint32_t>(chunk_count);
            header.file_size = file_size;
            header.reserved = reserved;
            const auto bytes = raiiaf::encode_header(header);
            return py::bytes(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        },
        py::arg("layout"), py::arg("version_major") = 1, py::arg("version_minor") = 0, py::arg("flags") = 0,
        py::arg("chunk_table_offset") = 0, py::arg("chunk_table_size") = 0, py::arg("chunk_count") = 0,
        py::arg("file_size") = 0, py::arg("reserved") = 0,
        "Packs a header; raises InvalidArgument when a field does not fit the layout.");

    // ---- environment --------------------------------------------------------
    m.def("current_environment", [] {
        raiiaf::Environment env;
        {
            py::gil_scoped_release release;
            env = raiiaf::current_environment();
        }
        return environment_to_tuple(env);
    }, "The environment of this process: (env_version, [(id, canonical, digest_hex)]).");
    m.def("refresh_environment", [] {
        py::gil_scoped_release release;
        raiiaf::refresh_environment();
    }, "Drops the cached capture.");
    m.def(
        "set_host_component",
        [](const std::string& id, const std::string& canonical) { raiiaf::set_host_component({id, canonical}); },
        py::arg("component_id"), py::arg("canonical"), "Adds or replaces (by id) a host component.");
    m.def("clear_host_components", &raiiaf::clear_host_components, "Removes every host component.");
    m.def(
        "serialize_environment",
        [](int env_version, const py::list& components) {
            raiiaf::Environment env;
            env.env_version = env_version;
            for (const auto& item : components) {
                const auto pair = item.cast<py::tuple>();
                env.components.push_back({pair[0].cast<std::string>(), pair[1].cast<std::string>()});
            }
            return py::bytes(raiiaf::serialize_environment(env));
        },
        py::arg("env_version"), py::arg("components"), "The ENVC payload for [(id, canonical)].");
    m.def(
        "parse_environment",
        [](const py::bytes& payload) {
            const std::string_view view = payload;
            return environment_to_tuple(raiiaf::parse_environment(std::as_bytes(std::span(view.data(), view.size()))));
        },
        py::arg("payload"), "Parses an ENVC payload; raises EnvChunkError.");

    // ---- stored chunks and manifests (for the legacy API) --------------------
    m.def(
        "decode_header",
        [](const std::string& layout, const py::buffer& data) {
            py::buffer_info info;
            const auto bytes = bytes_of(data, info);
            py::dict d = header_to_dict(raiiaf::decode_header_fields(layout_from(layout), bytes));
            d["magic"] = bytes_from(bytes.first(raiiaf::layout_magic(layout_from(layout)).size()));
            return d;
        },
        py::arg("layout"), py::arg("data"),
        "The header fields of `layout` as stored (magic as the bytes found, nothing checked); raises "
        "CorruptHeader when data is shorter than the header.");
    m.def(
        "pack_chunk",
        [](const std::string& type, const py::bytes& flags, const py::buffer& payload, bool compressed) {
            py::buffer_info info;
            const auto bytes = bytes_of(payload, info);
            const std::string flag_bytes = flags;
            std::vector<std::byte> out;
            {
                py::gil_scoped_release release;
                out = raiiaf::pack_chunk(type, flag_bytes, bytes, compressed);
            }
            return bytes_from(out);
        },
        py::arg("type"), py::arg("flags"), py::arg("payload"), py::arg("compressed") = true,
        "A chunk as stored: the 12-byte envelope header and the payload, one zstd frame of both when compressed.");
    m.def(
        "unpack_chunk",
        [](const py::buffer& stored, bool compressed, std::uint64_t max_size) {
            py::buffer_info info;
            const auto bytes = bytes_of(stored, info);
            raiiaf::ChunkEnvelope envelope;
            {
                py::gil_scoped_release release;
                envelope = raiiaf::unpack_chunk(bytes, compressed, max_size);
            }
            return py::make_tuple(py::bytes(envelope.type), py::bytes(envelope.flags), envelope.size,
                                  bytes_from(envelope.payload));
        },
        py::arg("stored"), py::arg("compressed") = true, py::arg("max_size") = std::uint64_t{1} << 32,
        "(type, flags, size, payload) of a stored chunk (type and flags as the 4 bytes stored; payload: the first "
        "`size` bytes after the header); decompresses at most max_size bytes; raises DecodeError.");
    m.def(
        "parse_json",
        [](const std::string_view text, const py::object& limits) {
            return json_to_python(raiiaf::parse_json(text, limits_from(limits)));
        },
        py::arg("text"), py::arg("limits") = py::none(),
        "Parses JSON text within the library's bounds (depth, members, values); raises InvalidArgument.");
    m.def(
        "parse_manifest_chunk",
        [](const py::buffer& stored, const py::object& limits) {
            py::buffer_info info;
            const auto bytes = bytes_of(stored, info);
            const raiiaf::Limits l = limits_from(limits);
            raiiaf::Json manifest;
            {
                py::gil_scoped_release release;
                raiiaf::ChunkEnvelope envelope;
                try {
                    envelope = raiiaf::unpack_chunk(bytes, true, l.max_manifest_size + raiiaf::kChunkHeaderSize);
                } catch (const raiiaf::DecodeError& e) {
                    throw raiiaf::MetadataError(std::string("manifest: ") + e.what());
                }
                if (envelope.type != raiiaf::kManifestType)
                    throw raiiaf::MetadataError("manifest chunk has type \"" + envelope.type + "\", expected META");
                const std::string_view text(reinterpret_cast<const char*>(envelope.payload.data()),
                                            envelope.payload.size());
                try {
                    manifest = raiiaf::parse_json(text, l);
                } catch (const raiiaf::InvalidArgument& e) {
                    throw raiiaf::MetadataError(std::string("manifest is not valid JSON: ") + e.what());
                }
            }
            if (!manifest.is_object()) throw raiiaf::MetadataError("manifest is not a JSON object");
            return json_to_python(manifest);
        },
        py::arg("stored"), py::arg("limits") = py::none(),
        "The manifest dict of a stored META chunk (zstd frame), parsed within the limits; raises MetadataError.");

    m.def(
        "detect_image_format",
        [](const py::buffer& data) {
            py::buffer_info info;
            return std::string(raiiaf::detect_image_format(bytes_of(data, info)));
        },
        py::arg("data"), "'png', 'jpeg' or 'webp' by the data's signature, else ''.");

    // ---- export (issue 15) ------------------------------------------------------
    m.def(
        "export_image",
        [](const py::object& source, const std::string& out, bool embed, bool xmp, bool parameters) {
            raiiaf::ExportOptions options;
            options.embed = embed;
            options.xmp = xmp;
            options.parameters = parameters;
            if (py::isinstance<py::bytes>(source)) {
                const std::string data = source.cast<std::string>();
                py::gil_scoped_release release;
                raiiaf::export_image_file(std::as_bytes(std::span(data.data(), data.size())), out, options);
            } else {
                const std::string path = source.cast<std::string>();
                py::gil_scoped_release release;
                raiiaf::export_image_file(path, out, options);
            }
        },
        py::arg("source"), py::arg("out"), py::arg("embed") = false, py::arg("xmp") = true, py::arg("parameters") = true,
        "Writes the artifact's image (a path or the bytes of a file) to out with its metadata; see raiiaf/export.hpp.");

    m.def("library_version", [] { return std::string(raiiaf::library_version()); },
          "The C++ library's version, MAJOR.MINOR.PATCH.");
}
