"""Issue 12 through Python: write failures raise the OSError subclass of the
real errno, files the reader would refuse are never written, files that shrink
while open raise OSError instead of killing the interpreter (SIGBUS), and
open(copy=True) gives verified copies instead of live views.

Full and read-only file systems are small tmpfs mounts, made where this runs as
root with mount permitted; elsewhere those tests are skipped, visibly, with
the reason.
"""

from __future__ import annotations

import errno
import os
import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import raiiaf

from conftest import child_env


def _latent(shape=(1, 4, 128, 128)) -> np.ndarray:
    return np.random.default_rng(3).standard_normal(shape, dtype=np.float32)


def _save(path, **kwargs):
    kwargs.setdefault("latents", {"noise": _latent((1, 4, 8, 8))})
    return raiiaf.save(path, prompt="p", model="m", model_version="1", **kwargs)


@pytest.fixture
def tmpfs(tmp_path):
    """A 256 KiB tmpfs, unmounted afterwards."""
    mount_point = tmp_path / "small"
    mount_point.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount_point)],
                          capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.strip()}")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _leftovers(directory: pathlib.Path):
    return sorted(p.name for p in directory.iterdir() if ".tmp-" in p.name)


def test_enospc_is_an_oserror_with_its_errno(tmpfs):
    target = tmpfs / "big.raiiaf"
    with pytest.raises(OSError) as raised:
        _save(target, latents={"big": _latent()})  # 256 KiB of latent alone
    assert raised.value.errno == errno.ENOSPC
    assert type(raised.value) is OSError
    assert not target.exists() and _leftovers(tmpfs) == []
    _save(target)  # a small one fits
    before = target.read_bytes()
    with pytest.raises(OSError) as raised:
        _save(target, latents={"big": _latent()})
    assert raised.value.errno == errno.ENOSPC
    assert target.read_bytes() == before and _leftovers(tmpfs) == []


def test_read_only_file_system_is_erofs(tmpfs):
    _save(tmpfs / "kept.raiiaf")
    before = (tmpfs / "kept.raiiaf").read_bytes()
    subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=True)
    for name in ("kept.raiiaf", "new.raiiaf"):
        with pytest.raises(OSError) as raised:
            _save(tmpfs / name)
        assert raised.value.errno == errno.EROFS, name
    assert (tmpfs / "kept.raiiaf").read_bytes() == before
    assert not (tmpfs / "new.raiiaf").exists()


def test_efbig_and_eacces_in_a_child(tmp_path):
    # RLIMIT_FSIZE and dropping root must not touch this process: a child does it.
    script = textwrap.dedent(f"""
        import errno, os, resource, sys
        import numpy as np
        import raiiaf
        big = np.zeros((1, 4, 128, 128), np.float32)
        resource.setrlimit(resource.RLIMIT_FSIZE, (65536, resource.RLIM_INFINITY))
        try:
            raiiaf.save({str(tmp_path / 'efbig.raiiaf')!r}, latents={{"big": big}}, model="m", model_version="1")
            sys.exit("no error")
        except OSError as e:
            assert e.errno == errno.EFBIG and type(e) is OSError, repr(e)
        resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        if os.geteuid() == 0:
            os.setuid(65534)  # nobody: the 0755 root-owned directory refuses it
        try:
            raiiaf.save({str(tmp_path / 'eacces.raiiaf')!r}, latents={{"a": big[:1, :1, :2, :2]}}, model="m", model_version="1")
            sys.exit("no error")
        except PermissionError as e:
            assert e.errno == errno.EACCES, repr(e)
    """)
    os.chmod(tmp_path, 0o755)
    done = subprocess.run([sys.executable, "-c", script], env=child_env(), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr + done.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.parametrize("case", ["depth", "keys", "values", "prompt", "latents"])
def test_what_the_reader_refuses_is_never_written(tmp_path, case):
    target = tmp_path / "a.raiiaf"
    _save(target)
    before = target.read_bytes()
    kwargs = {}
    if case == "depth":
        deep: object = 1
        for _ in range(65):
            deep = [deep]
        kwargs["settings"] = {"seed": 1, "steps": 2, "sampler": "euler", "x": deep}
    elif case == "keys":
        kwargs["extra"] = {f"k{i}": i for i in range(10_001)}
    elif case == "values":
        kwargs["settings"] = {"seed": 1, "steps": 2, "sampler": "euler", "x": [0] * 1_000_001}
    elif case == "prompt":
        kwargs["prompt"] = "p" * (17 << 20)
    else:
        kwargs["latents"] = {f"l{i}": np.zeros(1, np.float32) for i in range(1_001)}
    with pytest.raises(ValueError):
        raiiaf.save(target, model="m", model_version="1", **{"prompt": "p", **kwargs})
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.raiiaf"]


def test_nan_is_refused(tmp_path):
    with pytest.raises(ValueError):
        _save(tmp_path / "nan.raiiaf", settings={"seed": 1, "steps": 2, "sampler": "euler", "cfg_scale": float("nan")})
    assert list(tmp_path.iterdir()) == []


def test_truncated_while_open_raises_oserror_not_sigbus(tmp_path):
    # In a child: if the fix regresses, SIGBUS kills it, not the test session.
    target = tmp_path / "shrinks.raiiaf"
    _save(target, latents={"big": _latent()})
    script = textwrap.dedent(f"""
        import os, raiiaf
        artifact = raiiaf.open({str(target)!r})
        os.truncate({str(target)!r}, 4096)
        try:
            artifact.latents["big"]
            raise SystemExit("no error")
        except OSError as e:
            assert "could not be read while mapped" in str(e), e
        problems = raiiaf.check({str(target)!r})
        assert problems, "check found nothing"
    """)
    done = subprocess.run([sys.executable, "-c", script], env=child_env(), capture_output=True, text=True)
    assert done.returncode == 0, f"exit {done.returncode}: {done.stderr}"


def test_copy_gives_verified_arrays_that_do_not_change_with_the_file(tmp_path):
    target = tmp_path / "a.raiiaf"
    original = _latent((1, 4, 8, 8))
    _save(target, latents={"noise": original})
    live = raiiaf.open(target).latents["noise"]
    copied = raiiaf.open(target, copy=True).latents["noise"]
    # Rewrite the payload in place, as a program that does not replace files would.
    data = bytearray(target.read_bytes())
    at = data.find(original.tobytes())
    assert at > 0
    with open(target, "r+b") as f:
        f.seek(at)
        f.write(np.zeros_like(original).tobytes())
    assert np.array_equal(copied, original)
    assert not np.array_equal(live, original)  # the documented cost of the zero-copy view


def test_every_limit_can_be_set(tmp_path):
    target = tmp_path / "a.raiiaf"
    _save(target)
    for name in ("max_file_size", "max_chunk_size", "max_chunk_count", "max_manifest_size",
                 "max_decompressed_total", "max_json_depth", "max_json_object_members", "max_json_values", "max_rank"):
        raiiaf.open(target, limits={name: 10**9})
    with pytest.raises(raiiaf.raiiafMetadataError):
        raiiaf.open(target, limits={"max_json_values": 5})
    with pytest.raises(raiiaf.raiiafMetadataError):
        raiiaf.open(target, limits={"max_json_object_members": 2})
