from dataclasses import dataclass
from ._errors import Family as Family, LEGACY_EXCEPTIONS as LEGACY_EXCEPTIONS
from _typeshed import Incomplete

@dataclass(frozen=True)
class Flavor:
    layout: str
    magic: bytes
    extension: str
    metadata_key: str
    compressed_codec: str
    has_split_points: bool
    family: Family
    @property
    def header_size(self) -> int: ...

LAYOUTS: Incomplete

def flavor_of(layout: str) -> Flavor: ...

RAIIAF: Incomplete
DOCUMENTED_MODULES: Incomplete

def import_documented_modules(package: str) -> None: ...
