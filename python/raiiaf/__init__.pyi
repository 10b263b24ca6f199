from ._env import DriftEntry as DriftEntry, EnvChunk as EnvChunk, EnvComponent as EnvComponent
from .api import Artifact as Artifact, Latents as Latents, check as check, dumps as dumps, environment as environment, open as open, save as save
from ._import import import_image as import_image, read_generation_metadata as read_generation_metadata, read_metadata_texts as read_metadata_texts
from .core.exceptions import raiiafChunkError as raiiafChunkError, raiiafCorruptHeader as raiiafCorruptHeader, raiiafDecodeError as raiiafDecodeError, raiiafEnvChunkError as raiiafEnvChunkError, raiiafImageError as raiiafImageError, raiiafLatentError as raiiafLatentError, raiiafMetadataError as raiiafMetadataError
from .handlers.file_handler import raiiafFileHandler as raiiafFileHandler
from _typeshed import Incomplete

InvalidArgument: Incomplete
