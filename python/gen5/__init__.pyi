from .core.exceptions import Gen5ChunkError as Gen5ChunkError, Gen5CorruptHeader as Gen5CorruptHeader, Gen5DecodeError as Gen5DecodeError, Gen5EnvChunkError as Gen5EnvChunkError, Gen5ImageError as Gen5ImageError, Gen5LatentError as Gen5LatentError, Gen5MetadataError as Gen5MetadataError
from .handlers.file_handler import Gen5FileHandler as Gen5FileHandler
from raiiaf import __version__ as __version__
