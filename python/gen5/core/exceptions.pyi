from typing import Optional

class Gen5DecodeError(Exception):
    reason: Optional[str]
    chunk_index: Optional[int]
    chunk_type: Optional[str]
    offset: Optional[int]
    json_path: Optional[str]
    def __init__(self, message: str) -> None: ...

class Gen5CorruptHeader(Gen5DecodeError):
    def __init__(self, message: str) -> None: ...

class Gen5MetadataError(Gen5DecodeError):
    def __init__(self, message: str) -> None: ...

class Gen5ChunkError(Gen5DecodeError):
    def __init__(self, message: str) -> None: ...

class Gen5LatentError(Gen5ChunkError):
    def __init__(self, message: str) -> None: ...

class Gen5ImageError(Gen5ChunkError):
    def __init__(self, message: str) -> None: ...

class Gen5EnvChunkError(Gen5ChunkError):
    def __init__(self, message: str) -> None: ...
