"""Environment (ENVC) chunk utilities for RAIIAF.

``raiiafEnv().env_chunk_populator()`` returns the current environment as an
:class:`EnvChunk` (``env_version`` and ``components``, each an
:class:`EnvComponent` with ``component_id``, ``cononical_str`` and
``component_sha256_digest`` as bytes).
"""

from .._env import EnvChunk, EnvComponent
from .._flavor import RAIIAF
from .._legacy import LegacyEnv


class raiiafEnv(LegacyEnv):
    """Operations on RAIIAF environment chunks."""

    _flavor = RAIIAF


__all__ = ["raiiafEnv", "EnvChunk", "EnvComponent"]
