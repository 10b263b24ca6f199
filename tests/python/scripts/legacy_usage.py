# User code written against the existing raiiaf / gen5 packages, in the style of
# PYTHON_API.md. It must run unchanged against our packages; test_scripts.py runs it
# in an empty directory and checks what it prints.
import json

import numpy as np
from PIL import Image

from raiiaf import raiiafFileHandler
from raiiaf.main import raiiafFileHandler as MainHandler
from raiiaf.core.exceptions import raiiafDecodeError, raiiafCorruptHeader
from raiiaf.core.header import header_parse, header_validate
from raiiaf.core.constants import HEADER_SIZE, MAX_CHUNKS, JSON_SCHEMA
from raiiaf.chunks.metadata import raiiafMetadata
from raiiaf.chunks.latent import raiiafLatent
from raiiaf.chunks.env import raiiafEnv
from gen5 import Gen5FileHandler
from gen5.main import Gen5FileHandler as Gen5MainHandler

assert MainHandler is raiiafFileHandler and Gen5MainHandler is Gen5FileHandler

Image.new("RGB", (32, 32), (0, 128, 255)).save("image.png")
arr = np.random.randn(1, 4, 64, 64).astype(np.float32)

h = raiiafFileHandler()
png = h.png_to_bytes("image.png")
result = h.file_encoder(
    filename="out.raiiaf",
    latent={"initial_noise": arr},
    chunk_records=[],
    model_name="Stable Diffusion 3", model_version="3", prompt="a cat in neon goggles", tags=["a", "b"],
    img_binary=png,
    should_compress=True,
    convert_float16=True,
    generation_settings={"seed": 42, "steps": 20, "sampler": "ddim", "cfg_scale": 7.5, "scheduler": "pndm",
                         "eta": 0.0, "guidance": "classifier-free", "precision": "fp16", "deterministic": True},
    hardware_info={"machine_name": "test_machine", "os": "linux", "cpu": "Intel", "cpu_cores": 8,
                   "gpu": [{"name": "RTX 3090", "memory_gb": 24, "driver": "nvidia", "cuda_version": "12.1"}],
                   "ram_gb": 64.0, "framework": "torch", "compute_lib": "cuda"},
    extra_image=None)
print(sorted(result))

d = h.file_decoder("out.raiiaf")
print(d["header"]["magic"], d["header"]["version_major"], d["header"]["chunk_count"])
print(d["metadata"]["raiiaf_metadata"]["model_info"]["prompt"])
latent = d["chunks"]["latent"][0]
print(latent.dtype, latent.shape, bool(np.array_equal(latent, arr.astype(np.float16))))
img = h.bytes_to_png(d["chunks"]["image"])
print(img.size, img.mode)
env = d["chunks"]["env"]
print(env.env_version, "python" in [c.component_id for c in env.components], len(env.components[0].component_sha256_digest))
print(h.HEADER_SIZE, HEADER_SIZE, h.validate_file_size(100, "file"), h.validate_chunk_count(MAX_CHUNKS))

with open("out.raiiaf", "rb") as f:
    header = header_parse(f.read(h.HEADER_SIZE))
print(header_validate(header), header["file_size"] == d["header"]["file_size"])

with open("out.raiiaf", "rb") as f:
    f.seek(header["chunk_table_offset"])
    manifest = raiiafMetadata().metadata_parser(f.read(header["chunk_table_size"]))
print(raiiafMetadata().metadata_validator(manifest), "raiiaf_metadata" in json.loads(JSON_SCHEMA)["properties"])
records = manifest["raiiaf_metadata"]["chunks"]
loaders = list(raiiafLatent().iter_lazy_latents("out.raiiaf", records))
print(len(loaders), loaders[0]().shape)
print(raiiafEnv().env_chunk_populator().env_version)

g = Gen5FileHandler()
g.file_encoder(filename="out.gen5", latent={"initial_noise": arr}, chunk_records=[], model_name="m",
               model_version="1", prompt="gen5 prompt", tags=[], img_binary=g.png_to_bytes("image.png"),
               convert_float16=False)
d5 = g.file_decoder("out.gen5")
print(d5["header"]["magic"], g.HEADER_SIZE, d5["metadata"]["gen5_metadata"]["model_info"]["prompt"],
      bool(np.array_equal(d5["chunks"]["latent"][0], arr)))

with open("out.raiiaf", "r+b") as f:
    f.write(b"XXXX")
try:
    h.file_decoder("out.raiiaf")
except raiiafCorruptHeader as e:
    print(type(e).__name__, isinstance(e, raiiafDecodeError), str(e).startswith("raiiaf Decode Error: Corrupt header: "))
