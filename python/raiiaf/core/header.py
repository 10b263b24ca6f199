"""Header utilities for RAIIAF files.

The header layout is ``raiiaf.core.constants.HEADER_FORMAT`` (33 bytes):
magic (6s, ``b"raiiaf"``), version_major (B), version_minor (B), flags (B),
chunk_table_offset (I), chunk_table_size (I), chunk_count (I), file_size (Q),
reserved (I).
"""

from .. import _legacy
from .._flavor import RAIIAF as _FLAVOR


def header_init(version_major: int = 1, version_minor: int = 0, flags: int = 0, chunk_table_offset: int = 0,
                chunk_table_size: int = 0, chunk_count: int = 0, file_size: int = 0, reserved: int = 0) -> bytes:
    """Packs a RAIIAF file header (raises ValueError when a field does not fit).

    Returns:
        bytes: the 33 header bytes.
    """
    return _legacy.header_init(_FLAVOR, version_major, version_minor, flags, chunk_table_offset,
                               chunk_table_size, chunk_count, file_size, reserved)


def header_parse(buf: bytes) -> dict:
    """Parses a RAIIAF header from raw bytes (the header at the beginning).

    Returns:
        dict: magic (bytes), version_major, version_minor, flags, chunk_table_offset,
        chunk_table_size, chunk_count, file_size, reserved.

    Raises:
        raiiafCorruptHeader: if the buffer is too small.
    """
    return _legacy.header_parse(_FLAVOR, buf)


def header_validate(header: dict) -> bool:
    """True if the header's magic is ``b"raiiaf"`` and version_major >= 1."""
    return _legacy.header_validate(_FLAVOR, header)


__all__ = ["header_init", "header_parse", "header_validate"]
