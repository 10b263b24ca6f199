"""Translation of the compiled module's errors into the packages' exception classes.

This is the one place where errors of the C++ library become Python exceptions
of the package in use. The compiled module raises its own classes
(``raiiaf._raiiaf.CorruptHeader``, ...); every call into it that can meet a
damaged file runs inside :func:`translated`, which re-raises the matching class
of a :class:`Family` (``raiiafCorruptHeader`` for the ``raiiaf`` package,
``Gen5CorruptHeader`` for ``gen5``).

Mapping (C++ -> Python):

==========================  ======================================
raiiaf::CorruptHeader       <prefix>CorruptHeader
raiiaf::MetadataError       <prefix>MetadataError
raiiaf::ChunkError          <prefix>ChunkError
raiiaf::LatentError         <prefix>LatentError
raiiaf::ImageError          <prefix>ImageError
raiiaf::EnvChunkError       <prefix>EnvChunkError
raiiaf::DecodeError         <prefix>DecodeError (also TensorFileError)
raiiaf::InvalidArgument     ValueError (raiiaf.InvalidArgument)
raiiaf::IoError             OSError (FileNotFoundError when the file is missing)
==========================  ======================================

The translated exception carries the location the library reported as
attributes: ``reason``, ``chunk_index``, ``chunk_type``, ``offset`` and
``json_path`` (``None`` where unknown).
"""

from __future__ import annotations

import contextlib
import errno
import os
from typing import Dict, Iterator, Optional, Type

from . import _raiiaf as _c

_LOCATION_ATTRIBUTES = ("reason", "chunk_index", "chunk_type", "offset", "json_path")

# The one definition of the legacy exception classes of both packages, in
# the existing package's order: name after the package's prefix, base, the
# text each class puts before the message it is given (then passes to its
# base), docstring. ``{prefix}`` is the package's class prefix (raiiaf,
# Gen5), ``{LAYOUT}`` its layout in capitals.
LEGACY_EXCEPTIONS = (
    ("DecodeError", None, "{prefix} Decode Error: ", "Base error for {LAYOUT} decoding/validation failures."),
    ("CorruptHeader", "DecodeError", "Corrupt header: ", "Raised when the file header is detected as corrupt or invalid."),
    ("MetadataError", "DecodeError", "Corrupt Metadata: ",
     "Raised when the metadata (manifest) is invalid or cannot be parsed."),
    ("ChunkError", "DecodeError", "Corrupt Chunk: ",
     "Raised for generic chunk-level issues (truncation, bounds, hash mismatch, etc.)."),
    ("LatentError", "ChunkError", "Corrupt Latent: ", "Raised for latent (LATN) chunk issues."),
    ("ImageError", "ChunkError", "Corrupt Image: ", "Raised for image (DATA) chunk issues or image conversion errors."),
    ("EnvChunkError", "ChunkError", "Corrupt Environment Chunk: ",
     "Raised for environment (ENVC) chunk parsing/validation issues."),
)


def _prefixing_class(name: str, base: Type[Exception], text: str, doc: str, module: str) -> Type[Exception]:
    def __init__(self, message: str):  # type: ignore[no-untyped-def]
        super(cls, self).__init__(text + message)

    __init__.__qualname__ = f"{name}.__init__"
    __init__.__module__ = module
    __init__.__annotations__ = {"message": str}  # the type, not this module's postponed "str"
    namespace: Dict[str, object] = {"__init__": __init__, "__doc__": doc, "__module__": module}
    if base is Exception:  # where the library found the damage; None when unknown
        namespace.update({attribute: None for attribute in _LOCATION_ATTRIBUTES})
        namespace["__annotations__"] = {"reason": Optional[str], "chunk_index": Optional[int],
                                        "chunk_type": Optional[str], "offset": Optional[int],
                                        "json_path": Optional[str]}
    cls = type(name, (base,), namespace)
    return cls


def legacy_exception_classes(prefix: str, layout: str, module: str) -> Dict[str, Type[Exception]]:
    """The classes of LEGACY_EXCEPTIONS for one package, by their public names
    (``raiiafDecodeError``, ...), as defined in `module` (its ``core.exceptions``)."""
    classes: Dict[str, Type[Exception]] = {}
    for suffix, base, text, doc in LEGACY_EXCEPTIONS:
        name = prefix + suffix
        classes[name] = _prefixing_class(name, classes[prefix + base] if base else Exception,
                                         text.format(prefix=prefix), doc.format(LAYOUT=layout.upper()), module)
    return classes


class Family:
    """The exception classes of one package (``raiiaf`` or ``gen5``)."""

    def __init__(self, decode: Type[Exception], header: Type[Exception], metadata: Type[Exception],
                 chunk: Type[Exception], latent: Type[Exception], image: Type[Exception],
                 env: Type[Exception]) -> None:
        self.decode = decode
        self.header = header
        self.metadata = metadata
        self.chunk = chunk
        self.latent = latent
        self.image = image
        self.env = env
        # Bad input given to the legacy encoder: the existing package raised its
        # LatentError / ImageError there; these are also ValueErrors.
        self.invalid_latent = _dual(latent)
        self.invalid_image = _dual(image)
        # Keyed by the native error's ``code``: the C++ class name (raiiaf::error_code_name),
        # which is also the native Python class's name (for errors raised from Python).
        self._by_code: Dict[str, Type[Exception]] = {
            "CorruptHeader": header,
            "MetadataError": metadata,
            "LatentError": latent,
            "ImageError": image,
            "EnvChunkError": env,
            "ChunkError": chunk,
            "TensorFileError": decode,
            "DecodeError": decode,
        }

    def convert(self, error: BaseException, cls: Optional[Type[Exception]] = None,
                message: Optional[str] = None) -> Exception:
        """An exception of this family for a native error (not raised)."""
        if cls is None:
            code = getattr(error, "code", None) or type(error).__name__
            cls = self._by_code.get(code, self.decode)
        result = cls(str(error) if message is None else message)
        for name in _LOCATION_ATTRIBUTES:
            value = getattr(error, name, None)
            if value is not None:
                setattr(result, name, value)
        return result


def _dual(cls: Type[Exception]) -> Type[Exception]:
    return type(cls.__name__, (cls, ValueError), {"__module__": cls.__module__, "__doc__": cls.__doc__})


def os_error(error: BaseException, path: Optional[str]) -> OSError:
    """An OSError of the right subclass for a native IoError."""
    message = str(error)
    code = getattr(error, "errno", None)
    if isinstance(code, int) and code != 0:
        # OSError(errno, ...) is the matching subclass: PermissionError for
        # EACCES, FileNotFoundError for ENOENT, OSError with errno ENOSPC, ...
        return OSError(code, message, path)
    if path is not None and not os.path.lexists(path):
        return FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), path)
    if path is not None and os.path.isdir(path):
        return IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
    if "Permission denied" in message:
        return PermissionError(errno.EACCES, message, path)
    return OSError(message)


@contextlib.contextmanager
def translated(family: Family, path: Optional[str] = None) -> Iterator[None]:
    """Runs a block, re-raising native errors as ``family``'s classes."""
    try:
        yield
    except _c.DecodeError as error:
        raise family.convert(error) from None
    except _c.IoError as error:
        raise os_error(error, path) from None

