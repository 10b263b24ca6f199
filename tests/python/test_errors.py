"""Damaged files raise the package's exception classes, the most specific one."""

from __future__ import annotations

import importlib
import inspect
import json
import pickle
import shutil
import warnings

import numpy as np
import pytest

import gen5
import raiiaf
from conftest import GENERATION_SETTINGS, HARDWARE_INFO
from gen5.core import exceptions as gx
from raiiaf.core import exceptions as rx

LAYOUTS = [
    pytest.param(raiiaf.raiiafFileHandler, ".raiiaf", rx, "raiiaf", id="raiiaf"),
    pytest.param(gen5.Gen5FileHandler, ".gen5", gx, "Gen5", id="gen5"),
]


def names(ex, prefix):
    return {k: getattr(ex, f"{prefix}{k}") for k in
            ("DecodeError", "CorruptHeader", "MetadataError", "ChunkError", "LatentError", "ImageError", "EnvChunkError")}


def encode(handler, path, noise, png, **options):
    options.setdefault("convert_float16", False)
    return handler.file_encoder(
        filename=str(path), latent={"latent_1": noise}, chunk_records=[], model_name="TestModel",
        model_version="1.0", prompt="Test prompt", tags=["test"], img_binary=png,
        generation_settings=GENERATION_SETTINGS, hardware_info=HARDWARE_INFO, **options)


def records(handler, path):
    raw = path.read_bytes()
    h = (raiiaf.core.header if path.suffix == ".raiiaf" else gen5.core.header).header_parse(raw)
    manifest = handler.metadata.metadata_parser(raw[h["chunk_table_offset"]:h["chunk_table_offset"] + h["chunk_table_size"]])
    return next(iter(manifest.values()))["chunks"], h


def patch(path, offset, data):
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(data)


# ---- the classes ----------------------------------------------------------------

@pytest.mark.parametrize("module,prefix,text", [(rx, "raiiaf", "raiiaf Decode Error: "), (gx, "Gen5", "Gen5 Decode Error: ")])
def test_hierarchy_and_messages(module, prefix, text):
    c = names(module, prefix)
    assert issubclass(c["DecodeError"], Exception)
    for k in ("CorruptHeader", "MetadataError", "ChunkError"):
        assert c[k].__bases__ == (c["DecodeError"],)
    for k in ("LatentError", "ImageError", "EnvChunkError"):
        assert c[k].__bases__ == (c["ChunkError"],)
    assert str(c["DecodeError"]("x")) == text + "x"
    assert str(c["CorruptHeader"](message="x")) == text + "Corrupt header: x"
    assert str(c["MetadataError"]("x")) == text + "Corrupt Metadata: x"
    assert str(c["ChunkError"]("x")) == text + "Corrupt Chunk: x"
    assert str(c["LatentError"]("x")) == text + "Corrupt Chunk: Corrupt Latent: x"
    assert str(c["ImageError"]("x")) == text + "Corrupt Chunk: Corrupt Image: x"
    assert str(c["EnvChunkError"]("x")) == text + "Corrupt Chunk: Corrupt Environment Chunk: x"


@pytest.mark.parametrize("module,prefix,module_name", [(rx, "raiiaf", "raiiaf.core.exceptions"),
                                                        (gx, "Gen5", "gen5.core.exceptions")])
def test_names_module_paths_and_signatures(module, prefix, module_name):
    c = names(module, prefix)
    assert module.__name__ == module_name
    assert module.__all__ == [cls.__name__ for cls in c.values()]
    for suffix, cls in c.items():
        assert cls.__name__ == cls.__qualname__ == prefix + suffix
        assert cls.__module__ == module_name
        assert getattr(importlib.import_module(module_name), prefix + suffix) is cls
        assert repr(cls) == f"<class '{module_name}.{prefix}{suffix}'>"
        assert str(inspect.signature(cls)) == "(message: str)"
        assert cls.__doc__ and cls.__init__.__doc__ is None
        assert cls.__init__.__qualname__ == f"{prefix}{suffix}.__init__"
    for attribute in ("reason", "chunk_index", "chunk_type", "offset", "json_path"):
        assert getattr(c["DecodeError"], attribute) is None
        assert getattr(c["EnvChunkError"]("x"), attribute) is None
    assert set(c["DecodeError"].__annotations__) == {"reason", "chunk_index", "chunk_type", "offset", "json_path"}
    # isinstance follows the hierarchy, and the two packages' classes stay apart.
    latent = c["LatentError"]("x")
    assert isinstance(latent, (c["ChunkError"])) and isinstance(latent, c["DecodeError"]) and isinstance(latent, Exception)
    assert not isinstance(latent, c["MetadataError"]) and not isinstance(latent, c["ImageError"])
    other = names(gx, "Gen5") if module is rx else names(rx, "raiiaf")
    assert not isinstance(latent, other["DecodeError"]) and not issubclass(other["LatentError"], c["DecodeError"])
    with pytest.raises(c["ChunkError"]):
        raise c["ImageError"]("y")


