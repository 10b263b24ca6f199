"""Metadata (manifest) utilities for GEN5 (key gen5_metadata)."""

from raiiaf._legacy import LegacyMetadata

from .._flavor import GEN5


class Gen5Metadata(LegacyMetadata):
    """Metadata (manifest) utilities for GEN5 (key gen5_metadata)."""

    _flavor = GEN5


__all__ = ["Gen5Metadata"]
