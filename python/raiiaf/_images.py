"""Images in: bytes, a path, a PIL image or an array. PIL is imported only when needed."""

from __future__ import annotations

import io
import os
from typing import Any

from . import _raiiaf as _c


def sniff(data: bytes) -> str:
    """'png', 'jpeg', 'webp' for the formats the library stores natively, else ''."""
    return _c.detect_image_format(data)


def _is_pil_image(value: Any) -> bool:
    return hasattr(value, "save") and hasattr(value, "mode") and hasattr(value, "getbands")


def pil_to_png(image: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def to_png(data: bytes, name: str = "the image") -> bytes:
    """Re-encodes an image PIL can read (GIF, BMP, TIFF, ...) as PNG; ValueError naming
    `name` for anything else."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            return pil_to_png(image)
    except (UnidentifiedImageError, OSError, SyntaxError) as e:
        raise ValueError(f"{name} is not an image (PNG, JPEG, WebP or a format PIL reads): {e}") from None


def array_to_png(image: Any) -> bytes:
    """An image array as diffusers hands it over: H x W or H x W x C (C = 1, 3, 4), a batch of
    one (1 x H x W x C) too; uint8, or float in [0, 1] (``output_type="np"``)."""
    import numpy as np
    from PIL import Image

    array = np.asarray(image)
    if array.ndim == 4 and array.shape[0] == 1:
        array = array[0]
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)) or 0 in array.shape:
        raise ValueError(f"an image array must be H x W or H x W x 3/4, not of shape {array.shape}")
    if np.issubdtype(array.dtype, np.floating):
        if not np.all(np.isfinite(array)) or array.min() < 0 or array.max() > 1:
            raise ValueError("a float image array must hold values in [0, 1] (as diffusers' output_type=\"np\")")
        array = np.round(array.astype(np.float64) * 255).astype(np.uint8)
    elif array.dtype == np.bool_:
        array = array.astype(np.uint8) * 255
    elif array.dtype != np.uint8:
        raise ValueError(f"an image array must be uint8 or float in [0, 1], not {array.dtype}")
    return pil_to_png(Image.fromarray(np.ascontiguousarray(array)))


def image_bytes(image: Any) -> bytes:
    """The bytes to store for `image`.

    bytes-like: stored as given. A path: the file's bytes, re-encoded as PNG
    unless it already is PNG, JPEG or WebP. A PIL image or an array
    (see array_to_png): encoded as PNG.
    """
    if isinstance(image, (bytes, bytearray, memoryview)):
        return bytes(image)
    if isinstance(image, (str, os.PathLike)):
        with open(image, "rb") as f:
            data = f.read()
        return data if sniff(data) else to_png(data, os.fsdecode(image))
    if _is_pil_image(image):
        return pil_to_png(image)
    if hasattr(image, "__array__"):
        return array_to_png(image)
    raise TypeError(f"image must be bytes, a path, a PIL image or an array, not {type(image).__name__}")
