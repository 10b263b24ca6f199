from _typeshed import Incomplete

MAX_FILE_SIZE: Incomplete
MAX_CHUNK_SIZE: Incomplete
MAX_CHUNKS: int
HEADER_FORMAT: str
HEADER_SIZE: Incomplete
JSON_SCHEMA: Incomplete
