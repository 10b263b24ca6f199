"""The environment from Python (canonical strings of FORMAT.md section 8.2) and the drift warnings
with the existing package's exact texts."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import platform
import subprocess
import sys
import warnings

import numpy as np
import pytest

import gen5
import raiiaf
from conftest import VECTOR_FILES, child_env

NUMPY = f"name=numpy;version={np.__version__}"
PYTHON = f"name=python;version={platform.python_version()}"
OS = f"name=os;version={os.uname().sysname} {os.uname().release}"


def strings(env):
    return [(c.component_id, c.cononical_str) for c in env.components]


def decode_warnings(path):
    handler = raiiaf.raiiafFileHandler() if str(path).endswith(".raiiaf") else gen5.Gen5FileHandler()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        decoded = handler.file_decoder(str(path))
    assert all(w.category is UserWarning for w in caught)
    return decoded, [str(w.message) for w in caught]


def differs(cid, file_value, current_value):
    return f"Environment component '{cid}' differs:\n  File: {file_value}\n  Current: {current_value}"


def missing_here(cid):
    return f"Environment component '{cid}' missing in current system"


def missing_in_file(cid):
    return f"Environment component '{cid}' missing in file"


def test_components_without_torch_imported():
    """torch and cuda come from the installed torch without importing it (FORMAT.md 8.8); what
    importing it gives is checked in test_compat.py (no drift either way)."""
    env = raiiaf.environment()
    assert env.env_version == 1
    without_torch = [(cid, value) for cid, value in strings(env) if cid not in ("torch", "cuda")]
    assert without_torch[:3] == [("numpy", NUMPY), ("python", PYTHON), ("os", OS)]
    ids = [cid for cid, _ in strings(env)]
    if importlib.util.find_spec("torch") is None:
        assert "torch" not in ids and "cuda" not in ids
    else:
        assert ids[:4] == ["torch", "numpy", "python", "cuda"]
    for c in env.components:
        assert c.component_sha256_digest == hashlib.sha256(c.cononical_str.encode()).digest()
    assert raiiaf.chunks.env.raiiafEnv().env_chunk_populator() == env


@pytest.mark.parametrize("version,cuda,torch_str,cuda_str", [
    ("2.1.0+cu121", "12.1", "name=torch;version=2.1.0;cuda=12.1", "name=cuda;version=12.1"),
    ("1.13.0a0", None, "name=torch;version=1.13.0a0;cuda=None", "name=cuda;version=none"),
])
def test_components_with_torch_imported(fake_torch, version, cuda, torch_str, cuda_str):
    fake_torch(version, cuda)
    env = raiiaf.environment()
    assert strings(env)[:5] == [("torch", torch_str), ("numpy", NUMPY), ("python", PYTHON), ("cuda", cuda_str),
                                ("os", OS)]


def test_written_file_records_the_environment(tmp_path, fake_torch, noise):
    fake_torch("2.0.1", "11.8")
    path = tmp_path / "e.raiiaf"
    raiiaf.save(path, latents={"x": noise})
    with raiiaf.open(path) as art:
        recorded = strings(art.env)
        assert recorded[:5] == [("torch", "name=torch;version=2.0.1;cuda=11.8"), ("numpy", NUMPY),
                                ("python", PYTHON), ("cuda", "name=cuda;version=11.8"), ("os", OS)]
        assert recorded == strings(raiiaf.environment())
        payload = art.env.to_dict()
        assert payload["components"][0] == {
            "component_id": "torch", "cononical_str": "name=torch;version=2.0.1;cuda=11.8",
            "component_sha256_digest": hashlib.sha256(b"name=torch;version=2.0.1;cuda=11.8").hexdigest()}


def test_the_package_never_imports_torch(tmp_path):
    script = f"""
import sys, numpy as np, warnings
import raiiaf, gen5
path = {str(tmp_path / 'x.raiiaf')!r}
raiiaf.save(path, latents={{"x": np.zeros((1, 4, 8, 8), np.float32)}})
with raiiaf.open(path) as art:
    art.latents["x"]; art.drift(); art.verify()
raiiaf.raiiafFileHandler().file_decoder(path)
raiiaf.environment()
assert "torch" not in sys.modules, "torch was imported"
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=child_env())
    assert result.returncode == 0, result.stderr


def test_fresh_file_has_no_drift(tmp_path, noise, png):
    path = tmp_path / "fresh.gen5"
    gen5.Gen5FileHandler().file_encoder(filename=str(path), latent={"x": noise}, chunk_records=[], model_name="m",
                                        model_version="1", prompt="p", tags=[], img_binary=png)
    _, texts = decode_warnings(path)
    assert texts == []


def test_drift_warning_texts(tmp_path, fake_torch, noise):
    fake_torch("1.13.0a0", None)
    path = tmp_path / "d.raiiaf"
    raiiaf.save(path, latents={"x": noise})

    # torch upgraded and now with CUDA: two components differ.
    fake_torch("2.0.0+cu118", "11.8")
    _, texts = decode_warnings(path)
    assert texts == [
        differs("torch", "name=torch;version=1.13.0a0;cuda=None", "name=torch;version=2.0.0;cuda=11.8"),
        differs("cuda", "name=cuda;version=none", "name=cuda;version=11.8"),
    ]

    # torch not imported here: the installed torch (Debian's 1.13.0a0, CPU) is what the file
    # recorded; without torch installed it is not observable, so not checked. No warning either way.
    del sys.modules["torch"]
    _, texts = decode_warnings(path)
    assert texts == []

    # The Pythonic API reports the same entries, and warns only when asked to.
    fake_torch("2.0.0+cu118", "11.8")
    _, texts = decode_warnings(path)
    with raiiaf.open(path) as art:
        entries = art.drift()
        assert [(e.component_id, e.kind, e.file_value, e.current_value) for e in entries] == [
            ("torch", "changed", "name=torch;version=1.13.0a0;cuda=None", "name=torch;version=2.0.0;cuda=11.8"),
            ("cuda", "changed", "name=cuda;version=none", "name=cuda;version=11.8")]
        assert [e.message for e in entries] == texts
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            art.drift()
            assert caught == []
            art.drift(warn=True)
        assert [str(w.message) for w in caught] == texts


@pytest.mark.parametrize("name", VECTOR_FILES)
def test_drift_against_vectors(vectors_dir, fake_torch, name):
    """Files from the existing package: every warning has one of the three texts, with the values
    computed here independently of the package."""
    expected_env = vectors_dir / "expected" / name.rsplit(".", 1)[0] / "env.json"
    fake_torch("1.13.0a0", None)
    decoded, texts = decode_warnings(vectors_dir / name)
    if not expected_env.exists():
        assert "env" not in decoded["chunks"] and texts == []
        return
    stored = {c["component_id"]: c["cononical_str"] for c in json.loads(expected_env.read_text())["components"]}
    current = {"torch": "name=torch;version=1.13.0a0;cuda=None", "numpy": NUMPY, "python": PYTHON,
               "cuda": "name=cuda;version=none", "os": OS}
    for cid, value in stored.items():
        if cid in current and current[cid] != value:
            assert differs(cid, value, current[cid]) in texts
        elif cid in current:
            assert not any(f"'{cid}'" in t for t in texts)
    # What the file does not record (cpu, memory, raiiaf, ...) is not recorded, not drift.
    assert not any(text.endswith("missing in file") for text in texts)
