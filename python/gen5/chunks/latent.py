"""Latent (LATN) chunk utilities for GEN5: validators and lazy loaders."""

from raiiaf._legacy import LegacyLatent

from .._flavor import GEN5


class Gen5Latent(LegacyLatent):
    """Latent (LATN) chunk utilities for GEN5: validators and lazy loaders."""

    _flavor = GEN5


__all__ = ["Gen5Latent"]
