from raiiaf._env import EnvChunk as EnvChunk, EnvComponent as EnvComponent
from raiiaf._legacy import LegacyEnv

class Gen5Env(LegacyEnv): ...
