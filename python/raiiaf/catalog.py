"""The catalogue: find artifacts among many, in SQLite (one file) or PostgreSQL (a team's).

::

    cat = raiiaf.Catalog()                  # the default SQLite file (or a path, or postgresql://...)
    cat.index(["~/outputs"])                # incremental; damaged files are recorded, not fatal
    for row in cat.find("model:sdxl seed:1337 fennec"):
        with row.open() as art:             # opened lazily, only when asked
            noise = art.latents["initial_noise"]

The query language is the one of ``raiiaf find`` (docs/CLI.md). A query that
does not parse raises :class:`raiiaf.InvalidArgument` (a ``ValueError``) whose
message starts with the column of the problem.
"""

from __future__ import annotations

import json
import os
import pathlib
from typing import Any, Dict, Iterable, List, Optional, Tuple, Union

from . import _raiiaf as _c
from .api import Artifact
from .api import open as _open_artifact

PathLike = Union[str, "os.PathLike[str]"]


class CatalogRow:
    """One catalogue entry. The fields are attributes; :meth:`open` opens the artifact."""

    __slots__ = ("data",)

    def __init__(self, data: Dict[str, Any]) -> None:
        #: Every field, as ``raiiaf find --json`` prints it.
        self.data = data

    @property
    def path(self) -> str:
        """Absolute path of the file."""
        return str(self.data["path"])

    @property
    def damaged(self) -> bool:
        """Whether the file could not be read (see :attr:`error`)."""
        return bool(self.data["damaged"])

    @property
    def error(self) -> Optional[str]:
        """Why the file is damaged; ``None`` for intact files."""
        value = self.data.get("error")
        return None if value is None else str(value)

    @property
    def model(self) -> str:
        """Model name."""
        return str(self.data.get("model", ""))

    @property
    def prompt(self) -> str:
        """The prompt."""
        return str(self.data.get("prompt", ""))

    @property
    def negative_prompt(self) -> str:
        """The negative prompt ('' when none was recorded)."""
        return str(self.data.get("negative_prompt", ""))

    @property
    def tags(self) -> List[str]:
        """The tags."""
        return list(self.data.get("tags", []))

    @property
    def seed(self) -> Optional[int]:
        """The seed, an exact unsigned 64-bit integer, or ``None``."""
        value = self.data.get("seed")
        return None if value is None else int(value)

    @property
    def steps(self) -> Optional[int]:
        """Sampling steps, or ``None``."""
        value = self.data.get("steps")
        return None if value is None else int(value)

    @property
    def settings(self) -> Dict[str, Any]:
        """Every generation setting as recorded."""
        return dict(self.data.get("settings", {}))

    @property
    def latents(self) -> List[Dict[str, Any]]:
        """Each latent: name, dtype, shape, codec, digest."""
        return list(self.data.get("latents", []))

    def open(self, *, verify_hashes: bool = True) -> Artifact:
        """Opens the artifact (header and manifest only; payloads load when used)."""
        return _open_artifact(self.path, verify_hashes=verify_hashes)

    def __fspath__(self) -> str:
        return self.path

    def __repr__(self) -> str:
        return f"CatalogRow({self.path!r}, model={self.model!r}, seed={self.seed!r})"


def _rows(texts: Iterable[str]) -> List[CatalogRow]:
    return [CatalogRow(json.loads(text)) for text in texts]


class Catalog:
    """A catalogue at ``location``: a SQLite file (created when missing) or a
    ``postgresql://`` URL; default :meth:`default_location`."""

    def __init__(self, location: Optional[PathLike] = None) -> None:
        where = self.default_location() if location is None else os.fspath(location)
        if not where.startswith(("postgresql://", "postgres://")):
            where = str(pathlib.Path(where).expanduser())
        self.location = where
        self._native = _c.Catalog(where)

    @staticmethod
    def default_location() -> str:
        """``$RAIIAF_CATALOG``, else ``$XDG_CACHE_HOME/raiiaf/catalog.sqlite``, else ``~/.cache/raiiaf/catalog.sqlite``."""
        return str(_c.Catalog.default_location())

    @property
    def backend(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return str(self._native.backend)

    @property
    def schema_version(self) -> int:
        """The catalogue's schema version."""
        return int(self._native.schema_version)

    def index(self, dirs: Union[PathLike, Iterable[PathLike]], *, threads: int = 0) -> Dict[str, Any]:
        """Indexes what changed under the folders (or files); returns the summary
        (seen, added, updated, unchanged, moved, deleted, damaged, damaged_files)."""
        if isinstance(dirs, (str, os.PathLike)):
            dirs = [dirs]
        roots = [str(pathlib.Path(os.fspath(d)).expanduser()) for d in dirs]
        return dict(self._native.index(roots, threads))

    def find(self, query: str = "", *, limit: Optional[int] = None, sort: str = "") -> List[CatalogRow]:
        """The entries matching ``query`` (docs/CLI.md), sorted by path or ``sort``."""
        return _rows(self._native.find(query, limit, sort))

    def same_noise(self, file: PathLike, *, limit: Optional[int] = None, sort: str = "") -> List[CatalogRow]:
        """The entries whose initial noise equals ``file``'s."""
        return _rows(self._native.same_noise(os.fspath(file), limit, sort))

    def duplicates(self) -> List[Tuple[str, str, List[CatalogRow]]]:
        """Groups ``(kind, digest, rows)`` sharing an image (``"image"``) or an initial noise (``"noise"``)."""
        return [(kind, digest, _rows(texts)) for kind, digest, texts in self._native.duplicates()]

    def __len__(self) -> int:
        """Entries, damaged ones included."""
        return int(len(self._native))
