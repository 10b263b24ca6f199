"""Exception hierarchy for GEN5 operations::

    Gen5DecodeError                    (Exception)
    +-- Gen5CorruptHeader
    +-- Gen5MetadataError
    +-- Gen5ChunkError
        +-- Gen5LatentError
        +-- Gen5ImageError
        +-- Gen5EnvChunkError

As in the existing package, each class prefixes the message it is given and
passes it to its base, so ``str(Gen5LatentError("x"))`` is
``"Gen5 Decode Error: Corrupt Chunk: Corrupt Latent: x"``.

Errors raised for a damaged file also carry where the library found the
damage: ``reason``, ``chunk_index``, ``chunk_type``, ``offset``, ``json_path``
(each ``None`` when unknown).
"""

from typing import Optional


class Gen5DecodeError(Exception):
    """Base error for GEN5 decoding/validation failures."""

    reason: Optional[str] = None
    chunk_index: Optional[int] = None
    chunk_type: Optional[str] = None
    offset: Optional[int] = None
    json_path: Optional[str] = None

    def __init__(self, message: str):
        super().__init__(f"Gen5 Decode Error: {message}")


class Gen5CorruptHeader(Gen5DecodeError):
    """Raised when the file header is detected as corrupt or invalid."""

    def __init__(self, message: str):
        super().__init__(f"Corrupt header: {message}")


class Gen5MetadataError(Gen5DecodeError):
    """Raised when the metadata (manifest) is invalid or cannot be parsed."""

    def __init__(self, message: str):
        super().__init__(f"Corrupt Metadata: {message}")


class Gen5ChunkError(Gen5DecodeError):
    """Raised for generic chunk-level issues (truncation, bounds, hash mismatch, etc.)."""

    def __init__(self, message: str):
        super().__init__(f"Corrupt Chunk: {message}")


class Gen5LatentError(Gen5ChunkError):
    """Raised for latent (LATN) chunk issues."""

    def __init__(self, message: str):
        super().__init__(f"Corrupt Latent: {message}")


class Gen5ImageError(Gen5ChunkError):
    """Raised for image (DATA) chunk issues or image conversion errors."""

    def __init__(self, message: str):
        super().__init__(f"Corrupt Image: {message}")


class Gen5EnvChunkError(Gen5ChunkError):
    """Raised for environment (ENVC) chunk parsing/validation issues."""

    def __init__(self, message: str):
        super().__init__(f"Corrupt Environment Chunk: {message}")


__all__ = [
    "Gen5DecodeError",
    "Gen5CorruptHeader",
    "Gen5MetadataError",
    "Gen5ChunkError",
    "Gen5LatentError",
    "Gen5ImageError",
    "Gen5EnvChunkError",
]
