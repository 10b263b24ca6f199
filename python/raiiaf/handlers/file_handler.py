"""RAIIAF file handler for encoding and decoding .raiiaf artifacts.

Drop-in for the existing package's ``raiiafFileHandler``; the work is done by
the C++ library. See ``raiiaf._legacy`` for where it deliberately differs.
"""

from .._flavor import RAIIAF
from .._legacy import LegacyFileHandler
from ..chunks.env import raiiafEnv
from ..chunks.image import raiiafImage
from ..chunks.latent import raiiafLatent
from ..chunks.metadata import raiiafMetadata


class raiiafFileHandler(LegacyFileHandler):
    """High-level API for reading and writing RAIIAF files.

    ``raiiafFileHandler(max_file_size=None, max_chunk_size=None)``; methods
    ``file_encoder``, ``file_decoder``, ``png_to_bytes``, ``bytes_to_png``,
    ``validate_file_size``, ``validate_chunk_count``; ``HEADER_SIZE`` is 33.
    """

    _flavor = RAIIAF
    _latent_class = raiiafLatent
    _image_class = raiiafImage
    _metadata_class = raiiafMetadata
    _env_class = raiiafEnv


__all__ = ["raiiafFileHandler"]
