"""Model information as callers hand it over: numpy scalars (``np.int64(5)``) become plain
Python values, and seeds are checked against the full unsigned 64-bit range that
``torch.seed()`` draws from, with a message that says so."""

from __future__ import annotations

import json
from typing import Any, Dict, Mapping, Optional

import numpy as np

#: The largest seed a file can hold (``torch.seed()`` returns values up to it).
SEED_MAX = 2**64 - 1


def _plain(value: Any) -> Any:
    """json.dumps' fallback: numpy scalars and arrays as the Python values they hold."""
    item = getattr(value, "item", None)
    if callable(item) and type(value).__module__ == "numpy":
        return value.tolist() if getattr(value, "ndim", 0) else item()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def json_text(document: Any) -> str:
    """``json.dumps`` of a document that may hold numpy scalars; NaN and Infinity are refused."""
    return json.dumps(document, allow_nan=False, default=_plain)


def plain_json(document: Any) -> Any:
    """The document with numpy values made plain (what it reads back as from JSON)."""
    return json.loads(json_text(document))


def is_seed(value: Any) -> bool:
    """Whether ``value`` is a seed: an integer (numpy's too, not bool) from 0 to 2**64-1."""
    return not isinstance(value, bool) and isinstance(value, (int, np.integer)) and 0 <= int(value) <= SEED_MAX


def checked_settings(settings: Optional[Mapping[str, Any]], what: str = "generation_settings") -> Optional[Dict[str, Any]]:
    """A plain copy of generation settings, the seed checked; None stays None."""
    if settings is None:
        return None
    if not isinstance(settings, Mapping):
        raise TypeError(f"{what} must be a dict, not {type(settings).__name__}")
    try:
        plain = plain_json(dict(settings))
    except (TypeError, ValueError) as e:
        raise ValueError(f"{what} is not JSON-serialisable: {e}") from None
    seed = plain.get("seed")
    if "seed" in plain and not is_seed(seed):
        raise ValueError(f"{what}.seed must be an integer from 0 to 2**64-1 ({SEED_MAX}), got {seed!r}")
    return plain
