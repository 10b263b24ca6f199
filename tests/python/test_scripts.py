"""User scripts run unchanged, as separate programs, against the built packages."""

from __future__ import annotations

import pathlib
import subprocess
import sys

from conftest import child_env

SCRIPTS = pathlib.Path(__file__).resolve().parent / "scripts"


def run(script, cwd):
    result = subprocess.run([sys.executable, "-W", "error::DeprecationWarning", str(SCRIPTS / script)], cwd=cwd,
                            capture_output=True, text=True, env=child_env(), timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_legacy_script(tmp_path):
    assert run("legacy_usage.py", tmp_path) == [
        "['header', 'image_chunk', 'latent_chunks', 'metadata_chunk']",
        "b'raiiaf' 1 3",
        "a cat in neon goggles",
        "float16 (1, 4, 64, 64) True",
        "(32, 32) RGBA",
        "1 True 32",
        "33 33 True True",
        "True True",
        "True True",
        "1 (1, 4, 64, 64)",
        "1",
        "b'GEN5' 32 gen5 prompt True",
        "raiiafCorruptHeader True True",
    ]
    assert {p.name for p in tmp_path.iterdir()} == {"image.png", "out.raiiaf", "out.gen5"}


def test_pythonic_script(tmp_path):
    assert run("pythonic_usage.py", tmp_path) == ["a cat in neon goggles", "True", "(16, 16)", "[]", "True"]
