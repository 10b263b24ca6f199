// The C++ exception hierarchy as Python classes of raiiaf._raiiaf. The Python
// packages translate these into their own families (raiiafDecodeError, ...,
// Gen5DecodeError, ...) in one place: raiiaf/_errors.py.
#include <array>
#include <cstring>
#include <string>

#include "binding.hpp"

namespace raiiaf_py {

namespace {

// One Python class per raiiaf::ErrorCode, named and parented as the C++
// classes are (error_code_name, error_code_parent). Strong references held for
// the life of the process (exception classes are never unloaded; keeping them
// avoids any teardown-order question).
constexpr int kLastCode = static_cast<int>(raiiaf::ErrorCode::io);
std::array<PyObject*, kLastCode + 1> classes_by_code{};

const char* doc_of(raiiaf::ErrorCode code) {
    using raiiaf::ErrorCode;
    switch (code) {
        case ErrorCode::other: return "Base of every error the raiiaf library raises.";
        case ErrorCode::decode: return "A file is damaged or not a raiiaf/GEN5 file.";
        case ErrorCode::corrupt_header: return "The header is damaged.";
        case ErrorCode::metadata: return "The manifest is damaged.";
        case ErrorCode::chunk: return "A chunk is damaged.";
        case ErrorCode::latent: return "A latent (LATN) chunk is damaged.";
        case ErrorCode::image: return "The image (DATA) chunk is damaged.";
        case ErrorCode::env_chunk: return "The environment (ENVC) chunk is damaged.";
        case ErrorCode::tensor_file: return "A .npy or .safetensors input is malformed.";
        case ErrorCode::invalid_argument: return "Something the writer cannot store was passed in.";
        case ErrorCode::io: return "The operating system refused a file operation.";
    }
    return "";
}

PyObject* new_class(py::module_& m, raiiaf::ErrorCode code) {
    const std::string name(raiiaf::error_code_name(code));
    const std::string qualified = "raiiaf._raiiaf." + name;
    const auto parent = raiiaf::error_code_parent(code);
    py::handle base = parent ? py::handle(classes_by_code[static_cast<int>(*parent)]) : py::handle(PyExc_Exception);
    py::tuple bases = py::make_tuple(base);
    // Bad arguments and refused file operations are also the Python built-ins.
    if (code == raiiaf::ErrorCode::invalid_argument) bases = py::make_tuple(base, py::handle(PyExc_ValueError));
    if (code == raiiaf::ErrorCode::io) bases = py::make_tuple(base, py::handle(PyExc_OSError));
    PyObject* cls = PyErr_NewExceptionWithDoc(qualified.c_str(), doc_of(code), bases.ptr(), nullptr);
    if (cls == nullptr) throw py::error_already_set();
    m.attr(name.c_str()) = py::reinterpret_borrow<py::object>(cls);
    return cls;  // the new reference stays in classes_by_code
}

PyObject* class_for(const raiiaf::Error& e) { return classes_by_code[static_cast<int>(e.code())]; }

// Messages can quote bytes from a damaged file: never fail on bad UTF-8.
py::str text(const std::string& s) {
    PyObject* obj = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "backslashreplace");
    if (obj == nullptr) throw py::error_already_set();
    return py::reinterpret_steal<py::str>(obj);
}

py::object instance_of(PyObject* cls, const std::string& what) {
    py::object instance = py::reinterpret_borrow<py::object>(cls)(text(what));
    return instance;
}

}  // namespace

py::object make_exception(const raiiaf::Error& error) {
    py::object instance = instance_of(class_for(error), error.what());
    const raiiaf::ErrorLocation& where = error.where();
    instance.attr("code") = py::str(std::string(raiiaf::error_code_name(error.code())));
    instance.attr("reason") = text(error.reason());
    instance.attr("chunk_index") = where.chunk_index ? py::object(py::int_(*where.chunk_index)) : py::object(py::none());
    instance.attr("chunk_type") = where.chunk_type.empty() ? py::object(py::none()) : py::object(text(where.chunk_type));
    instance.attr("offset") = where.offset ? py::object(py::int_(*where.offset)) : py::object(py::none());
    instance.attr("json_path") = where.json_path.empty() ? py::object(py::none()) : py::object(text(where.json_path));
    // The real errno, so that Python can raise PermissionError, ENOSPC, ... (issue 12).
    if (const auto* io = dynamic_cast<const raiiaf::IoError*>(&error); io && io->system_error() != 0) {
        instance.attr("errno") = py::int_(io->system_error());
        instance.attr("strerror") = text(std::strerror(io->system_error()));
    }
    return instance;
}

py::object make_exception(const std::exception_ptr& error, const std::string& message) {
    try {
        std::rethrow_exception(error);
    } catch (const raiiaf::Error& e) {
        return make_exception(e);
    } catch (const std::exception& e) {
        return make_exception(raiiaf::DecodeError(e.what()));
    } catch (...) {
        return make_exception(raiiaf::DecodeError(message));
    }
}

void register_errors(py::module_& m) {
    // Parents have smaller codes than their children, so they exist first.
    for (int value = 1; value <= kLastCode; ++value)
        classes_by_code[value] = new_class(m, static_cast<raiiaf::ErrorCode>(value));

    py::register_exception_translator([](std::exception_ptr p) {
        if (!p) return;
        try {
            std::rethrow_exception(p);
        } catch (const raiiaf::Error& e) {
            py::object instance = make_exception(e);
            PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(instance.ptr())), instance.ptr());
        }
    });
}

}  // namespace raiiaf_py
