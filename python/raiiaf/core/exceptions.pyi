from typing import Optional

class raiiafDecodeError(Exception):
    reason: Optional[str]
    chunk_index: Optional[int]
    chunk_type: Optional[str]
    offset: Optional[int]
    json_path: Optional[str]
    def __init__(self, message: str) -> None: ...

class raiiafCorruptHeader(raiiafDecodeError):
    def __init__(self, message: str) -> None: ...

class raiiafMetadataError(raiiafDecodeError):
    def __init__(self, message: str) -> None: ...

class raiiafChunkError(raiiafDecodeError):
    def __init__(self, message: str) -> None: ...

class raiiafLatentError(raiiafChunkError):
    def __init__(self, message: str) -> None: ...

class raiiafImageError(raiiafChunkError):
    def __init__(self, message: str) -> None: ...

class raiiafEnvChunkError(raiiafChunkError):
    def __init__(self, message: str) -> None: ...
