"""Exception hierarchy for RAIIAF operations.

Defines specialized exceptions for decode errors, corrupt headers, metadata issues,
chunk-level errors, and specific latent/image/environment chunk problems::

    raiiafDecodeError                  (Exception)
    +-- raiiafCorruptHeader
    +-- raiiafMetadataError
    +-- raiiafChunkError
        +-- raiiafLatentError
        +-- raiiafImageError
        +-- raiiafEnvChunkError

As in the existing package, each class prefixes the message it is given and
passes it to its base, so ``str(raiiafLatentError("x"))`` is
``"raiiaf Decode Error: Corrupt Chunk: Corrupt Latent: x"``.

Errors raised for a damaged file also carry where the library found the
damage: ``reason`` (the message without location), ``chunk_index``,
``chunk_type``, ``offset`` and ``json_path``; each is ``None`` when unknown.
"""

from typing import Optional


class raiiafDecodeError(Exception):
    """Base error for RAIIAF decoding/validation failures."""

    reason: Optional[str] = None
    chunk_index: Optional[int] = None
    chunk_type: Optional[str] = None
    offset: Optional[int] = None
    json_path: Optional[str] = None

    def __init__(self, message: str):
        super().__init__(f"raiiaf Decode Error: {message}")


class raiiafCorruptHeader(raiiafDecodeError):
    """Raised when the file header is detected as corrupt or invalid."""

    def __init__(self, message: str):
        super().__init__(f"Corrupt header: {message}")


class raiiafMetadataError(raiiafDecodeError):
    """Raised when the metadata (manifest) is invalid or cannot be parsed."""

    def __init__(self, message: str):
        super().__init__(f"Corrupt Metadata: {message}")


class raiiafChunkError(raiiafDecodeError):
    """Raised for generic chunk-level issues (truncation, bounds, hash mismatch, etc.)."""

    def __init__(self, message: str):
        super().__init__(f"Corrupt Chunk: {message}")


class raiiafLatentError(raiiafChunkError):
    """Raised for latent (LATN) chunk issues."""

    def __init__(self, message: str):
        super().__init__(f"Corrupt Latent: {message}")


class raiiafImageError(raiiafChunkError):
    """Raised for image (DATA) chunk issues or image conversion errors."""

    def __init__(self, message: str):
        super().__init__(f"Corrupt Image: {message}")


class raiiafEnvChunkError(raiiafChunkError):
    """Raised for environment (ENVC) chunk parsing/validation issues."""

    def __init__(self, message: str):
        super().__init__(f"Corrupt Environment Chunk: {message}")


__all__ = [
    "raiiafDecodeError",
    "raiiafCorruptHeader",
    "raiiafMetadataError",
    "raiiafChunkError",
    "raiiafLatentError",
    "raiiafImageError",
    "raiiafEnvChunkError",
]
