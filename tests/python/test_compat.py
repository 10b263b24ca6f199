"""What a first real user of the existing raiiaf/gen5 package trips over (issue 11): files both
published gen5 variants read, seeds up to 2**64-1, codecs that never expand a latent, a notice
and a strict mode for extensions, the version, drift that means something, the mistakes Python
callers make and the images diffusers hands over.

The existing package is modelled by compat_reader.py (zstandard + zfpy + jsonschema, no code
shared with ours); tests that need it skip without those Debian packages."""

from __future__ import annotations

import importlib.util
import json
import os
import pathlib
import struct
import subprocess
import sys
import warnings

import numpy as np
import pytest

import gen5
import raiiaf
from conftest import GENERATION_SETTINGS, HARDWARE_INFO, child_env, make_png

HERE = pathlib.Path(__file__).resolve().parent
CLI = pathlib.Path(raiiaf.__file__).resolve().parent.parent.parent / "bin" / "raiiaf"
needs_reference = pytest.mark.skipif(
    any(importlib.util.find_spec(m) is None for m in ("zstandard", "zfpy", "jsonschema")),
    reason="compat_reader needs python3-zstandard, python3-zfpy and python3-jsonschema")
needs_torch = pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="python3-torch is not installed")
needs_cli = pytest.mark.skipif(not CLI.is_file(), reason=f"the raiiaf CLI is not built at {CLI}")


def compat():
    sys.path.insert(0, str(HERE))
    import compat_reader

    return compat_reader


def run_cli(*args, check=True):
    result = subprocess.run([str(CLI), *map(str, args)], capture_output=True, text=True, timeout=120)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def smooth(shape):
    return np.sin(np.arange(int(np.prod(shape)), dtype=np.float64) * 0.001).astype(np.float32).reshape(shape)


