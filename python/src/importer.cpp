// Import of generator metadata (raiiaf/import.hpp): JSON text out, which the
// pure-Python layer (raiiaf/_import.py) turns into dicts with exact integers.
#include <raiiaf/import.hpp>

#include "binding.hpp"

namespace raiiaf_py {

namespace {

raiiaf::StealthSearch stealth_from(const std::string& name) {
    if (name == "auto") return raiiaf::StealthSearch::automatic;
    if (name == "always") return raiiaf::StealthSearch::always;
    if (name == "never") return raiiaf::StealthSearch::never;
    throw raiiaf::InvalidArgument("stealth must be \"auto\", \"always\" or \"never\", not \"" + name + "\"");
}

raiiaf::GenerationMetadata read_metadata(const py::bytes& data, const std::string& stealth, const py::object& limits) {
    const std::string_view view = data;
    raiiaf::ImportOptions options{stealth_from(stealth), limits_from(limits)};
    py::gil_scoped_release release;
    return raiiaf::read_generation_metadata(std::as_bytes(std::span(view.data(), view.size())), options);
}

std::string dump(const raiiaf::Json& value) { return value.dump(-1, ' ', false, raiiaf::Json::error_handler_t::replace); }

}  // namespace

void register_importer(py::module_& m) {
    m.def(
        "read_generation_metadata",
        [](const py::bytes& data, const std::string& stealth, const py::object& limits) {
            const auto metadata = read_metadata(data, stealth, limits);
            raiiaf::Json texts = raiiaf::Json::array();
            for (const auto& text : metadata.texts)
                texts.push_back({{"source", text.source}, {"key", text.key}, {"text", text.text}});
            return dump({{"image_format", metadata.image_format}, {"texts", texts}, {"record", metadata.record}});
        },
        py::arg("data"), py::arg("stealth") = "auto", py::arg("limits") = py::none(),
        "JSON text {image_format, texts: [{source, key, text}], record} of an image's generation metadata "
        "(record null when no generator is recognised).");
    m.def(
        "imported_model_info",
        [](const py::bytes& data, const std::string& stealth, const py::object& limits) {
            const raiiaf::ModelInfo model = raiiaf::imported_model_info(read_metadata(data, stealth, limits));
            raiiaf::Json out = {{"model_name", model.model_name}, {"version", model.version},
                                {"prompt", model.prompt},         {"tags", model.tags}};
            if (model.generation_settings) out["generation_settings"] = *model.generation_settings;
            for (const auto& [key, value] : model.extra.items()) out[key] = value;
            return dump(out);
        },
        py::arg("data"), py::arg("stealth") = "auto", py::arg("limits") = py::none(),
        "JSON text of the model_info an import of this image records; InvalidArgument when no generator is "
        "recognised.");
}

}  // namespace raiiaf_py
