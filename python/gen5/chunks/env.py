"""Environment (ENVC) chunk utilities for GEN5.

``Gen5Env().env_chunk_populator()`` returns the current environment as an
:class:`EnvChunk` (``env_version``, ``components``).
"""

from raiiaf._env import EnvChunk, EnvComponent
from raiiaf._legacy import LegacyEnv

from .._flavor import GEN5


class Gen5Env(LegacyEnv):
    """Operations on GEN5 environment chunks."""

    _flavor = GEN5


__all__ = ["Gen5Env", "EnvChunk", "EnvComponent"]
