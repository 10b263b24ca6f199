"""Constants of the RAIIAF layout: header format, limits and the manifest schema.

Header format (little-endian, packed, 33 bytes):

- magic: 6s (6-byte ASCII ``b"raiiaf"``)
- version_major: B, version_minor: B, flags: B
- chunk_table_offset: I, chunk_table_size: I, chunk_count: I
- file_size: Q
- reserved: I
"""

import struct

from .. import _raiiaf

MAX_FILE_SIZE = 10 * 1024 * 1024 * 1024  # 10 GiB default
MAX_CHUNK_SIZE = 2 * 1024 * 1024 * 1024  # 2 GiB per chunk
MAX_CHUNKS = 1000

HEADER_FORMAT = "<6sBBBIIIQI"
HEADER_SIZE = struct.calcsize(HEADER_FORMAT)  # 33

# The manifest schema (JSON Schema draft-07) the library enforces, as text. It
# accepts the RAIIAF ("raiiaf_metadata") and the GEN5 ("gen5_metadata") key.
JSON_SCHEMA = _raiiaf.manifest_schema()

__all__ = ["MAX_FILE_SIZE", "MAX_CHUNK_SIZE", "MAX_CHUNKS", "HEADER_FORMAT", "HEADER_SIZE", "JSON_SCHEMA"]
