# The Pythonic API as the README shows it; test_scripts.py runs it in an empty directory.
import numpy as np
from PIL import Image

import raiiaf

Image.new("RGB", (16, 16), (200, 10, 10)).save("cat.png")
noise = np.random.default_rng(1337).standard_normal((1, 4, 64, 64)).astype(np.float32)

raiiaf.save("cat.raiiaf", image="cat.png", latents={"initial_noise": noise},
            prompt="a cat in neon goggles", model="Stable Diffusion 3", model_version="3.0",
            settings={"seed": 1337, "steps": 30, "sampler": "euler"}, tags=["cat"])

with raiiaf.open("cat.raiiaf") as art:
    print(art.metadata["raiiaf_metadata"]["model_info"]["prompt"])
    print(bool(np.array_equal(art.latents["initial_noise"], noise)))
    print(art.image().size)
    print([entry.message for entry in art.drift()])
    print(art.verify())
