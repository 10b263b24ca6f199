import os
import pathlib
from typing import Any, Dict, List, Mapping, Optional, Union

PathLike = Union[str, "os.PathLike[str]"]
Source = Union[PathLike, bytes, bytearray, memoryview]

def read_generation_metadata(source: Source, *, stealth: str = ..., limits: Optional[Dict[str, int]] = ...) -> Optional[Dict[str, Any]]: ...
def read_metadata_texts(source: Source, *, stealth: str = ..., limits: Optional[Dict[str, int]] = ...) -> List[Dict[str, str]]: ...
def import_image(path: Source, out: PathLike, latents: Optional[Mapping[str, Any]] = ..., *, stealth: str = ..., codec: str = ...) -> pathlib.Path: ...
