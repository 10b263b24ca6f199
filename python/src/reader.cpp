// raiiaf._raiiaf.Reader: raiiaf::Reader for Python. Latent payloads come back
// as Buffer objects that the Python layer wraps with numpy.frombuffer; raw
// latents are views of the memory-mapped file (zero copy).
#include <memory>
#include <string>

#include "binding.hpp"

namespace raiiaf_py {

namespace {

// The reader is shared so that a call running without the GIL keeps it alive
// even if another thread closes the Python object meanwhile.
class PyReader {
public:
    explicit PyReader(raiiaf::Reader reader) : reader_(std::make_shared<raiiaf::Reader>(std::move(reader))) {}

    [[nodiscard]] std::shared_ptr<raiiaf::Reader> get() const {
        if (!reader_) throw py::value_error("I/O operation on a closed raiiaf reader");
        return reader_;
    }
    void close() { reader_.reset(); }
    [[nodiscard]] bool closed() const { return !reader_; }

private:
    std::shared_ptr<raiiaf::Reader> reader_;
};

raiiaf::ReadOptions options_from(bool verify_hashes, const py::object& limits, bool copy = false) {
    raiiaf::ReadOptions options;
    options.verify_hashes = verify_hashes;
    options.copy_payloads = copy;
    options.limits = limits_from(limits);
    return options;
}

std::string dump_json(const raiiaf::Json& json) {
    // Strings in a manifest were checked as UTF-8 when parsed; replace rather
    // than fail should anything slip through.
    return json.dump(-1, ' ', false, raiiaf::Json::error_handler_t::replace);
}

py::list shape_list(const raiiaf::Shape& shape) {
    py::list out;
    for (auto dim : shape) out.append(py::int_(dim));
    return out;
}

py::dict latent_info_dict(const raiiaf::LatentInfo& info) {
    py::dict d;
    d["name"] = info.name;
    d["chunk_index"] = info.chunk_index;
    d["dtype"] = std::string(raiiaf::dtype_name(info.dtype));
    d["shape"] = shape_list(info.shape);
    d["codec"] = std::string(raiiaf::codec_name(info.codec));
    d["zfp_tolerance"] = info.zfp_tolerance ? py::object(py::float_(*info.zfp_tolerance)) : py::object(py::none());
    d["stored_size"] = info.stored_size;
    d["raw_size"] = info.raw_size;
    return d;
}

// A payload that lies inside the stored chunk is a view of the file (read
// only); anything else is memory the library decoded into for this call alone.
Buffer payload_buffer(const raiiaf::Reader& reader, std::size_t chunk_index, raiiaf::Bytes payload) {
    const raiiaf::Bytes stored = reader.stored_bytes(chunk_index);
    const auto* begin = stored.data();
    const auto* end = begin + stored.size();
    const bool in_file = payload.size() > 0 && payload.data() >= begin && payload.data() + payload.size() <= end;
    return Buffer{std::move(payload), !in_file};
}

py::tuple drift_entry(const raiiaf::DriftEntry& entry) {
    return py::make_tuple(entry.component_id, entry.file_value, entry.current_value,
                          std::string(raiiaf::drift_kind_name(entry.kind)));
}

}  // namespace

void register_reader(py::module_& m) {
    py::class_<PyReader>(m, "Reader", R"doc(
An open raiiaf or GEN5 file. Opening memory-maps the file and parses the
header and manifest only; payloads are read, decompressed and hash-checked
when asked for.)doc")
        .def_static(
            "open",
            [](const std::string& path, bool verify_hashes, const py::object& limits, bool copy) {
                const auto options = options_from(verify_hashes, limits, copy);
                py::gil_scoped_release release;
                return PyReader(raiiaf::Reader::open(path, options));
            },
            py::arg("path"), py::arg("verify_hashes") = true, py::arg("limits") = py::none(), py::arg("copy") = false,
            "Memory-maps a file and parses its header and manifest. copy: raw payloads are copied out of the "
            "file and the copy is hash-checked (no live views).")
        .def_static(
            "from_bytes",
            [](const py::bytes& data, bool verify_hashes, const py::object& limits) {
                const auto options = options_from(verify_hashes, limits);
                const std::string_view view = data;
                // bytes are immutable: the reader reads them in place and keeps a reference.
                const std::shared_ptr<const void> keepalive(new py::object(data), [](const py::object* object) {
                    if (!Py_IsInitialized()) return;  // interpreter gone: nothing left to release
                    py::gil_scoped_acquire gil;
                    delete object;
                });
                raiiaf::Bytes bytes(std::as_bytes(std::span(view.data(), view.size())), keepalive);
                py::gil_scoped_release release;
                return PyReader(raiiaf::Reader::from_bytes(std::move(bytes), options));
            },
            py::arg("data"), py::arg("verify_hashes") = true, py::arg("limits") = py::none(),
            "Reads a file held in memory, in place (the reader keeps a reference to the bytes).")
        .def("close", &PyReader::close, "Drops the reader; buffers handed out keep the mapping alive.")
        .def_property_readonly("closed", &PyReader::closed, "True once close() has been called.")
        .def_property_readonly(
            "layout", [](const PyReader& r) { return std::string(raiiaf::layout_name(r.get()->layout())); },
            "\"raiiaf\" or \"gen5\" (recognised by magic).")
        .def_property_readonly("header", [](const PyReader& r) { return header_to_dict(r.get()->header()); },
                               "The header fields as a dict (magic as bytes).")
        .def_property_readonly("file_size", [](const PyReader& r) { return r.get()->file_size(); },
                               "The file's size in bytes.")
        .def_property_readonly("verify_hashes", [](const PyReader& r) { return r.get()->options().verify_hashes; },
                               "Whether payloads are checked against their SHA-256 when loaded.")
        .def_property_readonly("manifest_json", [](const PyReader& r) { return dump_json(r.get()->manifest()); },
                               "The decoded manifest as JSON text (keys in stored order).")
        .def_property_readonly("manifest", [](const PyReader& r) { return json_to_python(r.get()->manifest()); },
                               "The decoded manifest as a dict (keys in stored order), from the tree the reader "
                               "parsed once; nothing is re-parsed.")
        .def_property_readonly("extensions", [](const PyReader& r) { return raiiaf::extensions_used(*r.get()); },
                               "What the existing raiiaf/gen5 package cannot read, one line each (empty: nothing).")
        .def_property_readonly("chunk_count", [](const PyReader& r) { return r.get()->chunks().size(); },
                               "The number of chunk records in the manifest.")
        .def_property_readonly(
            "chunk_types",
            [](const PyReader& r) {
                py::list out;
                for (const auto& record : r.get()->chunks()) out.append(py::bytes(record.type).attr("decode")("ascii", "backslashreplace"));
                return out;
            },
            "The type of every chunk, in manifest order.")
        .def_property_readonly(
            "latents",
            [](const PyReader& r) {
                py::list out;
                for (const auto& info : r.get()->latents()) out.append(latent_info_dict(info));
                return out;
            },
            "Descriptions of the stored latents (no payload is read).")
        .def(
            "load_latent",
            [](const PyReader& r, std::size_t position) {
                const auto reader = r.get();
                raiiaf::Tensor tensor;
                Buffer buffer;
                {
                    py::gil_scoped_release release;
                    tensor = reader->load_latent(position);
                    const std::size_t chunk = reader->latents()[position].chunk_index;
                    buffer = payload_buffer(*reader, chunk, tensor.data());
                }
                return py::make_tuple(py::cast(std::move(buffer)), std::string(raiiaf::dtype_name(tensor.dtype())),
                                      shape_list(tensor.shape()));
            },
            py::arg("position"),
            "Loads latent number `position`: (Buffer, dtype name, shape). Raw latents are views of the file.")
        .def_property_readonly("has_image", [](const PyReader& r) { return r.get()->image_info().has_value(); },
                               "True when the file has an image (DATA) chunk.")
        .def_property_readonly(
            "image_info",
            [](const PyReader& r) -> py::object {
                const auto info = r.get()->image_info();
                if (!info) return py::none();
                py::dict d;
                d["chunk_index"] = info->chunk_index;
                d["format"] = info->format;
                d["width"] = info->width ? py::object(py::int_(*info->width)) : py::object(py::none());
                d["height"] = info->height ? py::object(py::int_(*info->height)) : py::object(py::none());
                d["size"] = info->size;
                return d;
            },
            "The image record (chunk_index, format, width, height, size), or None; reads no payload.")
        .def(
            "load_image",
            [](const PyReader& r) {
                const auto reader = r.get();
                py::gil_scoped_release release;
                raiiaf::Bytes payload = reader->load_image();
                return payload_buffer(*reader, reader->image_info()->chunk_index, std::move(payload));
            },
            "The image bytes, checked (raises ImageError when the file has none).")
        .def(
            "environment",
            [](const PyReader& r) -> py::object {
                const auto reader = r.get();
                std::optional<raiiaf::Environment> env;
                {
                    py::gil_scoped_release release;
                    env = reader->environment();
                }
                if (!env) return py::none();
                return environment_to_tuple(*env);
            },
            "The ENVC chunk as (env_version, [(id, canonical, digest_hex)]), or None.")
        .def(
            "drift",
            [](const PyReader& r) {
                const auto reader = r.get();
                std::vector<raiiaf::DriftEntry> entries;
                {
                    py::gil_scoped_release release;
                    entries = reader->drift();
                }
                py::list out;
                for (const auto& entry : entries) out.append(drift_entry(entry));
                return out;
            },
            "The file's environment against the current one: [(id, file, current, kind)].")
        .def(
            "load_payload",
            [](const PyReader& r, std::size_t index) {
                const auto reader = r.get();
                py::gil_scoped_release release;
                return payload_buffer(*reader, index, reader->load_payload(index));
            },
            py::arg("chunk_index"), "Any chunk's payload, decompressed and checked.")
        .def(
            "stored_bytes",
            [](const PyReader& r, std::size_t index) {
                const auto reader = r.get();
                return Buffer{reader->stored_bytes(index), false};
            },
            py::arg("chunk_index"), "A chunk exactly as stored in the file (a view).");

    m.def(
        "compare_environments",
        [](const py::list& file, const py::list& current) {
            const auto convert = [](const py::list& list) {
                raiiaf::Environment env;
                for (const auto& item : list) {
                    const auto pair = item.cast<py::tuple>();
                    env.components.push_back({pair[0].cast<std::string>(), pair[1].cast<std::string>()});
                }
                return env;
            };
            py::list out;
            for (const auto& entry : raiiaf::compare_environments(convert(file), convert(current)))
                out.append(drift_entry(entry));
            return out;
        },
        py::arg("file"), py::arg("current"),
        "Compares two lists of (id, canonical) components as the library does.");

    m.def(
        "check",
        [](const py::object& source, const py::object& limits) {
            const raiiaf::Limits l = limits_from(limits);
            raiiaf::CheckReport report;
            if (py::isinstance<py::bytes>(source)) {
                const std::string_view view = source.cast<py::bytes>();
                const auto span = std::as_bytes(std::span(view.data(), view.size()));
                py::gil_scoped_release release;
                report = raiiaf::check_bytes(span, l);
            } else {
                const std::string path = source.cast<std::string>();
                py::gil_scoped_release release;
                report = raiiaf::check_file(path, l);
            }
            py::list problems;
            for (const auto& problem : report.problems) problems.append(make_exception(problem.error, problem.message));
            py::dict d;
            d["layout"] = report.layout ? py::object(py::str(std::string(raiiaf::layout_name(*report.layout))))
                                        : py::object(py::none());
            d["chunk_count"] = report.chunk_count;
            d["problems"] = problems;
            return d;
        },
        py::arg("source"), py::arg("limits") = py::none(),
        "Whole-file check of a path or of bytes: {'layout', 'chunk_count', 'problems': [exception instances]}.");
}

}  // namespace raiiaf_py
