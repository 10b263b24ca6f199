// Shared pieces of the _raiiaf extension module. The module is a thin layer:
// framework-neutral functions and classes over the C++ library. Everything
// Pythonic (numpy arrays, warnings, the legacy API, exception families) lives
// in the pure-Python packages raiiaf/ and gen5/.
#pragma once

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <raiiaf/raiiaf.hpp>

namespace raiiaf_py {

namespace py = pybind11;

// A read-only (or, for buffers the library decoded into memory of their own,
// writable) byte buffer exposed through the buffer protocol. It holds the
// raiiaf::Bytes, and with it the keepalive: a memory-mapped file stays mapped
// as long as any numpy array made from one of these exists.
struct Buffer {
    raiiaf::Bytes bytes;
    bool writable = false;
};

// ---- errors (errors.cpp) ----------------------------------------------------

// Creates the exception classes in `m` and registers the translator that
// turns every raiiaf::Error into the matching one, with its location as
// attributes (reason, chunk_index, chunk_type, offset, json_path).
void register_errors(py::module_& m);
// An instance (not raised) of the Python class for this error.
py::object make_exception(const raiiaf::Error& error);
// The same for a problem stored in a CheckReport.
py::object make_exception(const std::exception_ptr& error, const std::string& message);

// ---- pieces (module.cpp / reader.cpp / writer.cpp) ----------------------------

raiiaf::Limits limits_from(const py::object& limits);
py::dict header_to_dict(const raiiaf::Header& header);
py::tuple environment_to_tuple(const raiiaf::Environment& env);
// A parsed JSON value as Python objects (dict keys in stored order).
py::object json_to_python(const raiiaf::Json& json);
py::str utf8_text(const std::string& s);

void register_reader(py::module_& m);
void register_writer(py::module_& m);
void register_catalog(py::module_& m);
void register_importer(py::module_& m);

}  // namespace raiiaf_py
