import os
import pathlib
from ._env import DriftEntry
from dataclasses import dataclass
from typing import Any, List, NamedTuple, Optional, Sequence, Union

PathLike = Union[str, os.PathLike[str]]

CAPTURE_NAME: str
ARGUMENT_LATENT_PREFIX: str

class Generation(NamedTuple):
    output: Any
    path: pathlib.Path

class RecordError(ValueError): ...

class SettingDifference(NamedTuple):
    key: str
    recorded: Any
    current: Any

@dataclass
class ReplayReport:
    reproduced: bool
    latent_max_abs_diff: float
    image_max_abs_diff: Optional[int]
    drift: List[DriftEntry]
    differences: List[SettingDifference]
    noise_matches_seed: bool
    output: Any = ...
    final_latent: Any = ...

def generate(pipe: Any, path: PathLike, *, seed: int, noise_shape: Optional[Sequence[int]] = ..., tags: Sequence[str] = ..., codec: str = ..., **call_kwargs: Any) -> Generation: ...
def replay(path: PathLike, pipe: Any, **overrides: Any) -> ReplayReport: ...
