"""The GEN5 layout as the legacy classes see it."""

from raiiaf._errors import Family
from raiiaf._flavor import Flavor

from .core import exceptions as _exceptions

GEN5 = Flavor(
    layout="gen5",
    magic=b"GEN5",
    extension=".gen5",
    metadata_key="gen5_metadata",
    compressed_codec="zstd",
    has_split_points=False,
    family=Family(
        decode=_exceptions.Gen5DecodeError,
        header=_exceptions.Gen5CorruptHeader,
        metadata=_exceptions.Gen5MetadataError,
        chunk=_exceptions.Gen5ChunkError,
        latent=_exceptions.Gen5LatentError,
        image=_exceptions.Gen5ImageError,
        env=_exceptions.Gen5EnvChunkError,
    ),
)
