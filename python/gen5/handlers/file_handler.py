"""GEN5 file handler for encoding and decoding .gen5 artifacts.

Drop-in for the existing package's ``Gen5FileHandler``; the work is done by
the C++ library (see ``raiiaf._legacy`` for where it deliberately differs).
"""

from raiiaf._legacy import LegacyFileHandler

from .._flavor import GEN5
from ..chunks.env import Gen5Env
from ..chunks.image import Gen5Image
from ..chunks.latent import Gen5Latent
from ..chunks.metadata import Gen5Metadata


class Gen5FileHandler(LegacyFileHandler):
    """High-level API for reading and writing GEN5 files (``HEADER_SIZE`` is 32;
    ``should_compress`` means zstd)."""

    _flavor = GEN5
    _latent_class = Gen5Latent
    _image_class = Gen5Image
    _metadata_class = Gen5Metadata
    _env_class = Gen5Env


__all__ = ["Gen5FileHandler"]