@pytest.mark.parametrize("module,prefix", [(rx, "raiiaf"), (gx, "Gen5")])
def test_pickling_as_the_existing_classes_pickle(module, prefix):
    c = names(module, prefix)
    for cls in c.values():
        assert pickle.loads(pickle.dumps(cls)) is cls  # by reference: module path and name
        error = cls("x")
        error.chunk_index, error.json_path = 3, "/x"
        back = pickle.loads(pickle.dumps(error))
        # An exception pickles as its class called with its args (the prefixed
        # message, prefixed once more, as with the existing package's classes)
        # and its attributes.
        assert type(back) is cls
        assert back.args == cls(*error.args).args
        assert (back.chunk_index, back.json_path) == (3, "/x")


# ---- damage, through the legacy decoder ---------------------------------------------

@pytest.mark.parametrize("Handler,ext,module,prefix", LAYOUTS)
def test_bad_magic(tmp_path, noise, png, Handler, ext, module, prefix):
    h = Handler()
    path = tmp_path / f"t{ext}"
    encode(h, path, noise, png)
    patch(path, 0, b"XXXX")
    with pytest.raises(names(module, prefix)["CorruptHeader"]) as info:
        h.file_decoder(str(path))
    assert str(info.value).startswith(f"{'raiiaf' if prefix == 'raiiaf' else 'Gen5'} Decode Error: Corrupt header: ")


@pytest.mark.parametrize("should_compress", [True, False])
@pytest.mark.parametrize("Handler,ext,module,prefix", LAYOUTS)
def test_damaged_latent(tmp_path, noise, png, Handler, ext, module, prefix, should_compress):
    h = Handler()
    path = tmp_path / f"t{ext}"
    encode(h, path, noise, png, should_compress=should_compress)
    patch(path, h.HEADER_SIZE, b"\x00\x01\x02")  # the old test suite's damage
    with pytest.raises(names(module, prefix)["ChunkError"]) as info:
        h.file_decoder(str(path))
    assert isinstance(info.value, names(module, prefix)["LatentError"])
    assert info.value.chunk_type == "LATN" and info.value.chunk_index == 0


@pytest.mark.parametrize("Handler,ext,module,prefix", LAYOUTS)
def test_damaged_image(tmp_path, noise, png, Handler, ext, module, prefix):
    h = Handler()
    path = tmp_path / f"t{ext}"
    result = encode(h, path, noise, png)
    manifest = h.metadata.metadata_parser(result["metadata_chunk"])
    for rec in next(iter(manifest.values()))["chunks"]:
        if rec["type"] == "DATA":
            patch(path, rec["offset"], b"\xFF" * rec["compressed_size"])
            break
    with pytest.raises(names(module, prefix)["ImageError"]):
        h.file_decoder(str(path))


@pytest.mark.parametrize("Handler,ext,module,prefix", LAYOUTS)
def test_damaged_manifest(tmp_path, noise, png, Handler, ext, module, prefix):
    h = Handler()
    path = tmp_path / f"t{ext}"
    encode(h, path, noise, png)
    header = (raiiaf.core.header if ext == ".raiiaf" else gen5.core.header).header_parse(path.read_bytes())
    patch(path, header["chunk_table_offset"], b"\x00" * min(100, header["chunk_table_size"]))
    with pytest.raises(names(module, prefix)["MetadataError"]):
        h.file_decoder(str(path))


@pytest.mark.parametrize("Handler,ext,module,prefix", LAYOUTS)
def test_hash_mismatch_in_raw_latent(tmp_path, noise, png, Handler, ext, module, prefix):
    """Damage the old package never noticed: a flipped bit inside a raw payload."""
    h = Handler()
    path = tmp_path / f"t{ext}"
    encode(h, path, noise, png, should_compress=False)
    recs, _ = records(h, path)
    latn = recs[0]
    offset = latn["offset"] + 12 + latn["uncompressed_size"] // 2
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(names(module, prefix)["LatentError"]) as info:
        h.file_decoder(str(path))
    # Our files carry a fast digest of the stored bytes, which every load checks.
    assert "XXH3-128" in str(info.value)
    with pytest.raises(rx.raiiafLatentError):
        with raiiaf.open(path) as art:
            art.latents["latent_1"]


