"""Arrays in and out: numpy, torch (duck-typed, never imported) and DLPack.

In: anything array-like becomes a C-contiguous, little-endian numpy array and
the library's element-type name. Torch tensors are detached and moved to the
CPU; bfloat16 tensors keep their bits (numpy has no bfloat16).

Out: a Buffer from the compiled module becomes a numpy array *on the same
memory* (numpy.frombuffer): raw latents stay views of the memory-mapped file,
read-only, and keep the mapping alive.
"""

from __future__ import annotations

import sys
from typing import Any, Dict, Sequence, Tuple

import numpy as np

# numpy dtype -> the library's element-type name.
_NAMES: Dict[np.dtype, str] = {
    np.dtype(np.float16): "float16",
    np.dtype(np.float32): "float32",
    np.dtype(np.float64): "float64",
    np.dtype(np.int8): "int8",
    np.dtype(np.int16): "int16",
    np.dtype(np.int32): "int32",
    np.dtype(np.int64): "int64",
    np.dtype(np.uint8): "uint8",
    np.dtype(np.bool_): "bool",
}

# The library's element-type name -> numpy dtype as stored (little-endian).
_DTYPES: Dict[str, np.dtype] = {
    "float16": np.dtype("<f2"),
    "float32": np.dtype("<f4"),
    "float64": np.dtype("<f8"),
    "int8": np.dtype("i1"),
    "int16": np.dtype("<i2"),
    "int32": np.dtype("<i4"),
    "int64": np.dtype("<i8"),
    "uint8": np.dtype("u1"),
    "bool": np.dtype("?"),
}


def _is_torch_tensor(value: Any) -> bool:
    module = type(value).__module__ or ""
    return module.split(".")[0] == "torch" and hasattr(value, "numpy") and hasattr(value, "detach")


def _from_torch(tensor: Any) -> Tuple[np.ndarray, str]:
    t = tensor.detach()
    device = getattr(t, "device", None)
    if device is not None and getattr(device, "type", "cpu") != "cpu":
        t = t.cpu()
    if hasattr(t, "resolve_conj"):
        t = t.resolve_conj()
    if str(getattr(t, "dtype", "")) == "torch.bfloat16":
        torch = sys.modules.get("torch")
        if torch is None:  # pragma: no cover - a tensor without its module
            raise TypeError("a bfloat16 tensor, but torch is not imported")
        bits = t.contiguous().view(torch.int16).numpy().view(np.uint16)
        return np.ascontiguousarray(bits), "bfloat16"
    return _normalise(np.asarray(t.numpy()))


def _normalise(array: np.ndarray) -> Tuple[np.ndarray, str]:
    dtype = array.dtype
    if dtype.byteorder == ">":
        array = array.astype(dtype.newbyteorder("<"))
        dtype = array.dtype
    name = _NAMES.get(np.dtype(dtype.type) if dtype.kind != "b" else np.dtype(np.bool_))
    if name is None:
        raise ValueError(
            f"unsupported element type {array.dtype}; supported: float16, bfloat16 (torch), float32, "
            "float64, int8, int16, int32, int64, uint8, bool")
    if not array.flags.c_contiguous:
        array = array.copy(order="C")
    return array, name


def as_array(value: Any) -> Tuple[np.ndarray, str]:
    """A C-contiguous little-endian numpy array for `value` and its element-type name.

    Accepts numpy arrays, torch tensors (any device, with or without grad),
    objects with ``__dlpack__`` or ``__array__``, objects with a ``numpy()``
    method, and anything ``numpy.asarray`` takes.
    """
    if isinstance(value, np.ndarray):
        return _normalise(value)
    if _is_torch_tensor(value):
        return _from_torch(value)
    if hasattr(value, "__dlpack__"):
        try:
            return _normalise(np.from_dlpack(value))
        except (TypeError, ValueError, RuntimeError, BufferError, AttributeError):
            pass  # e.g. a device numpy cannot read: try the other protocols
    if hasattr(value, "__array__"):
        return _normalise(np.asarray(value))
    numpy_method = getattr(value, "numpy", None)
    if callable(numpy_method):
        return _normalise(np.asarray(numpy_method()))
    return _normalise(np.asarray(value))


def to_ndarray(buffer: Any, dtype: str, shape: Sequence[int]) -> np.ndarray:
    """A numpy array over a Buffer's memory (bfloat16 is widened to float32)."""
    shape = tuple(int(d) for d in shape)
    if dtype == "bfloat16":
        bits = np.frombuffer(buffer, dtype="<u2")
        return (bits.astype(np.uint32) << 16).view(np.float32).reshape(shape)
    return np.frombuffer(buffer, dtype=_DTYPES[dtype]).reshape(shape)

