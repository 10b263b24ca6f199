"""Metadata (manifest) utilities for RAIIAF: validate, compress, parse and build."""

from .._flavor import RAIIAF
from .._legacy import LegacyMetadata


class raiiafMetadata(LegacyMetadata):
    """Operations on the RAIIAF manifest (the META chunk, key ``raiiaf_metadata``)."""

    _flavor = RAIIAF


__all__ = ["raiiafMetadata"]
