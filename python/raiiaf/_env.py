"""The environment record from Python: host components, ENVC objects and drift texts.

The C++ library captures what it can see natively (os, GPUs, CPU, memory,
library versions). Python adds, as host components, what only Python knows:

============  ===============================================================
torch         ``name=torch;version=<torch.__version__ without +local>;cuda=<torch.version.cuda or None>``
numpy         ``name=numpy;version=<numpy.__version__>``
python        ``name=python;version=<platform.python_version()>``
cuda          ``name=cuda;version=<torch.version.cuda or none>``
diffusers     ``name=diffusers;version=<diffusers.__version__>``
transformers  ``name=transformers;version=<transformers.__version__>``
============  ===============================================================

in that order. torch and cuda are recorded when torch is installed: from the
imported module when the calling program has imported it, else from the
installed package's ``torch/version.py`` (the file ``torch.__version__`` and
``torch.version.cuda`` come from), so that importing torch or not changes
nothing (we never import it: that takes seconds); diffusers and
transformers only when the program has already imported them. :func:`sync_host_components`
runs before every write and every drift comparison.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import platform
import sys
import threading
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, NamedTuple, Optional, Tuple

import numpy as np

from . import _raiiaf as _c

_lock = threading.Lock()
# Recorded with their versions when the calling program has imported them (never imported here).
_IMPORTED_LIBRARIES = ("diffusers", "transformers")
_synced: Optional[List[Tuple[str, str]]] = None
_synced_key: Optional[tuple] = None
# The library's current environment for the components in _synced (dropped when they change).
_current_pairs: Optional[List[Tuple[str, str]]] = None


_installed_torch: Optional[Tuple[Optional[str], Optional[str]]] = None


def _torch_version_file() -> Tuple[Optional[str], Optional[str]]:
    """(__version__, cuda) from the installed torch's version.py without importing torch;
    (None, None) when torch is not installed or the file says otherwise."""
    global _installed_torch
    if _installed_torch is None:
        found: Tuple[Optional[str], Optional[str]] = (None, None)
        try:
            spec = importlib.util.find_spec("torch")
            locations = list(spec.submodule_search_locations or []) if spec is not None else []
            if locations:
                with open(os.path.join(locations[0], "version.py"), encoding="utf-8") as f:
                    values: Dict[str, Any] = {}
                    for node in ast.parse(f.read()).body:
                        target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else (
                            node.target if isinstance(node, ast.AnnAssign) else None)
                        if isinstance(target, ast.Name) and node.value is not None:
                            try:
                                values[target.id] = ast.literal_eval(node.value)
                            except ValueError:
                                pass
                version, cuda = values.get("__version__"), values.get("cuda")
                if isinstance(version, str) and (cuda is None or isinstance(cuda, str)):
                    found = (version, cuda)
        except (ImportError, OSError, SyntaxError, ValueError):
            pass
        _installed_torch = found
    return _installed_torch


def host_components() -> List[Tuple[str, str]]:
    """The components Python contributes, as [(component_id, canonical string)]."""
    components: List[Tuple[str, str]] = []
    torch: Any = sys.modules.get("torch")
    torch_version = cuda = None
    if torch is not None:
        try:
            torch_version = str(torch.__version__).split("+")[0]
            cuda = getattr(getattr(torch, "version", None), "cuda", None)
        except Exception:  # a half-imported or stand-in module: record nothing about it
            torch = None
    if torch is None:
        installed_version, cuda = _torch_version_file()
        if installed_version is not None:
            torch, torch_version = True, installed_version.split("+")[0]
    if torch is not None:
        components.append(("torch", f"name=torch;version={torch_version};cuda={cuda}"))
    components.append(("numpy", f"name=numpy;version={np.__version__}"))
    components.append(("python", f"name=python;version={platform.python_version()}"))
    if torch is not None:
        components.append(("cuda", f"name=cuda;version={cuda if cuda is not None else 'none'}"))
    for library in _IMPORTED_LIBRARIES:
        version = getattr(sys.modules.get(library), "__version__", None)
        if version is not None:
            components.append((library, f"name={library};version={version}"))
    return components


def _host_key() -> tuple:
    """What host_components() depends on: the modules it reads (an imported module's version does not change)."""
    return (sys.modules.get("torch"), _installed_torch) + tuple(sys.modules.get(lib) for lib in _IMPORTED_LIBRARIES)


def sync_host_components() -> None:
    """Hands the current host components to the library (cheap when unchanged: every read calls it)."""
    global _synced, _synced_key, _current_pairs
    key = _host_key()
    if _synced is not None and key == _synced_key:
        return
    components = host_components()
    with _lock:
        _synced_key = _host_key()  # after host_components(), which may have cached _installed_torch
        if components == _synced:
            return
        _c.clear_host_components()
        for component_id, canonical in components:
            _c.set_host_component(component_id, canonical)
        _synced = components
        _current_pairs = None


def _current_environment_pairs() -> List[Tuple[str, str]]:
    """[(id, canonical)] of the current environment, for the host components last synced."""
    global _current_pairs
    sync_host_components()
    pairs = _current_pairs
    if pairs is None:
        pairs = [(cid, canonical) for cid, canonical, _ in _c.current_environment()[1]]
        _current_pairs = pairs
    return pairs


@dataclass
class EnvComponent:
    """One environment component.

    Attribute access (``comp.component_id``) and, as with the existing
    package's dicts, item access (``comp["component_id"]``) both work.
    ``cononical_str`` is spelled as in every file; ``canonical`` is an alias.
    """

    component_id: str
    cononical_str: str
    component_sha256_digest: bytes  # 32 bytes

    @property
    def canonical(self) -> str:
        """The canonical string (``cononical_str``, spelled as in the files)."""
        return self.cononical_str

    # -- mapping-style access, as the existing package's component dicts --
    def __getitem__(self, key: str) -> Any:
        if key not in self.keys():
            raise KeyError(key)
        return getattr(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        """Like ``dict.get`` over the three fields."""
        return getattr(self, key) if key in self.keys() else default

    def keys(self) -> Tuple[str, str, str]:
        """The field names, as the existing package's component dicts have them."""
        return ("component_id", "cononical_str", "component_sha256_digest")

    def values(self) -> List[Any]:
        """The field values, in the order of :meth:`keys`."""
        return [getattr(self, k) for k in self.keys()]

    def items(self) -> List[Tuple[str, Any]]:
        """(name, value) pairs, in the order of :meth:`keys`."""
        return [(k, getattr(self, k)) for k in self.keys()]

    def __contains__(self, key: object) -> bool:
        return key in self.keys()

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return 3


@dataclass
class EnvChunk:
    """An environment record: ``env_version`` and its ``components``."""

    env_version: int
    components: List[EnvComponent] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The ENVC JSON document (digests as hex)."""
        return {
            "env_version": self.env_version,
            "components": [
                {
                    "component_id": c.component_id,
                    "cononical_str": c.cononical_str,
                    "component_sha256_digest": c.component_sha256_digest.hex()
                    if isinstance(c.component_sha256_digest, (bytes, bytearray))
                    else c.component_sha256_digest,
                }
                for c in self.components
            ],
        }


def env_from_native(native: Tuple[int, list]) -> EnvChunk:
    version, components = native
    return EnvChunk(
        env_version=version,
        components=[EnvComponent(cid, canonical, bytes.fromhex(digest)) for cid, canonical, digest in components],
    )


def current_environment() -> EnvChunk:
    """The environment of this process (host components first)."""
    sync_host_components()
    return env_from_native(_c.current_environment())


class DriftEntry(NamedTuple):
    """One difference between a file's environment and the current one.

    ``kind`` is ``"changed"``, ``"missing_here"`` (in the file only) or
    ``"missing_in_file"`` (current only); ``message`` is the text the
    existing package warns with.
    """

    component_id: str
    file_value: Optional[str]
    current_value: Optional[str]
    kind: str

    @property
    def message(self) -> str:
        """The existing package's UserWarning text for this entry."""
        return drift_message(self)


def drift_message(entry: DriftEntry) -> str:
    """The existing package's UserWarning text for a drift entry."""
    if entry.kind == "changed":
        return (f"Environment component '{entry.component_id}' differs:\n"
                f"  File: {entry.file_value}\n"
                f"  Current: {entry.current_value}")
    if entry.kind == "missing_here":
        return f"Environment component '{entry.component_id}' missing in current system"
    return f"Environment component '{entry.component_id}' missing in file"


def drift_between(file_env: EnvChunk) -> List[DriftEntry]:
    """The file's environment against the current one (as the library compares them)."""
    current = _current_environment_pairs()
    stored = [(c.component_id, c.cononical_str) for c in file_env.components]
    return [
        DriftEntry(cid, file_value or None, current_value or None, kind)
        for cid, file_value, current_value, kind in _c.compare_environments(stored, current)
    ]


def drift_of(reader: Any) -> List[DriftEntry]:
    """drift_between for the environment of an open native reader, compared by the library itself."""
    sync_host_components()
    return [DriftEntry(cid, file_value or None, current_value or None, kind)
            for cid, file_value, current_value, kind in reader.drift()]