@pytest.mark.parametrize("Handler,ext,module,prefix", LAYOUTS)
def test_hash_mismatch_in_image(tmp_path, noise, png, Handler, ext, module, prefix):
    h = Handler()
    path = tmp_path / f"t{ext}"
    encode(h, path, noise, png)
    recs, _ = records(h, path)
    data_rec = next(r for r in recs if r["type"] == "DATA")
    assert data_rec["compressed"] is False
    data = bytearray(path.read_bytes())
    data[data_rec["offset"] + 12 + data_rec["uncompressed_size"] - 20] ^= 0x40
    path.write_bytes(bytes(data))
    with pytest.raises(names(module, prefix)["ImageError"]):
        h.file_decoder(str(path))


@pytest.mark.parametrize("Handler,ext,module,prefix", LAYOUTS)
def test_damaged_environment(tmp_path, noise, png, Handler, ext, module, prefix):
    h = Handler()
    path = tmp_path / f"t{ext}"
    encode(h, path, noise, png)
    recs, _ = records(h, path)
    env = next((r for r in recs if r["type"] == "ENVC"), None)
    if env is not None:
        patch(path, env["offset"] + env["compressed_size"] // 2, b"\x00\x00\x00\x00")
    else:  # GEN5 keeps the environment in the manifest (FORMAT.md 8.8): a digest that does not match
        import importlib

        header_module = importlib.import_module(f"{module.__name__.split('.')[0]}.core.header")
        data = path.read_bytes()
        header = header_module.header_parse(data)
        manifest = h.file_decoder(str(path))["metadata"]
        manifest["gen5_metadata"]["environment"]["components"][0]["component_sha256_digest"] = "0" * 64
        frame = h.metadata.metadata_compressor(manifest)
        body = data[:header["chunk_table_offset"]] + frame
        header.update(chunk_table_size=len(frame), file_size=len(body))
        del header["magic"]
        packed = header_module.header_init(**header)
        path.write_bytes(packed + body[len(packed):])
    with pytest.raises(names(module, prefix)["EnvChunkError"]):
        h.file_decoder(str(path))


@pytest.mark.parametrize("Handler,ext,module,prefix", LAYOUTS)
def test_truncated_and_empty(tmp_path, noise, png, Handler, ext, module, prefix):
    h = Handler()
    path = tmp_path / f"t{ext}"
    encode(h, path, noise, png)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 10])
    with pytest.raises(names(module, prefix)["DecodeError"]):
        h.file_decoder(str(path))
    path.write_bytes(b"")
    with pytest.raises(names(module, prefix)["CorruptHeader"]):
        h.file_decoder(str(path))


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        raiiaf.raiiafFileHandler().file_decoder(str(tmp_path / "missing.raiiaf"))
    with pytest.raises(FileNotFoundError):
        raiiaf.open(tmp_path / "missing.raiiaf")
    problems = raiiaf.check(tmp_path / "missing.raiiaf")
    assert len(problems) == 1 and isinstance(problems[0], FileNotFoundError)


def test_damaged_vector_latent(tmp_path, vectors_dir):
    """A bit flip inside a latent of a file the existing package wrote."""
    path = tmp_path / "r1.raiiaf"
    shutil.copy(vectors_dir / "r1_f32_raw.raiiaf", path)
    meta = json.loads((vectors_dir / "expected" / "r1_f32_raw" / "metadata.json").read_text())
    latn = meta["raiiaf_metadata"]["chunks"][0]
    data = bytearray(path.read_bytes())
    data[latn["offset"] + 12 + 1000] ^= 0x80
    path.write_bytes(bytes(data))
    with pytest.raises(rx.raiiafLatentError):
        raiiaf.raiiafFileHandler().file_decoder(str(path))
    problems = raiiaf.check(path)
    assert [type(p) for p in problems] == [rx.raiiafLatentError]
    with raiiaf.open(path) as art:
        with pytest.raises(rx.raiiafLatentError):
            art.verify()
    # Opting out of hash checks reads the damaged bytes as they are.
    with raiiaf.open(path, verify_hashes=False) as art:
        assert art.latents["initial_noise"].shape == (1, 4, 64, 64)


