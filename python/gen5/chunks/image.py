"""Image (DATA) chunk utilities for GEN5."""

from raiiaf._legacy import LegacyImage

from .._flavor import GEN5


class Gen5Image(LegacyImage):
    """Image (DATA) chunk utilities for GEN5."""

    _flavor = GEN5


__all__ = ["Gen5Image"]
