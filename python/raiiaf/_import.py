"""Import of the generation metadata images already carry.

AUTOMATIC1111 and its forks, ComfyUI, InvokeAI, NovelAI, Fooocus, RuinedFooocus
and SwarmUI write their settings into PNG text chunks, EXIF tags or the
pixels' low bits; :func:`read_generation_metadata` reads them into one record
and :func:`import_image` makes an artifact of the image, keeping it byte for
byte with every original metadata text (docs/FORMAT.md, "Imported artifacts").
"""

from __future__ import annotations

import json
import os
import pathlib
from typing import Any, Dict, List, Mapping, Optional, Union

from . import _raiiaf as _c
from ._errors import translated
from ._flavor import RAIIAF

_FAMILY = RAIIAF.family
PathLike = Union[str, "os.PathLike[str]"]
Source = Union[PathLike, bytes, bytearray, memoryview]


def _read(source: Source) -> bytes:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    with open(os.fspath(source), "rb") as f:
        return f.read()


def read_generation_metadata(source: Source, *, stealth: str = "auto",
                             limits: Optional[Dict[str, int]] = None) -> Optional[Dict[str, Any]]:
    """The generation record of an image (a path or its bytes), or None when no known generator wrote it.

    The record's keys: generator, software, prompt, negative_prompt, seed, steps,
    cfg_scale, sampler, scheduler, model ({name, hash}), width, height (the
    generation size), and for ComfyUI graphs primary_sampler_id and samplers.
    Seeds are exact ints. ``stealth``: "auto" (look in the pixels when the text
    chunks name no generator, or NovelAI), "always" or "never".

    Raises:
        raiiafImageError: for a malformed image (truncated, lying lengths, bad CRC, a
            compressed text past the limit).
    """
    data = _read(source)
    with translated(_FAMILY):
        text = _c.read_generation_metadata(data, stealth, limits)
    record: Optional[Dict[str, Any]] = json.loads(text)["record"]
    return record


def read_metadata_texts(source: Source, *, stealth: str = "auto",
                        limits: Optional[Dict[str, int]] = None) -> List[Dict[str, str]]:
    """Every metadata text of an image as stored: [{"source", "key", "text"}] ("png:tEXt", "exif:UserComment", ...)."""
    data = _read(source)
    with translated(_FAMILY):
        text = _c.read_generation_metadata(data, stealth, limits)
    texts: List[Dict[str, str]] = json.loads(text)["texts"]
    return texts


def import_image(path: Source, out: PathLike, latents: Optional[Mapping[str, Any]] = None, *,
                 stealth: str = "auto", codec: str = "raw") -> pathlib.Path:
    """Writes an artifact of an image that carries generation metadata and returns its path.

    The image is stored byte for byte; model_info gets the record (prompt, model name,
    settings and every original metadata text, docs/FORMAT.md "Imported artifacts");
    ``latents`` (name -> array) are stored beside it as :func:`raiiaf.save` does.

    Raises:
        ValueError: when no known generator's metadata is found.
        raiiafImageError: for a malformed image.
    """
    from .api import save

    data = _read(path)
    with translated(_FAMILY):
        info: Dict[str, Any] = json.loads(_c.imported_model_info(data, stealth, None))
    settings = info.pop("generation_settings", None)
    named = {key: info.pop(key) for key in ("model_name", "version", "prompt", "tags")}
    return save(out, image=data, latents=latents, prompt=named["prompt"], model=named["model_name"],
                model_version=named["version"], settings=settings, tags=named["tags"], codec=codec,
                extra=info or None)
