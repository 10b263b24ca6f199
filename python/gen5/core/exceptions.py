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

The classes come from the table the raiiaf package's classes come from
(``raiiaf._errors.LEGACY_EXCEPTIONS``).
"""

from raiiaf._errors import legacy_exception_classes as _legacy_exception_classes

_CLASSES = _legacy_exception_classes("Gen5", "gen5", __name__)
globals().update(_CLASSES)

__all__ = list(_CLASSES)
