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

The classes of both packages (this one and ``gen5.core.exceptions``) come from
one table, ``raiiaf._errors.LEGACY_EXCEPTIONS``.
"""

from .._errors import legacy_exception_classes as _legacy_exception_classes

_CLASSES = _legacy_exception_classes("raiiaf", "raiiaf", __name__)
globals().update(_CLASSES)

__all__ = list(_CLASSES)
