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


def to_png(data: bytes) -> bytes:
    """Re-encodes an image PIL can read (GIF, BMP, TIFF, ...) as PNG."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return pil_to_png(image)


def image_bytes(image: Any) -> bytes:
    """The bytes to store for `image`.

    bytes-like: stored as given. A path: the file's bytes, re-encoded as PNG
    unless it already is PNG, JPEG or WebP. A PIL image or a numpy array
    (H x W or H x W x C, uint8): encoded as PNG.
    """
    if isinstance(image, (bytes, bytearray, memoryview)):
        return bytes(image)
    if isinstance(image, (str, os.PathLike)):
        with open(image, "rb") as f:
            data = f.read()
        return data if sniff(data) else to_png(data)
    if _is_pil_image(image):
        return pil_to_png(image)
    if hasattr(image, "__array__"):
        import numpy as np
        from PIL import Image

        return pil_to_png(Image.fromarray(np.asarray(image)))
    raise TypeError(f"image must be bytes, a path, a PIL image or an array, not {type(image).__name__}")