def quiet_save(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing to warn about in a file without extensions
        return raiiaf.save(*args, **kwargs)


# ---- GEN5 files both gen5 variants read ----------------------------------------------------

@needs_reference
def test_gen5_from_save_is_read_by_both_gen5_variants(tmp_path, noise, png):
    path = quiet_save(tmp_path / "a.gen5", image=png, latents={"n": noise}, prompt="p", model="m",
                      model_version="1", layout="gen5", settings=GENERATION_SETTINGS)
    reader = compat()
    for older in (False, True):
        decoded = reader.decode(path, older_gen5=older)
        np.testing.assert_array_equal(decoded["chunks"]["latent"][0], noise)
        assert decoded["chunks"]["image"] == png
        reader.validate_manifest(decoded["metadata"])
    with raiiaf.open(path) as art:
        ids = [c.component_id for c in art.env.components]
        assert {"numpy", "python", "os", "raiiaf"} <= set(ids)
        assert art.drift() == []


@needs_reference
def test_gen5_from_file_encoder_and_convert_is_read_by_both_variants(tmp_path, noise, png):
    handler = gen5.Gen5FileHandler()
    legacy = tmp_path / "legacy.gen5"
    handler.file_encoder(filename=str(legacy), latent={"n": noise}, chunk_records=[], model_name="m",
                         model_version="1", prompt="p", tags=[], img_binary=png,
                         generation_settings=GENERATION_SETTINGS, hardware_info=HARDWARE_INFO)
    outputs = [legacy]
    if CLI.is_file():
        source = quiet_save(tmp_path / "s.raiiaf", image=png, latents={"n": noise}, prompt="p")
        run_cli("convert", source, tmp_path / "c.gen5")  # the layout from the extension
        outputs.append(tmp_path / "c.gen5")
    reader = compat()
    for path in outputs:
        assert path.read_bytes()[:4] == b"GEN5"
        expected = noise.astype(np.float16) if path == legacy else noise  # file_encoder's default: float16
        for older in (False, True):
            decoded = reader.decode(path, older_gen5=older)
            np.testing.assert_array_equal(decoded["chunks"]["latent"][0], expected)
        decoded_env = handler.file_decoder(str(path))["chunks"]["env"]
        assert len(decoded_env.components) > 0, path


# ---- seeds up to 2**64-1 ------------------------------------------------------------------

@pytest.mark.parametrize("seed", [2**63, 2**64 - 1, np.uint64(2**64 - 1), np.int64(5)])
def test_unsigned_64_bit_seeds_round_trip(tmp_path, noise, png, seed):
    settings = dict(GENERATION_SETTINGS, seed=seed)
    path = quiet_save(tmp_path / "s.raiiaf", image=png, latents={"n": noise}, prompt="p", settings=settings)
    with raiiaf.open(path) as art:
        assert art.settings["seed"] == int(seed) and type(art.settings["seed"]) is int
        assert art.verify()
    legacy = tmp_path / "legacy.raiiaf"
    raiiaf.raiiafFileHandler().file_encoder(filename=str(legacy), latent={"n": noise}, chunk_records=[],
                                            model_name="m", model_version="1", prompt="p", tags=[],
                                            img_binary=png, should_compress=False, generation_settings=settings)
    decoded = raiiaf.raiiafFileHandler().file_decoder(str(legacy))
    assert decoded["metadata"]["raiiaf_metadata"]["model_info"]["generation_settings"]["seed"] == int(seed)
    if CLI.is_file():
        run_cli("verify", path, legacy)


@pytest.mark.parametrize("seed", [2**64, -1, 1.5, True])
def test_seeds_outside_the_range_name_it(noise, seed):
    with pytest.raises(ValueError, match=r"seed must be an integer from 0 to 2\*\*64-1"):
        raiiaf.dumps(latents={"n": noise}, settings=dict(GENERATION_SETTINGS, seed=seed))


@needs_cli
def test_cli_seed_of_2_64_minus_1(tmp_path, noise):
    np.save(tmp_path / "n.npy", noise)
    (tmp_path / "i.png").write_bytes(make_png())
    out = tmp_path / "o.raiiaf"
    run_cli("create", tmp_path / "i.png", "-o", out, "--latent", f"n={tmp_path / 'n.npy'}", "--model", "m",
            "--model-version", "1", "--prompt", "p", "--seed", 2**64 - 1, "--steps", 20, "--sampler", "euler")
    run_cli("verify", out)
    with raiiaf.open(out) as art:
        assert art.settings["seed"] == 2**64 - 1
    for wrong in (-1, 2**64, "12x"):  # CLI11 alone wraps -1 and saturates 2**64 into 2**64-1
        refused = run_cli("create", tmp_path / "i.png", "-o", tmp_path / "w.raiiaf", "--latent",
                          f"n={tmp_path / 'n.npy'}", "--model", "m", "--model-version", "1", "--prompt", "p",
                          "--seed", wrong, "--steps", 20, "--sampler", "euler", check=False)
        assert refused.returncode == 2 and "from 0 to 18446744073709551615" in refused.stderr, refused.stderr
        assert not (tmp_path / "w.raiiaf").exists()


@needs_cli
@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_cli_zfp_latents_of_sd3_size_verify_and_extract(tmp_path, dtype):
    """Issue 12 item 1 as reported: written with exit 0, then refused by verify and extract."""
    np.save(tmp_path / "l.npy", np.random.default_rng(3).standard_normal((1, 16, 128, 128)).astype(dtype))
    np.save(tmp_path / "s.npy", smooth((1, 16, 128, 128)).astype(dtype))
    (tmp_path / "i.png").write_bytes(make_png())
    out = tmp_path / "z.raiiaf"
    run_cli("create", tmp_path / "i.png", "-o", out, "--latent", f"a={tmp_path / 'l.npy'}", "--latent",
            f"b={tmp_path / 's.npy'}", "--compress", "zfp", "--model", "m", "--model-version", "1", "--prompt", "p")
    run_cli("verify", out)
    run_cli("extract", out, "-o", tmp_path / "x")
    np.testing.assert_array_equal(np.load(tmp_path / "x" / "a.npy"), np.load(tmp_path / "l.npy"))
    np.testing.assert_array_equal(np.load(tmp_path / "x" / "b.npy"), np.load(tmp_path / "s.npy"))


@needs_reference
def test_reference_written_file_with_a_large_seed_verifies(tmp_path, vectors_dir):
    """A file as the existing package writes it (a vector, its manifest re-written with
    python-zstandard as that package does) with a seed >= 2**63."""
    import zstandard

    data = bytearray((vectors_dir / "r1_f32_raw.raiiaf").read_bytes())
    magic, major, minor, flags, offset, size, count, file_size, reserved = struct.unpack_from("<6sBBBIIIQI", data)
    meta = zstandard.ZstdDecompressor().decompress(bytes(data[offset:offset + size]))
    manifest = json.loads(meta[12:].decode("utf-8"))
    manifest["raiiaf_metadata"]["model_info"]["generation_settings"] = dict(GENERATION_SETTINGS, seed=2**63 + 7)
    text = json.dumps(manifest, indent=2).encode("utf-8")
    frame = zstandard.ZstdCompressor().compress(struct.pack("<4s4sI", b"META", b"0000", len(text)) + text)
    out = data[:offset] + frame
    struct.pack_into("<6sBBBIIIQI", out, 0, magic, major, minor, flags, offset, len(frame), count, len(out), reserved)
    path = tmp_path / "big_seed.raiiaf"
    path.write_bytes(bytes(out))
    assert raiiaf.check(path) == []
    with raiiaf.open(path) as art:
        assert art.settings["seed"] == 2**63 + 7
    if CLI.is_file():
        run_cli("verify", path)


# ---- never store more than raw; zfp without size-1 axes -------------------------------------

@needs_reference
def test_noise_under_the_legacy_default_is_stored_raw(tmp_path, noise, png):
    path = tmp_path / "n.raiiaf"
    records: list = []
    raiiaf.raiiafFileHandler().file_encoder(filename=str(path), latent={"n": noise}, chunk_records=records,
                                            model_name="m", model_version="1", prompt="p", tags=[],
                                            img_binary=png, convert_float16=False,
                                            generation_settings=GENERATION_SETTINGS, hardware_info=HARDWARE_INFO)
    latent = next(r for r in records if r["type"] == "LATN")
    assert latent["compressed"] is False and latent["compressed_size"] == 12 + noise.nbytes
    np.testing.assert_array_equal(compat().decode(path)["chunks"]["latent"][0], noise)


@needs_reference
@pytest.mark.parametrize("shape", [(1, 4, 128, 128), (1, 16, 128, 128), (1, 4, 192, 192), (2, 1, 40, 40)])
def test_zfp_streams_leave_out_unit_axes_and_the_existing_package_reads_them(tmp_path, shape):
    import zfpy

    latent = smooth(shape)
    path = quiet_save(tmp_path / "z.raiiaf", latents={"z": latent}, codec="zfp")
    with raiiaf.open(path) as art:
        info = art.latents.info("z")
        assert info["codec"] == "zfp" and info["stored_size"] < latent.nbytes
        np.testing.assert_array_equal(art.latents["z"], latent)
        record = next(c for c in art.chunks if c["type"] == "LATN")
    stream = path.read_bytes()[record["offset"] + record["len_header"]:record["offset"] + record["compressed_size"]]
    assert zfpy.decompress_numpy(stream).shape == tuple(d for d in shape if d != 1)
    np.testing.assert_array_equal(compat().decode(path)["chunks"]["latent"][0], latent)


def _with_latent_stream(path: pathlib.Path, stream: bytes) -> bytes:
    """The file with its one zfp LATN stream replaced (offsets and sizes fixed up)."""
    import zstandard

    data = path.read_bytes()
    magic, major, minor, flags, offset, size, count, file_size, reserved = struct.unpack_from("<6sBBBIIIQI", data)
    meta = zstandard.ZstdDecompressor().decompress(data[offset:offset + size])
    manifest = json.loads(meta[12:].decode("utf-8"))
    body = bytearray(data[:33])
    for record in manifest["raiiaf_metadata"]["chunks"]:
        stored = data[record["offset"]:record["offset"] + record["compressed_size"]]
        if record["type"] == "LATN":
            stored = stored[:record["len_header"]] + stream
            record["len_data"] = len(stream)
            record["extra"].pop("stored_sha256", None)
            record["extra"].pop("xxh3_128", None)  # the existing package writes neither digest
        record["offset"] = len(body)
        record["compressed_size"] = len(stored)
        body += stored
    text = json.dumps(manifest, indent=2).encode("utf-8")
    frame = zstandard.ZstdCompressor().compress(struct.pack("<4s4sI", b"META", b"0000", len(text)) + text)
    table = len(body)
    body += frame
    struct.pack_into("<6sBBBIIIQI", body, 0, magic, major, minor, flags, table, len(frame), count, len(body), reserved)
    return bytes(body)  # payload digests are unchanged: the decoded tensor is the same


@needs_reference
@pytest.mark.parametrize("shape", [(1, 16, 128, 128), (1, 4, 192, 192)])
def test_zfpy_written_streams_with_unit_axes_read(tmp_path, shape):
    """zfpy.compress_numpy codes the numpy shape as it is (size-1 axes padded 4x): such files
    from the existing package were refused ("zfp stream parameters are out of bounds")."""
    import zfpy

    latent = smooth(shape)
    ours = quiet_save(tmp_path / "ours.raiiaf", latents={"z": latent}, codec="zfp")
    path = tmp_path / "theirs.raiiaf"
    path.write_bytes(_with_latent_stream(ours, zfpy.compress_numpy(latent)))
    assert raiiaf.check(path) == []
    with raiiaf.open(path) as art:
        np.testing.assert_array_equal(art.latents["z"], latent)


# ---- a notice, and a strict mode, for files that need our reader ----------------------------

def test_extension_warning_names_the_extension(tmp_path, noise):
    with pytest.warns(raiiaf.ExtensionWarning, match=r'latent "n": codec zstd'):
        raiiaf.save(tmp_path / "z.raiiaf", latents={"n": smooth((1, 4, 32, 32))}, codec="zstd")
    with pytest.warns(raiiaf.ExtensionWarning, match=r'latent "r3": rank 3'):
        raiiaf.dumps(latents={"r3": noise[0]})
    with pytest.raises(ValueError, match=r"compatibility mode.*codec shuffle-zstd"):
        raiiaf.save(tmp_path / "s.raiiaf", latents={"n": noise}, codec="shuffle-zstd", compat=True)
    assert not (tmp_path / "s.raiiaf").exists()
    quiet_save(tmp_path / "ok.raiiaf", latents={"n": noise}, codec="zfp", compat=True)


@needs_cli
def test_cli_notice_and_compat(tmp_path):
    np.save(tmp_path / "n.npy", smooth((1, 4, 32, 32)))
    (tmp_path / "i.png").write_bytes(make_png())
    base = ["create", tmp_path / "i.png", "--latent", f"n={tmp_path / 'n.npy'}", "--model", "m",
            "--model-version", "1", "--prompt", "p"]
    noted = run_cli(*base, "-o", tmp_path / "z.raiiaf", "--compress", "zstd")
    assert noted.stderr.count("\n") == 1 and 'latent "n": codec zstd' in noted.stderr
    assert run_cli(*base, "-o", tmp_path / "plain.raiiaf").stderr == ""
    refused = run_cli(*base, "-o", tmp_path / "c.raiiaf", "--compress", "zstd", "--compat", check=False)
    assert refused.returncode == 1 and "codec zstd" in refused.stderr
    assert not (tmp_path / "c.raiiaf").exists()


@needs_cli
def test_convert_takes_the_layout_from_the_extension(tmp_path, noise):
    source = quiet_save(tmp_path / "s.raiiaf", latents={"n": noise}, prompt="p")
    run_cli("convert", source, tmp_path / "out.gen5")
    assert (tmp_path / "out.gen5").read_bytes()[:4] == b"GEN5"
    run_cli("convert", tmp_path / "out.gen5", tmp_path / "back.raiiaf")
    assert (tmp_path / "back.raiiaf").read_bytes()[:6] == b"raiiaf"
    run_cli("convert", source, tmp_path / "forced.gen5", "--format", "raiiaf")
    assert (tmp_path / "forced.gen5").read_bytes()[:6] == b"raiiaf"
    with raiiaf.open(tmp_path / "back.raiiaf") as art:  # the environment survives both rewrites
        assert art.drift() == [] and len(art.env.components) >= 3


# ---- the version ----------------------------------------------------------------------------

def test_versions_are_one_and_above_1_1():
    version = tuple(int(part) for part in raiiaf.__version__.split("."))
    assert version > (1, 1)
    assert gen5.__version__ == raiiaf.__version__
    if CLI.is_file():
        assert run_cli("--version").stdout.strip() == f"raiiaf {raiiaf.__version__}"


# ---- drift that means something -------------------------------------------------------------

WRITE = """
import sys, numpy as np, raiiaf
if sys.argv[2] == "torch":
    import torch
raiiaf.save(sys.argv[1], latents={"n": np.zeros((1, 4, 8, 8), np.float32)}, prompt="p")
"""
READ = """
import sys, json, warnings, raiiaf
if sys.argv[2] == "torch":
    import torch
with raiiaf.open(sys.argv[1]) as art:
    drift = [entry.message for entry in art.drift()]
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    raiiaf.raiiafFileHandler().file_decoder(sys.argv[1])
print(json.dumps({"drift": drift, "warnings": [str(w.message) for w in caught]}))
"""


@needs_torch
@pytest.mark.parametrize("write_with,read_with", [("torch", "none"), ("none", "torch")])
def test_no_drift_on_the_writing_machine(tmp_path, write_with, read_with):
    path = tmp_path / "d.raiiaf"
    env = child_env()
    subprocess.run([sys.executable, "-c", WRITE, str(path), write_with], check=True, env=env, timeout=300)
    out = subprocess.run([sys.executable, "-c", READ, str(path), read_with], check=True, env=env, timeout=300,
                         capture_output=True, text=True)
    assert json.loads(out.stdout) == {"drift": [], "warnings": []}
    with raiiaf.open(path) as art:
        assert "torch" in [c.component_id for c in art.env.components]
        assert art.drift() == []
    if CLI.is_file():
        diff = run_cli("env", "diff", path)
        assert "no drift" in diff.stdout and "torch" in diff.stdout  # torch: not checked from the shell
        details = json.loads(run_cli("env", "diff", path, "--json").stdout)
        assert details["differences"] == [] and "python" in details["not_checked"]


@needs_torch
@needs_reference
def test_the_existing_package_sees_no_drift_in_our_files(tmp_path):
    path = tmp_path / "d.raiiaf"
    subprocess.run([sys.executable, "-c", WRITE, str(path), "none"], check=True, env=child_env(), timeout=300)
    reader = compat()
    env = reader.decode(path)["chunks"]["env"]
    assert reader.reference_drift_warnings(env, reader.reference_environment()) == []
    with raiiaf.open(path) as art:  # the components the existing package does not record are still ours
        assert {"cpu", "memory", "raiiaf"} <= {c.component_id for c in art.env.components}


def test_components_a_file_does_not_record_are_not_drift(vectors_dir):
    with raiiaf.open(vectors_dir / "r1_f32_raw.raiiaf") as art:
        recorded = {c.component_id for c in art.env.components}
        kinds = {(entry.component_id, entry.kind) for entry in art.drift()}
    assert all(cid in recorded for cid, _ in kinds), kinds
    assert not any(kind == "missing_in_file" for _, kind in kinds)


def test_real_drift_keeps_the_existing_texts(fake_torch, noise):
    fake_torch("2.1.0", "12.1")
    data = raiiaf.dumps(latents={"n": noise})
    fake_torch("2.2.0", "12.1")
    with raiiaf.open(data) as art:
        messages = [entry.message for entry in art.drift()]
    assert messages == ["Environment component 'torch' differs:\n  File: name=torch;version=2.1.0;cuda=12.1\n"
                        "  Current: name=torch;version=2.2.0;cuda=12.1"]


# ---- Python mistakes, and what diffusers hands over -----------------------------------------

@pytest.mark.parametrize("kwargs,error,text", [
    ({"prompt": None}, TypeError, "prompt must be a string"),
    ({"model": None}, TypeError, "model must be a string"),
    ({"model_version": None}, TypeError, "model_version must be a string"),
    ({"tags": None}, TypeError, "tags must be a list of strings"),
    ({"tags": ["a", 3]}, TypeError, "tags must be strings"),
    ({"latents": np.zeros((1, 4, 8, 8), np.float32)}, TypeError, "latents must be a dict"),
    ({"latents": [np.zeros((1, 4, 8, 8), np.float32)]}, TypeError, "latents must be a dict"),
    ({"zfp_tolerance": 1e-3}, ValueError, "zfp_tolerance applies to the zfp codec only"),
    ({"zfp_tolerance": 1e-3, "codec": "zstd"}, ValueError, "zfp_tolerance applies to the zfp codec only"),
])
def test_common_mistakes_get_typed_errors(kwargs, error, text):
    arguments = dict(latents={"n": np.zeros((1, 4, 8, 8), np.float32)}, prompt="p")
    arguments.update(kwargs)
    with pytest.raises(error, match=text):
        raiiaf.dumps(**arguments)


def test_file_encoder_with_a_tensor_for_latent(tmp_path):
    with pytest.raises(TypeError, match="latent must be a dict"):
        raiiaf.raiiafFileHandler().file_encoder(filename=str(tmp_path / "x.raiiaf"),
                                                latent=np.zeros((1, 4, 8, 8), np.float32), chunk_records=[],
                                                model_name="m", model_version="1", prompt="p", tags=[],
                                                img_binary=None)


def test_numpy_scalars_in_settings(noise):
    settings = {"seed": np.int64(5), "steps": np.int32(20), "sampler": "euler", "cfg_scale": np.float32(7.5),
                "deterministic": np.bool_(True)}
    with raiiaf.open(raiiaf.dumps(latents={"n": noise}, settings=settings)) as art:
        assert art.settings == {"seed": 5, "steps": 20, "sampler": "euler", "cfg_scale": 7.5, "deterministic": True}


def test_images_as_diffusers_returns_them():
    from PIL import Image

    rgb = (np.arange(32 * 48 * 3) % 256).astype(np.uint8).reshape(32, 48, 3)
    for image in (Image.fromarray(rgb), rgb, rgb.astype(np.float32) / 255, (rgb.astype(np.float32) / 255)[None]):
        with raiiaf.open(raiiaf.dumps(image=image, latents={})) as art:
            np.testing.assert_array_equal(np.asarray(art.image().convert("RGB")), rgb)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        raiiaf.dumps(image=rgb.astype(np.float32))  # 0..255 floats: not what diffusers returns
    with pytest.raises(ValueError, match="shape"):
        raiiaf.dumps(image=np.zeros((4, 32, 32, 3), np.uint8))


def test_a_path_that_is_not_an_image_is_named(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("not an image")
    with pytest.raises(ValueError, match="notes.txt"):
        raiiaf.dumps(image=str(path))


# ---- raiiaf edit ----------------------------------------------------------------------------

@needs_cli
def test_edit_set_prompt_sets_the_prompt_and_a_no_op_edit_writes_nothing(tmp_path, noise):
    path = quiet_save(tmp_path / "e.raiiaf", latents={"n": noise}, prompt="old", settings=GENERATION_SETTINGS)
    run_cli("edit", path, "--set", "prompt=a new prompt")
    with raiiaf.open(path) as art:
        assert art.prompt == "a new prompt" and "prompt" not in art.settings
    before = path.stat()
    result = run_cli("edit", path, "--set", "seed=42", "--set", "prompt=a new prompt")
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert "unchanged" in result.stdout


# ---- the command that pip installs ----------------------------------------------------------

@needs_cli
def test_the_installed_command_runs_the_compiled_cli():
    """pyproject.toml's [project.scripts] entry point, run here from the build tree (a pip
    install puts the binary in raiiaf/_bin, the first place raiiaf._cli looks)."""
    text = (HERE.parent.parent / "pyproject.toml").read_text()
    assert 'raiiaf = "raiiaf._cli:main"' in text
    out = subprocess.run([sys.executable, "-m", "raiiaf._cli", "--version"], capture_output=True, text=True,
                         env=child_env(), timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == f"raiiaf {raiiaf.__version__}"
    helped = subprocess.run([sys.executable, "-m", "raiiaf._cli", "create", "--help"], capture_output=True,
                            text=True, env=child_env(), timeout=60)
    assert helped.returncode == 0 and "docs/" not in helped.stdout  # no file an installed user lacks
