// The C++ exception hierarchy as Python classes of raiiaf._raiiaf. The Python
// packages translate these into their own families (raiiafDecodeError, ...,
// Gen5DecodeError, ...) in one place: raiiaf/_errors.py.
#include <cstring>
#include <string>

#include "binding.hpp"

namespace raiiaf_py {

namespace {

// Strong references held for the life of the process (exception classes are
// never unloaded; keeping them avoids any teardown-order question).
struct Classes {
    PyObject* error = nullptr;
    PyObject* decode = nullptr;
    PyObject* corrupt_header = nullptr;
    PyObject* metadata = nullptr;
    PyObject* chunk = nullptr;
    PyObject* latent = nullptr;
    PyObject* image = nullptr;
    PyObject* env_chunk = nullptr;
    PyObject* tensor_file = nullptr;
    PyObject* invalid_argument = nullptr;
    PyObject* io_error = nullptr;
};
Classes classes;

PyObject* new_class(py::module_& m, const char* name, py::tuple bases, const char* doc) {
    const std::string qualified = std::string("raiiaf._raiiaf.") + name;
    PyObject* cls = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases.ptr(), nullptr);
    if (cls == nullptr) throw py::error_already_set();
    m.attr(name) = py::reinterpret_borrow<py::object>(cls);
    return cls;  // the new reference stays in `classes`
}

py::tuple bases_of(PyObject* a, PyObject* b = nullptr) {
    return b ? py::make_tuple(py::handle(a), py::handle(b)) : py::make_tuple(py::handle(a));
}

PyObject* class_for(const raiiaf::Error& e) {
    if (dynamic_cast<const raiiaf::LatentError*>(&e)) return classes.latent;
    if (dynamic_cast<const raiiaf::ImageError*>(&e)) return classes.image;
    if (dynamic_cast<const raiiaf::EnvChunkError*>(&e)) return classes.env_chunk;
    if (dynamic_cast<const raiiaf::ChunkError*>(&e)) return classes.chunk;
    if (dynamic_cast<const raiiaf::CorruptHeader*>(&e)) return classes.corrupt_header;
    if (dynamic_cast<const raiiaf::MetadataError*>(&e)) return classes.metadata;
    if (dynamic_cast<const raiiaf::TensorFileError*>(&e)) return classes.tensor_file;
    if (dynamic_cast<const raiiaf::DecodeError*>(&e)) return classes.decode;
    if (dynamic_cast<const raiiaf::InvalidArgument*>(&e)) return classes.invalid_argument;
    if (dynamic_cast<const raiiaf::IoError*>(&e)) return classes.io_error;
    return classes.error;
}

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
    py::handle exception(PyExc_Exception);
    classes.error = new_class(m, "Error", bases_of(exception.ptr()), "Base of every error the raiiaf library raises.");
    classes.decode = new_class(m, "DecodeError", bases_of(classes.error), "A file is damaged or not a raiiaf/GEN5 file.");
    classes.corrupt_header = new_class(m, "CorruptHeader", bases_of(classes.decode), "The header is damaged.");
    classes.metadata = new_class(m, "MetadataError", bases_of(classes.decode), "The manifest is damaged.");
    classes.chunk = new_class(m, "ChunkError", bases_of(classes.decode), "A chunk is damaged.");
    classes.latent = new_class(m, "LatentError", bases_of(classes.chunk), "A latent (LATN) chunk is damaged.");
    classes.image = new_class(m, "ImageError", bases_of(classes.chunk), "The image (DATA) chunk is damaged.");
    classes.env_chunk = new_class(m, "EnvChunkError", bases_of(classes.chunk), "The environment (ENVC) chunk is damaged.");
    classes.tensor_file = new_class(m, "TensorFileError", bases_of(classes.decode), "A .npy or .safetensors input is malformed.");
    classes.invalid_argument = new_class(m, "InvalidArgument", bases_of(classes.error, PyExc_ValueError),
                                         "Something the writer cannot store was passed in.");
    classes.io_error = new_class(m, "IoError", bases_of(classes.error, PyExc_OSError),
                                 "The operating system refused a file operation.");

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
