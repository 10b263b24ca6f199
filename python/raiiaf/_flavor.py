"""What differs between the RAIIAF and the GEN5 layout, for the legacy API."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from . import _raiiaf as _c
from ._errors import LEGACY_EXCEPTIONS, Family


@dataclass(frozen=True)
class Flavor:
    """One layout as the legacy classes see it."""

    layout: str  # the library's layout name: "raiiaf" or "gen5"
    magic: bytes  # header magic
    extension: str  # file name suffix the legacy encoder requires
    metadata_key: str  # top-level key of the manifest
    compressed_codec: str  # what should_compress=True means for latents (the library's codec table)
    has_split_points: bool  # records carry len_header / len_data
    family: Family

    @property
    def header_size(self) -> int:
        return _c.header_size(self.layout)


# The one table of what differs between the layouts, for the legacy API:
# layout -> (package, magic, extension, split points, exception prefix).
LAYOUTS = {
    "raiiaf": ("raiiaf", b"raiiaf", ".raiiaf", True, "raiiaf"),
    "gen5": ("gen5", b"GEN5", ".gen5", False, "Gen5"),
}


def flavor_of(layout: str) -> Flavor:
    """The Flavor of `layout`; its exception classes are those of the package's core.exceptions."""
    package, magic, extension, split_points, prefix = LAYOUTS[layout]
    exceptions = importlib.import_module(f"{package}.core.exceptions")
    cls = {name: getattr(exceptions, prefix + name) for name, *_ in LEGACY_EXCEPTIONS}
    return Flavor(
        layout=layout, magic=magic, extension=extension, metadata_key=f"{layout}_metadata",
        compressed_codec=_c.implicit_compressed_codec(layout),
        has_split_points=split_points,
        family=Family(decode=cls["DecodeError"], header=cls["CorruptHeader"], metadata=cls["MetadataError"],
                      chunk=cls["ChunkError"], latent=cls["LatentError"], image=cls["ImageError"],
                      env=cls["EnvChunkError"]))


RAIIAF = flavor_of("raiiaf")


# The modules PYTHON_API.md documents, relative to the package (raiiaf or gen5).
DOCUMENTED_MODULES = ("main", "core.constants", "core.exceptions", "core.header", "chunks.env", "chunks.image",
                      "chunks.latent", "chunks.metadata", "handlers.file_handler")


def import_documented_modules(package: str) -> None:
    """Imports every documented module of `package`: as with the existing package, ``import raiiaf``
    makes ``raiiaf.core.header``, ``raiiaf.chunks.latent``, ... reachable as attributes."""
    for module in DOCUMENTED_MODULES:
        importlib.import_module(f"{package}.{module}")
