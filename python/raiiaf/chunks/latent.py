"""Latent (LATN) chunk utilities for RAIIAF: validators and lazy loaders."""

from .._flavor import RAIIAF
from .._legacy import LegacyLatent


class raiiafLatent(LegacyLatent):
    """Operations on RAIIAF latent chunks."""

    _flavor = RAIIAF


__all__ = ["raiiafLatent"]
