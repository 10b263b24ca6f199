"""Types: the stubs (.pyi) of both packages and of the compiled module match what they describe
(mypy's stubtest), and the packages are fully annotated and consistent (mypy). Skipped where mypy (python3-mypy) is not installed."""

from __future__ import annotations

import importlib.util
import pathlib
import subprocess
import sys

import pytest

from conftest import child_env

pytestmark = pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy is not installed")

HERE = pathlib.Path(__file__).resolve().parent


def mypy(cwd, *args, module="mypy"):
    # mypy finds the packages as the interpreter does (PYTHONPATH, or installed with py.typed).
    result = subprocess.run([sys.executable, "-m", module, *args], cwd=cwd, capture_output=True, text=True,
                            env=child_env(), timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_stubs_match_the_packages(tmp_path):
    mypy(tmp_path, "raiiaf", "gen5", "--allowlist", str(HERE / "stubtest_allowlist.txt"), module="mypy.stubtest")


def test_packages_are_fully_annotated(tmp_path):
    mypy(tmp_path, "--cache-dir", str(tmp_path / "cache"), "--ignore-missing-imports", "--disallow-untyped-defs",
         "--disallow-incomplete-defs", "-p", "raiiaf", "-p", "gen5")


def test_user_code_type_checks(tmp_path):
    """Typed user code over both APIs: the annotations and the stub say what the code does."""
    sample = tmp_path / "sample.py"
    sample.write_text('''
from typing import Dict, List, Optional
import numpy as np
import raiiaf
from raiiaf import raiiafFileHandler
from raiiaf.core.exceptions import raiiafDecodeError

def newest(path: str) -> Optional[np.ndarray]:
    with raiiaf.open(path) as art:
        meta: Dict[str, object] = art.metadata
        messages: List[str] = [entry.message for entry in art.drift()]
        ok: bool = art.verify()
        image: Optional[bytes] = art.image_bytes
        return art.latents.get("initial_noise")

def legacy(path: str) -> int:
    h = raiiafFileHandler()
    try:
        decoded: dict = h.file_decoder(path)
    except raiiafDecodeError as e:
        print(e.chunk_index, e.reason)
        return 0
    return h.HEADER_SIZE

written = raiiaf.save("x.raiiaf", latents={"a": np.zeros(3)}, prompt="p")
data: bytes = raiiaf.dumps(latents={"a": np.zeros(3)})
''')
    mypy(tmp_path, "--cache-dir", str(tmp_path / "cache"), "--ignore-missing-imports", str(sample))
