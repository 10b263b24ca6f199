"""Shared fixtures of the Python tests.

Run with the packages built by CMake on the path, e.g.::

    PYTHONPATH=build/python /usr/bin/python3 -m pytest tests/python

(ctest does this: the test is registered by tests/python/CMakeLists.txt.)
"""

from __future__ import annotations

import io
import os
import pathlib
import sys
import types

import numpy as np
import pytest

HERE = pathlib.Path(__file__).resolve().parent


def _vectors_dir() -> pathlib.Path:
    configured = os.environ.get("RAIIAF_VECTORS_DIR")
    if configured:
        return pathlib.Path(configured)
    return (HERE / ".." / "data" / "vectors").resolve()


VECTORS = _vectors_dir()
VECTOR_FILES = sorted(p.name for p in VECTORS.glob("*") if p.suffix in (".raiiaf", ".gen5")) if VECTORS.is_dir() else []


def child_env() -> dict:
    """The environment for a child Python that must import the same raiiaf and gen5 as these tests."""
    import raiiaf

    packages = str(pathlib.Path(raiiaf.__file__).resolve().parent.parent)
    return dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [packages, os.environ.get("PYTHONPATH")])))


@pytest.fixture(scope="session")
def vectors_dir() -> pathlib.Path:
    if not VECTORS.is_dir():
        pytest.skip(f"test vectors not found at {VECTORS} (set RAIIAF_VECTORS_DIR)")
    return VECTORS


def make_png(size=(64, 64), color=(255, 0, 0, 255)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGBA", size, color=color).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture
def png() -> bytes:
    return make_png()


@pytest.fixture
def noise() -> np.ndarray:
    return np.random.default_rng(1234).standard_normal((1, 4, 64, 64)).astype(np.float32)


GENERATION_SETTINGS = {
    "seed": 42, "steps": 20, "sampler": "ddim", "cfg_scale": 7.5, "scheduler": "pndm", "eta": 0.0,
    "guidance": "classifier-free", "precision": "fp16", "deterministic": True,
}
HARDWARE_INFO = {
    "machine_name": "test_machine", "os": "linux", "cpu": "Intel", "cpu_cores": 8,
    "gpu": [{"name": "RTX 3090", "memory_gb": 24, "driver": "nvidia", "cuda_version": "12.1"}],
    "ram_gb": 64.0, "framework": "torch", "compute_lib": "cuda",
}


@pytest.fixture
def fake_torch(monkeypatch):
    """A stand-in 'torch' module in sys.modules (the package must only look, never import)."""

    def install(version="1.13.0a0", cuda=None):
        module = types.ModuleType("torch")
        module.__version__ = version
        module.version = types.SimpleNamespace(cuda=cuda)
        module.int16 = "torch.int16"
        monkeypatch.setitem(sys.modules, "torch", module)
        return module

    return install


@pytest.fixture(autouse=True)
def _without_torch(monkeypatch):
    """Every test starts with no torch imported, unless it installs the stand-in."""
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    yield


# ---- skips are reported, not silent -------------------------------------------
# Every skipped test is printed at the end of the run ("raiiaf skipped: ...") and,
# when RAIIAF_SKIP_LOG_DIR is set (ctest sets it), written to
# <dir>/<test file>.skips as "<node id>\t<reason>" lines. tests/check_skips.py
# compares them with tests/expected_skips.txt: ctest's python.skips test and
# .ci/run fail on a skip that is not listed there.

_SKIPPED: list = []


def _skip_reason(report) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        reason = str(longrepr[2])
    else:
        reason = str(longrepr)
    return reason[len("Skipped: "):] if reason.startswith("Skipped: ") else reason


def pytest_runtest_logreport(report) -> None:
    if report.skipped and not hasattr(report, "wasxfail"):
        _SKIPPED.append((report.nodeid, " ".join(_skip_reason(report).split())))


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    terminalreporter.write_line(f"raiiaf skipped: {len(_SKIPPED)} test(s)")
    for nodeid, reason in _SKIPPED:
        terminalreporter.write_line(f"raiiaf skipped: {nodeid} -- {reason}")
    log_dir = os.environ.get("RAIIAF_SKIP_LOG_DIR")
    if log_dir:
        name = "_".join(pathlib.Path(str(arg)).name for arg in config.args) or "all"
        os.makedirs(log_dir, exist_ok=True)
        with open(os.path.join(log_dir, name + ".skips"), "w", encoding="utf-8") as log:
            for nodeid, reason in _SKIPPED:
                log.write(f"{nodeid}\t{reason}\n")