def test_damaged_vector_zfp_stream(tmp_path, vectors_dir):
    """Bit flips across a zfp stream: each one raises a ChunkError subclass or decodes to exactly
    the original values (zfp codes whole 4x4x4x4 blocks, so some bits only carry the padding of
    partial blocks and never reach the tensor). Never silently different data."""
    meta = json.loads((vectors_dir / "expected" / "r3_f32_zfp" / "metadata.json").read_text())
    expected = np.load(vectors_dir / "expected" / "r3_f32_zfp" / "initial_noise.npy")
    latn = meta["raiiaf_metadata"]["chunks"][0]
    original = (vectors_dir / "r3_f32_zfp.raiiaf").read_bytes()
    start = latn["offset"] + latn["len_header"]
    path = tmp_path / "r3.raiiaf"
    raised = 0
    for position in range(start, start + latn["len_data"], latn["len_data"] // 40):
        data = bytearray(original)
        data[position] ^= 0x10
        path.write_bytes(bytes(data))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                decoded = raiiaf.raiiafFileHandler().file_decoder(str(path))
        except rx.raiiafChunkError:
            raised += 1
        else:
            np.testing.assert_array_equal(decoded["chunks"]["latent"][0], expected)
    assert raised > 0


def test_gen5_handler_raises_gen5_classes_for_raiiaf_damage(tmp_path, vectors_dir):
    path = tmp_path / "g1.gen5"
    shutil.copy(vectors_dir / "g1_f32_zstd.gen5", path)
    patch(path, 0, b"NOPE")
    with pytest.raises(gx.Gen5CorruptHeader):
        gen5.Gen5FileHandler().file_decoder(str(path))
    with pytest.raises(rx.raiiafCorruptHeader):
        raiiaf.open(path)


def test_error_location_attributes(tmp_path, noise, png):
    h = raiiaf.raiiafFileHandler()
    path = tmp_path / "t.raiiaf"
    encode(h, path, noise, png, should_compress=False)
    recs, _ = records(h, path)
    data = bytearray(path.read_bytes())
    data[recs[0]["offset"] + 100] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(rx.raiiafLatentError) as info:
        h.file_decoder(str(path))
    e = info.value
    assert e.chunk_index == 0 and e.chunk_type == "LATN" and e.offset == recs[0]["offset"]
    assert e.reason and e.reason in str(e)


def test_pythonic_api_errors(tmp_path, noise, png):
    path = tmp_path / "a.raiiaf"
    raiiaf.save(path, image=png, latents={"x": noise})
    patch(path, 0, b"XX")
    with pytest.raises(rx.raiiafCorruptHeader):
        raiiaf.open(path)
    problems = raiiaf.check(path)
    assert problems and isinstance(problems[0], rx.raiiafCorruptHeader)
    with pytest.raises(rx.raiiafCorruptHeader):
        raiiaf.open(path.read_bytes())


# ---- any damage --------------------------------------------------------------------------

def _decode_all(handler, path):
    """Everything the legacy decoder and the Pythonic API give for a file, for comparison."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        decoded = handler.file_decoder(str(path))
    with raiiaf.open(path) as art:
        pythonic = {name: np.array(art.latents[name]) for name in art.latents}
        image = art.image_bytes
        env = art.env
    return ([a.tobytes() for a in decoded["chunks"]["latent"]], decoded["chunks"].get("image"),
            decoded["metadata"], sorted((k, v.tobytes()) for k, v in pythonic.items()), image, env)


@pytest.mark.parametrize("should_compress", [True, False])
@pytest.mark.parametrize("Handler,ext,module,prefix", LAYOUTS)
def test_any_damage_raises_a_package_class(tmp_path, png, Handler, ext, module, prefix, should_compress):
    """Random bit flips, truncations and extensions: every read raises the package's DecodeError (for
    the legacy decoder, its own family; for raiiaf.open, raiiafDecodeError), or gives exactly what
    the intact file gives (a flip in an ignored header field or in zfp block padding)."""
    h = Handler()
    path = tmp_path / f"t{ext}"
    noise = np.random.default_rng(2).standard_normal((1, 4, 16, 16)).astype(np.float32)
    encode(h, path, noise, png, should_compress=should_compress)
    original = path.read_bytes()
    intact = _decode_all(h, path)
    family = names(module, prefix)["DecodeError"]
    rng = np.random.default_rng(99)
    damaged = path.with_name(f"damaged{ext}")
    outcomes = {"raised": 0, "same": 0}
    for trial in range(150):
        data = bytearray(original)
        if trial % 10 == 8:
            data = data[:int(rng.integers(0, len(data)))]
        elif trial % 10 == 9:
            data += bytes(rng.integers(0, 256, int(rng.integers(1, 64)), dtype=np.uint8))
        else:
            data[int(rng.integers(0, len(data)))] ^= 1 << int(rng.integers(0, 8))
        damaged.write_bytes(bytes(data))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                h.file_decoder(str(damaged))
        except family:
            outcomes["raised"] += 1
            with pytest.raises(rx.raiiafDecodeError):
                with raiiaf.open(damaged) as art:
                    [art.latents[name] for name in art.latents], art.image_bytes, art.env
        else:
            assert _decode_all(h, damaged) == intact, f"trial {trial}: different content without an error"
            outcomes["same"] += 1
    assert outcomes["raised"] > 50  # not vacuous (zfp padding makes many flips harmless)
