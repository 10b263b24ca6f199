from .._env import EnvChunk as EnvChunk, EnvComponent as EnvComponent
from .._legacy import LegacyEnv

class raiiafEnv(LegacyEnv): ...
