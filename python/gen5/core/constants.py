"""Constants of the GEN5 layout: header format, limits and the manifest schema.

Header format (little-endian, packed, 32 bytes): magic 4s (``b"GEN5"``),
version_major B, version_minor B, flags H, chunk_table_offset I,
chunk_table_size I, chunk_count I, file_size I, reserved Q.
"""

import struct

from raiiaf import _raiiaf

MAX_FILE_SIZE = 10 * 1024 * 1024 * 1024  # 10 GiB default
MAX_CHUNK_SIZE = 2 * 1024 * 1024 * 1024  # 2 GiB per chunk
MAX_CHUNKS = 1000

HEADER_FORMAT = "<4sBBHIIIIQ"
HEADER_SIZE = struct.calcsize(HEADER_FORMAT)  # 32

# The manifest schema (JSON Schema draft-07) the library enforces, as text. It
# accepts the GEN5 ("gen5_metadata") and the RAIIAF ("raiiaf_metadata") key.
JSON_SCHEMA = _raiiaf.manifest_schema()

__all__ = ["MAX_FILE_SIZE", "MAX_CHUNK_SIZE", "MAX_CHUNKS", "HEADER_FORMAT", "HEADER_SIZE", "JSON_SCHEMA"]
