"""What differs between the RAIIAF and the GEN5 layout, for the legacy API."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from . import _raiiaf as _c
from ._errors import Family
from .core import exceptions as _exceptions


@dataclass(frozen=True)
class Flavor:
    """One layout as the legacy classes see it."""

    layout: str  # the library's layout name: "raiiaf" or "gen5"
    magic: bytes  # header magic
    extension: str  # file name suffix the legacy encoder requires
    metadata_key: str  # top-level key of the manifest
    compressed_codec: str  # what should_compress=True means for latents
    has_split_points: bool  # records carry len_header / len_data
    family: Family

    @property
    def header_size(self) -> int:
        return _c.header_size(self.layout)


RAIIAF = Flavor(
    layout="raiiaf",
    magic=b"raiiaf",
    extension=".raiiaf",
    metadata_key="raiiaf_metadata",
    compressed_codec="zfp",
    has_split_points=True,
    family=Family(
        decode=_exceptions.raiiafDecodeError,
        header=_exceptions.raiiafCorruptHeader,
        metadata=_exceptions.raiiafMetadataError,
        chunk=_exceptions.raiiafChunkError,
        latent=_exceptions.raiiafLatentError,
        image=_exceptions.raiiafImageError,
        env=_exceptions.raiiafEnvChunkError,
    ),
)


# The modules PYTHON_API.md documents, relative to the package (raiiaf or gen5).
DOCUMENTED_MODULES = ("main", "core.constants", "core.exceptions", "core.header", "chunks.env", "chunks.image",
                      "chunks.latent", "chunks.metadata", "handlers.file_handler")


def import_documented_modules(package: str) -> None:
    """Imports every documented module of `package`: as with the existing package, ``import raiiaf``
    makes ``raiiaf.core.header``, ``raiiaf.chunks.latent``, ... reachable as attributes."""
    for module in DOCUMENTED_MODULES:
        importlib.import_module(f"{package}.{module}")
