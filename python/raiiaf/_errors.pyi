from _typeshed import Incomplete
from typing import Dict, Iterator, Optional, Tuple, Type

LEGACY_EXCEPTIONS: Tuple[Tuple[str, Optional[str], str, str], ...]

def legacy_exception_classes(prefix: str, layout: str, module: str) -> Dict[str, Type[Exception]]: ...

class Family:
    decode: Incomplete
    header: Incomplete
    metadata: Incomplete
    chunk: Incomplete
    latent: Incomplete
    image: Incomplete
    env: Incomplete
    invalid_latent: Incomplete
    invalid_image: Incomplete
    def __init__(self, decode: Type[Exception], header: Type[Exception], metadata: Type[Exception], chunk: Type[Exception], latent: Type[Exception], image: Type[Exception], env: Type[Exception]) -> None: ...
    def convert(self, error: BaseException, cls: Optional[Type[Exception]] = ..., message: Optional[str] = ...) -> Exception: ...

def os_error(error: BaseException, path: Optional[str]) -> OSError: ...
def translated(family: Family, path: Optional[str] = ...) -> Iterator[None]: ...
