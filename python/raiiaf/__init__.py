"""raiiaf: single-file containers for diffusion-model artifacts, backed by a C++ library.

Two APIs share this package:

* the existing package's, unchanged::

      from raiiaf import raiiafFileHandler
      h = raiiafFileHandler()
      h.file_encoder(filename="out.raiiaf", latent={"initial_noise": arr}, chunk_records=[], ...)
      d = h.file_decoder("out.raiiaf")

* a Pythonic one::

      raiiaf.save("out.raiiaf", image=png, latents={"initial_noise": arr}, prompt="...")
      with raiiaf.open("out.raiiaf") as art:
          art.latents["initial_noise"], art.image(), art.drift(), art.verify()

``gen5`` is the same for the GEN5 layout (``Gen5FileHandler``).
"""

from . import _raiiaf
from ._flavor import import_documented_modules as _import_documented_modules
from ._env import DriftEntry, EnvChunk, EnvComponent
from .api import Artifact, Latents, check, dumps, environment, open, save
from ._import import import_image, read_generation_metadata, read_metadata_texts
from .core.exceptions import (
    raiiafChunkError,
    raiiafCorruptHeader,
    raiiafDecodeError,
    raiiafEnvChunkError,
    raiiafImageError,
    raiiafLatentError,
    raiiafMetadataError,
)
from .handlers.file_handler import raiiafFileHandler

#: Raised (a ValueError) for what the writer cannot store.
InvalidArgument = _raiiaf.InvalidArgument

__version__ = _raiiaf.library_version()

_import_documented_modules(__name__)

__all__ = [
    "Artifact",
    "DriftEntry",
    "EnvChunk",
    "EnvComponent",
    "InvalidArgument",
    "Latents",
    "check",
    "dumps",
    "environment",
    "import_image",
    "open",
    "raiiafChunkError",
    "raiiafCorruptHeader",
    "raiiafDecodeError",
    "raiiafEnvChunkError",
    "raiiafFileHandler",
    "raiiafImageError",
    "raiiafLatentError",
    "raiiafMetadataError",
    "read_generation_metadata",
    "read_metadata_texts",
    "save",
]
