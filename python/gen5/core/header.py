"""Header utilities for GEN5 files.

The header layout is ``gen5.core.constants.HEADER_FORMAT`` (32 bytes): magic
(4s, ``b"GEN5"``), version_major (B), version_minor (B), flags (H),
chunk_table_offset (I), chunk_table_size (I), chunk_count (I), file_size (I),
reserved (Q).
"""

from raiiaf import _legacy

from .._flavor import GEN5 as _FLAVOR


def header_init(version_major: int = 1, version_minor: int = 0, flags: int = 0, chunk_table_offset: int = 0,
                chunk_table_size: int = 0, chunk_count: int = 0, file_size: int = 0, reserved: int = 0) -> bytes:
    """Packs a GEN5 file header (raises ValueError when a field does not fit)."""
    return _legacy.header_init(_FLAVOR, version_major, version_minor, flags, chunk_table_offset,
                               chunk_table_size, chunk_count, file_size, reserved)


def header_parse(buf: bytes) -> dict:
    """Parses a GEN5 header from raw bytes; raises Gen5CorruptHeader if the buffer is too small."""
    return _legacy.header_parse(_FLAVOR, buf)


def header_validate(header: dict) -> bool:
    """True if the header's magic is ``b"GEN5"`` and version_major >= 1."""
    return _legacy.header_validate(_FLAVOR, header)


__all__ = ["header_init", "header_parse", "header_validate"]
