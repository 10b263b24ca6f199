"""compat_writer.py, the model of the existing package's encoder that bench/ times as
"theirs", writes what that package writes: the chunk layout of the vectors it wrote, and
files that both its decoder (compat_reader.py) and ours read back, hashes checked."""

from __future__ import annotations

import importlib.util
import json
import pathlib
import sys
import warnings

import numpy as np
import pytest

import raiiaf
from conftest import GENERATION_SETTINGS, HARDWARE_INFO

HERE = pathlib.Path(__file__).resolve().parent
pytestmark = pytest.mark.skipif(
    any(importlib.util.find_spec(m) is None for m in ("zstandard", "zfpy", "jsonschema", "torch")),
    reason="compat_writer needs python3-zstandard, python3-zfpy, python3-jsonschema and python3-torch")


# Imported once, at collection: conftest's autouse fixture takes torch out of sys.modules before
# every test, and torch cannot be imported a second time in one process.
REAL_TORCH = importlib.import_module("torch") if importlib.util.find_spec("torch") else None


@pytest.fixture(autouse=True)
def _real_torch(monkeypatch):
    """The model captures the environment as the package does, with the real torch."""
    monkeypatch.setitem(sys.modules, "torch", REAL_TORCH)


def models():
    sys.path.insert(0, str(HERE))
    import compat_reader
    import compat_writer

    return compat_reader, compat_writer


VECTOR_OF_LAYOUT = {"raiiaf": ("r1_f32_raw", "raiiaf_metadata"), "gen5": ("g1_f32_zstd", "gen5_metadata")}


@pytest.mark.parametrize("layout", ["raiiaf", "gen5"])
def test_model_writes_the_vectors_layout_and_both_readers_read_it(tmp_path, vectors_dir, noise, png, layout):
    compat_reader, compat_writer = models()
    path = tmp_path / f"model.{layout}"
    compat_writer.encode(path, {"initial_noise": noise}, png, layout=layout, prompt="a fennec",
                         tags=["t"], generation_settings=GENERATION_SETTINGS, hardware_info=HARDWARE_INFO)

    vector, key = VECTOR_OF_LAYOUT[layout]
    theirs = json.loads((vectors_dir / "expected" / vector / "metadata.json").read_text())[key]["chunks"]
    ours = compat_reader.decode(path)["metadata"][key]["chunks"]
    assert [(r["type"], r["compressed"], sorted(r)) for r in ours] == \
        [(r["type"], r["compressed"], sorted(r)) for r in theirs]

    decoded = compat_reader.decode(path)
    np.testing.assert_array_equal(decoded["chunks"]["latent"][0], noise)
    assert decoded["chunks"]["image"] == png

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # environment notices are not what this checks
        artifact = raiiaf.open(path)
        np.testing.assert_array_equal(np.asarray(artifact.latents["initial_noise"]), noise)
        assert artifact.image_bytes == png
        assert artifact.prompt == "a fennec"
        assert artifact.verify()  # every SHA-256 the model recorded is right


def test_model_refuses_what_the_package_refuses(tmp_path, png):
    _, compat_writer = models()
    bad = np.full((1, 4, 8, 8), np.nan, dtype=np.float32)
    with pytest.raises(ValueError):
        compat_writer.encode(tmp_path / "nan.raiiaf", {"x": bad}, png)
    # Section 6: the image must be decodable.
    with pytest.raises(Exception):
        compat_writer.encode(tmp_path / "bad-image.raiiaf", {"x": np.zeros((1, 4, 8, 8), np.float32)},
                             b"\x89PNG\r\n\x1a\n" + b"not a PNG")
    assert not (tmp_path / "bad-image.raiiaf").exists()
