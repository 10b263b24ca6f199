"""gen5: the GEN5 layout of the raiiaf container, for code written against the existing ``gen5`` package.

::

    from gen5 import Gen5FileHandler
    h = Gen5FileHandler()
    h.file_encoder(filename="out.gen5", latent={"initial_noise": arr}, chunk_records=[], ...)
    d = h.file_decoder("out.gen5")

The work is done by the C++ library (shared with the ``raiiaf`` package).
"""

from raiiaf import __version__
from raiiaf._flavor import import_documented_modules as _import_documented_modules

from .core.exceptions import (
    Gen5ChunkError,
    Gen5CorruptHeader,
    Gen5DecodeError,
    Gen5EnvChunkError,
    Gen5ImageError,
    Gen5LatentError,
    Gen5MetadataError,
)
from .handlers.file_handler import Gen5FileHandler

_import_documented_modules(__name__)

__all__ = [
    "Gen5ChunkError",
    "Gen5CorruptHeader",
    "Gen5DecodeError",
    "Gen5EnvChunkError",
    "Gen5FileHandler",
    "Gen5ImageError",
    "Gen5LatentError",
    "Gen5MetadataError",
    "__version__",
]
