"""Image (DATA) chunk utilities for RAIIAF: validation, packing and parsing."""

from .._flavor import RAIIAF
from .._legacy import LegacyImage


class raiiafImage(LegacyImage):
    """Operations on RAIIAF image (DATA) chunks."""

    _flavor = RAIIAF


__all__ = ["raiiafImage"]
