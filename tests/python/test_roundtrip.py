"""Round trips through both APIs (the existing package's handlers and raiiaf.save/open) and both
layouts, and what the existing package reads back from files we write (compat_reader)."""

from __future__ import annotations

import json
import os
import warnings

import numpy as np
import pytest

import compat_reader
import gen5
import raiiaf
from raiiaf import _raiiaf as _c
from conftest import GENERATION_SETTINGS, HARDWARE_INFO
from gen5.core import exceptions as gx
from raiiaf.core import exceptions as rx

HANDLERS = [
    pytest.param(raiiaf.raiiafFileHandler, ".raiiaf", rx.raiiafLatentError, rx.raiiafImageError, id="raiiaf"),
    pytest.param(gen5.Gen5FileHandler, ".gen5", gx.Gen5LatentError, gx.Gen5ImageError, id="gen5"),
]

needs_reference_libs = pytest.mark.skipif(
    not all(__import__("importlib").util.find_spec(m) for m in ("zstandard", "zfpy", "jsonschema")),
    reason="python3-zstandard, python3-zfpy and python3-jsonschema are needed to model the existing package")


def encode(handler, path, latents, png, **options):
    return handler.file_encoder(
        filename=str(path), latent=latents, chunk_records=options.pop("chunk_records", []),
        model_name="Stable Diffusion 3", model_version="3", prompt="a puppy, cinematic \u00e9\u732b",
        tags=["puppy", "dog"], img_binary=png, **options)


def decode_without_drift(handler, path):
    """The legacy decoder; a file written by this process must not warn about its environment."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        decoded = handler.file_decoder(str(path))
    assert [str(w.message) for w in caught] == []
    return decoded


def stored(array, convert_float16):
    return array.astype(np.float16) if convert_float16 else array


@pytest.fixture
def latents():
    rng = np.random.default_rng(7)
    return {
        "initial_noise": rng.standard_normal((1, 4, 32, 32)).astype(np.float32),
        "final_latent": rng.standard_normal((1, 4, 16, 8)).astype(np.float16),
    }


# ---- the existing package's API --------------------------------------------------------

@pytest.mark.parametrize("convert_float16", [True, False])
@pytest.mark.parametrize("should_compress", [True, False])
@pytest.mark.parametrize("Handler,ext,LatentError,ImageError", HANDLERS)
def test_legacy_round_trip(tmp_path, latents, png, Handler, ext, LatentError, ImageError, should_compress,
                           convert_float16):
    h = Handler()
    path = tmp_path / f"out{ext}"
    records: list = []
    result = encode(h, path, latents, png, chunk_records=records, should_compress=should_compress,
                    convert_float16=convert_float16, generation_settings=GENERATION_SETTINGS,
                    hardware_info=HARDWARE_INFO, extra_image={"note": "kept"})
    raw = path.read_bytes()

    # The return value: the stored pieces of the file.
    assert set(result) == {"header", "latent_chunks", "metadata_chunk", "image_chunk"}
    assert result["header"] == raw[:h.HEADER_SIZE]
    header = (raiiaf.core.header if ext == ".raiiaf" else gen5.core.header).header_parse(result["header"])
    assert raw[header["chunk_table_offset"]:] == result["metadata_chunk"]
    assert header["file_size"] == len(raw)
    # GEN5 keeps the environment in the manifest (FORMAT.md 8.8): the older gen5.main knows no ENVC.
    assert [r["type"] for r in records] == ["LATN", "LATN", "DATA"] + (["ENVC"] if ext == ".raiiaf" else [])
    latn = [r for r in records if r["type"] == "LATN"]
    assert result["latent_chunks"] == b"".join(raw[r["offset"]:r["offset"] + r["compressed_size"]] for r in latn)
    image_record = records[2]
    assert result["image_chunk"] == raw[image_record["offset"]:image_record["offset"] + image_record["compressed_size"]]
    assert image_record["extra"]["note"] == "kept"

    decoded = decode_without_drift(h, path)
    assert decoded["header"] == header
    body = decoded["metadata"][f"{'raiiaf' if ext == '.raiiaf' else 'gen5'}_metadata"]
    assert body["chunks"] == records
    info = body["model_info"]
    assert (info["model_name"], info["version"], info["prompt"], info["tags"]) == (
        "Stable Diffusion 3", "3", "a puppy, cinematic \u00e9\u732b", ["puppy", "dog"])
    assert info["generation_settings"] == GENERATION_SETTINGS and info["hardware_info"] == HARDWARE_INFO
    for got, (name, original) in zip(decoded["chunks"]["latent"], latents.items()):
        want = stored(original, convert_float16)
        assert got.dtype == want.dtype and got.shape == want.shape, name
        np.testing.assert_array_equal(got, want)
    assert decoded["chunks"]["image"] == png
    assert "numpy" in [c.component_id for c in decoded["chunks"]["env"].components]

    # The Pythonic API reads the same file.
    with raiiaf.open(path) as art:
        assert list(art.latents) == list(latents)
        for name, original in latents.items():
            np.testing.assert_array_equal(art.latents[name], stored(original, convert_float16))
        assert art.image_bytes == png
        assert art.verify() is True


@needs_reference_libs
@pytest.mark.parametrize("convert_float16", [True, False])
@pytest.mark.parametrize("should_compress", [True, False])
@pytest.mark.parametrize("Handler,ext,LatentError,ImageError", HANDLERS)
def test_existing_package_reads_what_the_handlers_write(tmp_path, latents, png, Handler, ext, LatentError,
                                                        ImageError, should_compress, convert_float16):
    """Including the defaults (convert_float16=True, should_compress=True), which crash the existing
    package's own RAIIAF writer."""
    path = tmp_path / f"out{ext}"
    encode(Handler(), path, latents, png, should_compress=should_compress, convert_float16=convert_float16,
           generation_settings=GENERATION_SETTINGS, hardware_info=HARDWARE_INFO)
    decoded = compat_reader.decode(path)
    compat_reader.validate_manifest(decoded["metadata"])
    for got, original in zip(decoded["chunks"]["latent"], latents.values()):
        want = stored(original, convert_float16)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    assert decoded["chunks"]["image"] == png
    if ext == ".gen5":  # the environment is in the manifest, where both gen5 variants ignore it (FORMAT.md 8.8)
        assert "env" not in decoded["chunks"] and decoded["metadata"]["gen5_metadata"]["environment"]["env_version"] == 1
        compat_reader.decode(path, older_gen5=True)
    else:
        assert decoded["chunks"]["env"]["env_version"] == 1


@needs_reference_libs
@pytest.mark.parametrize("Handler,ext,LatentError,ImageError", HANDLERS)
def test_defaults_and_omitted_settings(tmp_path, latents, png, Handler, ext, LatentError, ImageError):
    """No generation_settings / hardware_info: left out, not filled with schema-breaking defaults."""
    path = tmp_path / f"out{ext}"
    encode(Handler(), path, latents, png)  # every option at its default
    decoded = compat_reader.decode(path)
    compat_reader.validate_manifest(decoded["metadata"])
    info = next(iter(decoded["metadata"].values()))["model_info"]
    assert "generation_settings" not in info and "hardware_info" not in info
    for got, original in zip(decoded["chunks"]["latent"], latents.values()):
        assert got.dtype == np.float16
        np.testing.assert_array_equal(got, original.astype(np.float16))


@needs_reference_libs
def test_compat_reader_reads_every_vector(vectors_dir):
    """The model of the existing package decodes its own files: it is a fair judge."""
    from conftest import VECTOR_FILES

    for name in VECTOR_FILES:
        expected = vectors_dir / "expected" / name.rsplit(".", 1)[0]
        decoded = compat_reader.decode(vectors_dir / name)
        assert decoded["metadata"] == json.loads((expected / "metadata.json").read_text())
        compat_reader.validate_manifest(decoded["metadata"])
        keys = [r["extra"]["key"] for r in next(iter(decoded["metadata"].values()))["chunks"] if r["type"] == "LATN"]
        for got, key in zip(decoded["chunks"]["latent"], keys):
            np.testing.assert_array_equal(got, np.load(expected / f"{key}.npy"))


@pytest.mark.parametrize("Handler,ext,LatentError,ImageError", HANDLERS)
def test_legacy_encoder_refusals(tmp_path, latents, png, Handler, ext, LatentError, ImageError):
    h = Handler()
    with pytest.raises(ValueError, match=f"must have a \\{ext} extension"):
        encode(h, tmp_path / "out.bin", latents, png)
    with pytest.raises(LatentError, match="cannot be empty"):
        encode(h, tmp_path / f"out{ext}", {}, png)
    with pytest.raises(LatentError, match="Expected 4D latent"):
        encode(h, tmp_path / f"out{ext}", {"x": np.zeros((4, 32, 32), np.float32)}, png)
    with pytest.raises(LatentError, match="float16 or float32"):
        encode(h, tmp_path / f"out{ext}", {"x": np.zeros((1, 4, 8, 8), np.float64)}, png)
    nan = np.zeros((1, 4, 8, 8), np.float32)
    nan[0, 0, 0, 0] = np.nan
    with pytest.raises(LatentError, match="NaN"):
        encode(h, tmp_path / f"out{ext}", {"x": nan}, png)
    with pytest.raises(ImageError):
        encode(h, tmp_path / f"out{ext}", latents, png[:10])
    with pytest.raises(rx.raiiafMetadataError if ext == ".raiiaf" else gx.Gen5MetadataError):
        encode(h, tmp_path / f"out{ext}", latents, png, generation_settings={"seed": -1, "steps": 0})
    assert not any(p.suffix == ext for p in tmp_path.iterdir()), "nothing is written when refused"


@pytest.mark.parametrize("Handler,ext,LatentError,ImageError", HANDLERS)
def test_no_image(tmp_path, latents, Handler, ext, LatentError, ImageError):
    h = Handler()
    path = tmp_path / f"out{ext}"
    result = encode(h, path, latents, None)
    assert result["image_chunk"] is None
    decoded = decode_without_drift(h, path)
    assert "image" not in decoded["chunks"]
    with raiiaf.open(path) as art:
        assert art.image_bytes is None and art.image() is None


def test_png_helpers(tmp_path):
    from PIL import Image

    source = tmp_path / "in.png"
    Image.new("RGB", (10, 6), (1, 2, 3)).save(source)
    h = raiiaf.raiiafFileHandler()
    data = h.png_to_bytes(str(source))
    image = h.bytes_to_png(data)
    assert image.format == "PNG" and image.mode == "RGBA" and image.size == (10, 6)
    assert image.getpixel((0, 0)) == (1, 2, 3, 255)
    with pytest.raises(rx.raiiafImageError):
        h.png_to_bytes(str(tmp_path / "missing.png"))
    assert gen5.Gen5FileHandler().HEADER_SIZE == 32 and h.HEADER_SIZE == 33


def test_limits_helpers():
    h = raiiaf.raiiafFileHandler(max_file_size=1000, max_chunk_size=100)
    assert h.validate_file_size(1000, "file") is True and h.validate_chunk_count(1000) is True
    with pytest.raises(rx.raiiafDecodeError):
        h.validate_file_size(1001, "file")
    with pytest.raises(rx.raiiafChunkError):
        h.validate_file_size(101, "chunk")
    with pytest.raises(rx.raiiafDecodeError):
        h.validate_chunk_count(1001)


def test_header_module_round_trip():
    from raiiaf.core import constants, header

    packed = header.header_init(chunk_table_offset=100, chunk_table_size=20, chunk_count=3, file_size=120)
    assert len(packed) == constants.HEADER_SIZE == 33
    parsed = header.header_parse(packed)
    assert parsed == {"magic": b"raiiaf", "version_major": 1, "version_minor": 0, "flags": 0,
                      "chunk_table_offset": 100, "chunk_table_size": 20, "chunk_count": 3, "file_size": 120,
                      "reserved": 0}
    assert header.header_validate(parsed)
    with pytest.raises(rx.raiiafCorruptHeader):
        header.header_parse(packed[:10])
    assert not gen5.core.header.header_validate(parsed)
    assert gen5.core.header.header_parse(gen5.core.header.header_init(file_size=7))["file_size"] == 7
    assert json.loads(constants.JSON_SCHEMA)["$schema"].startswith("http://json-schema.org/draft-07")


def test_metadata_helpers():
    m = raiiaf.chunks.metadata.raiiafMetadata()
    manifest = m.build_manifest(1, 0, "model", "1", "prompt", ["t"], [],
                                generation_settings=GENERATION_SETTINGS)
    assert m.metadata_validator(manifest) is True
    assert "hardware_info" not in manifest["raiiaf_metadata"]["model_info"]
    assert m.metadata_parser(m.metadata_compressor(manifest)) == manifest
    broken = json.loads(json.dumps(manifest))
    broken["raiiaf_metadata"]["file_info"]["version_major"] = "not an int"
    with pytest.raises(rx.raiiafMetadataError):
        m.metadata_validator(broken)
    with pytest.raises(rx.raiiafMetadataError):
        m.metadata_parser(b"\x00" * 40)



def test_metadata_parser_keeps_the_librarys_json_bounds():
    # A manifest nested deeper than the library's limit is refused as MetadataError
    # (json.loads would build it), and so is one that is not an object.
    m = raiiaf.chunks.metadata.raiiafMetadata()
    deep = ("[" * 200 + "]" * 200).encode()
    with pytest.raises(rx.raiiafMetadataError, match="depth|nest"):
        m.metadata_parser(_c.pack_chunk("META", b"0000", deep))
    with pytest.raises(rx.raiiafMetadataError, match="not a JSON object"):
        m.metadata_parser(_c.pack_chunk("META", b"0000", b"[1, 2]"))
    with pytest.raises(rx.raiiafMetadataError, match="META"):
        m.metadata_parser(_c.pack_chunk("DATA", b"0000", b"{}"))
    # A zstd frame that decompresses past the limit is refused before it is held.
    with pytest.raises(rx.raiiafMetadataError):
        m.metadata_parser(_c.pack_chunk("META", b"0000", b" " * (65 << 20)))


def test_legacy_chunk_helpers_round_trip_through_the_library(png):
    image = raiiaf.chunks.image.raiiafImage()
    parsed = image.image_data_chunk_parser(image.image_data_chunk_builder(png))
    assert parsed == {"chunk_type": b"DATA", "chunk_flags": b"0000", "chunk_size": len(png), "image_data": png}
    with pytest.raises(rx.raiiafImageError):
        image.image_data_chunk_parser(b"not a zstd frame")
    with pytest.raises(rx.raiiafImageError):
        image.image_data_chunk_parser(_c.pack_chunk("DATA", b"0000", b"")[:-3])
    env = raiiaf.chunks.env.raiiafEnv()
    stored, payload = env.env_chunk_builder(env.env_chunk_populator())
    back = env.env_chunk_parser(stored)
    assert back["chunk_type"] == b"ENVC" and back["chunk_size"] == len(payload)
    assert back["env_chunk"].to_dict() == json.loads(payload)
    # Uncompressed chunks: the envelope header as stored, flags with their NULs.
    assert _c.unpack_chunk(_c.pack_chunk("LATN", b"F32\0", b"abcd", False), False) == (b"LATN", b"F32\0", 4, b"abcd")
    with pytest.raises(_c.DecodeError, match="shorter than"):
        _c.unpack_chunk(b"LATN", False)


def test_header_parse_reads_the_fields_of_any_magic():
    header = raiiaf.core.header
    packed = bytearray(header.header_init(chunk_table_offset=100, chunk_table_size=20, chunk_count=3, file_size=120))
    packed[:6] = b"XXXXXX"
    parsed = header.header_parse(bytes(packed))
    assert parsed["magic"] == b"XXXXXX" and parsed["chunk_count"] == 3 and parsed["file_size"] == 120
    assert header.header_validate(parsed) is False
    assert header.header_parse(memoryview(bytes(packed)))["chunk_table_size"] == 20


# ---- the Pythonic API ------------------------------------------------------------------

@pytest.mark.parametrize("layout,codec", [("raiiaf", "raw"), ("raiiaf", "zfp"), ("gen5", "raw"), ("gen5", "zstd")])
def test_save_then_legacy_decoder(tmp_path, latents, png, layout, codec):
    path = tmp_path / f"out.{layout}"
    written = raiiaf.save(path, image=png, latents=latents, prompt="p", model="m", model_version="v",
                          settings={"seed": 1, "steps": 2, "sampler": "euler"}, tags=["a"], layout=layout,
                          codec=codec)
    assert written == path
    handler = raiiaf.raiiafFileHandler() if layout == "raiiaf" else gen5.Gen5FileHandler()
    decoded = decode_without_drift(handler, path)
    for got, original in zip(decoded["chunks"]["latent"], latents.values()):
        assert got.dtype == original.dtype
        np.testing.assert_array_equal(got, original)
    info = next(iter(decoded["metadata"].values()))["model_info"]
    assert info["generation_settings"] == {"seed": 1, "steps": 2, "sampler": "euler"}
    assert "hardware_info" not in info


@needs_reference_libs
@pytest.mark.parametrize("layout,codec", [("raiiaf", "raw"), ("raiiaf", "zfp"), ("gen5", "raw"), ("gen5", "zstd")])
def test_existing_package_reads_what_save_writes(tmp_path, latents, png, layout, codec):
    path = tmp_path / f"out.{layout}"
    raiiaf.save(path, image=png, latents=latents, prompt="p", model="m", model_version="v", layout=layout,
                codec=codec)
    decoded = compat_reader.decode(path)
    compat_reader.validate_manifest(decoded["metadata"])
    for got, original in zip(decoded["chunks"]["latent"], latents.values()):
        np.testing.assert_array_equal(got, original)


def test_artifact(tmp_path, latents, png):
    path = tmp_path / "a.raiiaf"
    raiiaf.save(path, image=png, latents=latents, prompt="cat", model="SD", model_version="3",
                settings={"seed": 3, "steps": 4, "sampler": "ddim"}, tags="single", date="2026-01-02T03:04:05.000006+00:00")
    with raiiaf.open(path) as art:
        assert not art.closed and art.layout == "raiiaf" and art.path == path
        body = art.metadata["raiiaf_metadata"]
        assert body["model_info"]["prompt"] == art.prompt == "cat"
        assert (art.model, art.model_version, art.tags, art.date) == ("SD", "3", ["single"],
                                                                       "2026-01-02T03:04:05.000006+00:00")
        assert art.settings == {"seed": 3, "steps": 4, "sampler": "ddim"} and art.hardware is None
        assert len(art.latents) == 2 and "initial_noise" in art.latents and "nope" not in art.latents
        with pytest.raises(KeyError):
            art.latents["nope"]
        assert art.latents.info("final_latent")["dtype"] == "float16"
        assert art.latents["initial_noise"] is art.latents["initial_noise"]
        assert list(art.latents) == list(latents) and not art.latents.loaded("final_latent")
        image = art.image()
        assert image.size == (64, 64) and image.getpixel((0, 0)) == (255, 0, 0, 255)
        assert [c.component_id for c in art.env.components if c.component_id not in ("torch", "cuda")][:2] == [
            "numpy", "python"]
        assert art.drift() == []
        assert art.verify() is True and art.check() == []
        assert art.header["file_size"] == os.path.getsize(path)
    assert art.closed
    with pytest.raises(ValueError, match="closed"):
        art.latents["final_latent"]
    np.testing.assert_array_equal(art.latents["initial_noise"], latents["initial_noise"])  # loaded before close


def test_image_inputs(tmp_path, latents):
    from PIL import Image

    picture = Image.new("RGB", (12, 8), (10, 20, 30))
    png_path = tmp_path / "in.png"
    picture.save(png_path)
    bmp_path = tmp_path / "in.bmp"
    picture.save(bmp_path)
    for image, expected_bytes in [(png_path, png_path.read_bytes()), (str(png_path), png_path.read_bytes()),
                                  (png_path.read_bytes(), png_path.read_bytes()), (picture, None),
                                  (bmp_path, None), (np.asarray(picture), None)]:
        with raiiaf.open(raiiaf.dumps(image=image, latents=latents)) as art:
            if expected_bytes is not None:
                assert art.image_bytes == expected_bytes
            got = art.image()
            assert got.format == "PNG" and got.size == (12, 8) and got.convert("RGB").getpixel((3, 3)) == (10, 20, 30)
    with pytest.raises(TypeError):
        raiiaf.dumps(image=12345, latents=latents)
    with pytest.raises(ValueError):
        raiiaf.dumps(image=b"not an image", latents=latents)


class _ArrayOnly:
    def __init__(self, array):
        self._array = array

    def __array__(self, dtype=None):
        return self._array if dtype is None else self._array.astype(dtype)


class _DLPackOnly:
    def __init__(self, array):
        self._array = array

    def __dlpack__(self, stream=None):
        return self._array.__dlpack__()

    def __dlpack_device__(self):
        return self._array.__dlpack_device__()


class _FakeTorchTensor:
    """Duck-types a torch tensor on a GPU with grad: the package must detach and move it."""

    __module__ = "torch"

    def __init__(self, array, device="cuda"):
        self._array = array
        self.device = type("device", (), {"type": device})()
        self.dtype = "torch.float32"
        self.calls = []

    def detach(self):
        self.calls.append("detach")
        return self

    def cpu(self):
        self.calls.append("cpu")
        return _FakeTorchTensor(self._array, "cpu")

    def resolve_conj(self):
        return self

    def numpy(self):
        if self.device.type != "cpu":
            raise TypeError("can't convert cuda tensor to numpy")
        return self._array


@pytest.mark.parametrize("wrap", [_ArrayOnly, _DLPackOnly, _FakeTorchTensor, lambda a: a.T.copy().T, list],
                         ids=["__array__", "dlpack", "torch", "fortran-order", "nested-list"])
def test_array_like_latents(tmp_path, wrap, png):
    original = np.random.default_rng(3).standard_normal((1, 4, 8, 8)).astype(np.float32)
    value = wrap(original.tolist()) if wrap is list else wrap(original)
    with raiiaf.open(raiiaf.dumps(latents={"x": value})) as art:
        got = art.latents["x"]
        assert got.shape == original.shape
        np.testing.assert_array_equal(got, original.astype(got.dtype))
    if wrap is list:
        return  # float64 after numpy.asarray: the existing package's API refuses it, as before
    # The existing package's API takes them too.
    path = tmp_path / "t.raiiaf"
    value = wrap(original)
    raiiaf.raiiafFileHandler().file_encoder(
        filename=str(path), latent={"x": value}, chunk_records=[], model_name="m", model_version="1",
        prompt="p", tags=[], img_binary=png, convert_float16=False, should_compress=False)
    np.testing.assert_array_equal(decode_without_drift(raiiaf.raiiafFileHandler(), path)["chunks"]["latent"][0],
                                  original)


def test_extended_dtypes_and_ranks():
    latents = {
        "f64": np.linspace(0, 1, 10, dtype=np.float64),
        "i8": np.arange(-5, 5, dtype=np.int8).reshape(2, 5),
        "u8": np.arange(24, dtype=np.uint8).reshape(2, 3, 4),
        "b": np.array([True, False, True]),
        "i64": np.array(7, dtype=np.int64),
        "big_endian": np.arange(6, dtype=">i4").reshape(3, 2),
    }
    with raiiaf.open(raiiaf.dumps(latents=latents, codec="shuffle-zstd")) as art:
        for name, original in latents.items():
            np.testing.assert_array_equal(art.latents[name], original)
            assert art.latents[name].dtype == original.dtype.newbyteorder("<")
        assert art.verify()


def test_save_refusals(tmp_path, latents):
    with pytest.raises(ValueError):
        raiiaf.save(tmp_path / "x.raiiaf", latents=latents, codec="lzma")
    with pytest.raises(ValueError):
        raiiaf.save(tmp_path / "x.gen5", latents=latents, layout="gen5", codec="zfp")
    with pytest.raises(ValueError):
        raiiaf.save(tmp_path / "x.raiiaf", latents={"x": np.array(["a"])})
    with pytest.raises(ValueError):
        raiiaf.save(tmp_path / "x.raiiaf", latents=latents, settings={"seed": -1, "steps": 1, "sampler": "s"})
    assert list(tmp_path.iterdir()) == []


def test_dumps_equals_save(tmp_path, latents, png):
    path = tmp_path / "a.raiiaf"
    date = "2026-01-02T03:04:05.000006+00:00"
    raiiaf.save(path, image=png, latents=latents, prompt="p", date=date)
    assert raiiaf.dumps(image=png, latents=latents, prompt="p", date=date) == path.read_bytes()


def test_lossy_zfp_and_float16(tmp_path):
    original = np.random.default_rng(5).standard_normal((1, 4, 16, 16)).astype(np.float32)
    with raiiaf.open(raiiaf.dumps(latents={"x": original}, codec="zfp", zfp_tolerance=1e-3)) as art:
        assert np.max(np.abs(art.latents["x"] - original)) <= 1e-3
    with raiiaf.open(raiiaf.dumps(latents={"x": original}, float16=True)) as art:
        np.testing.assert_array_equal(art.latents["x"], original.astype(np.float16))



def test_save_many_writes_every_file_durably_in_one_batch(tmp_path, noise):
    """save_many: every item written and readable; nothing named before the commit succeeds."""
    items = [(tmp_path / f"a{i}.raiiaf", {"latents": {"initial_noise": noise}, "prompt": f"p{i}", "tags": ["t"]})
             for i in range(5)]
    paths = raiiaf.save_many(items)
    assert [p.name for p in paths] == [f"a{i}.raiiaf" for i in range(5)]
    for i, path in enumerate(paths):
        with raiiaf.open(path) as art:
            assert art.prompt == f"p{i}"
            np.testing.assert_array_equal(art.latents["initial_noise"], noise)
        assert raiiaf.check(path) == []


def test_save_many_failure_touches_no_target(tmp_path, noise):
    items = [(tmp_path / "good.raiiaf", {"latents": {"initial_noise": noise}}),
             (tmp_path / "bad.raiiaf", {"latents": {"x": noise}, "codec": "no-such-codec"})]
    with pytest.raises(ValueError):
        raiiaf.save_many(items)
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    with pytest.raises(TypeError):
        raiiaf.save_many([(tmp_path / "x.raiiaf", {"no_such_argument": 1})])


def test_save_not_durable_is_complete(tmp_path, noise):
    path = raiiaf.save(tmp_path / "scratch.raiiaf", latents={"n": noise}, durable=False)
    assert raiiaf.check(path) == []
    (paths,) = [raiiaf.save_many([(tmp_path / "s2.raiiaf", {"latents": {"n": noise}})], durable=False)]
    assert raiiaf.check(paths[0]) == []


def test_read_into_copies_a_checked_latent_into_the_callers_buffer(tmp_path, noise):
    path = raiiaf.save(tmp_path / "a.raiiaf", latents={"n": noise})
    with raiiaf.open(path) as art:
        out = np.empty_like(noise)
        assert art.latents.read_into("n", out) is out
        np.testing.assert_array_equal(out, noise)
        with pytest.raises(ValueError):
            art.latents.read_into("n", np.empty(noise.shape, np.float64))
        with pytest.raises(TypeError):
            art.latents.read_into("n", bytearray(noise.nbytes))
        torch = pytest.importorskip("torch")
        tensor = torch.empty(noise.shape, dtype=torch.float32)
        assert art.latents.read_into("n", tensor) is tensor
        np.testing.assert_array_equal(tensor.numpy(), noise)
        # A non-contiguous tensor (a transposed view) and one that requires grad take torch's copy.
        transposed = torch.empty(tuple(reversed(noise.shape)), dtype=torch.float32).permute(
            *reversed(range(noise.ndim)))
        assert not transposed.is_contiguous()
        art.latents.read_into("n", transposed)
        np.testing.assert_array_equal(transposed.numpy(), noise)
        with pytest.raises(ValueError):
            art.latents.read_into("n", torch.empty(noise.shape, dtype=torch.float16))
        with pytest.raises(ValueError):
            art.latents.read_into("n", torch.empty((1,) + noise.shape, dtype=torch.float32))


def test_read_into_checks_the_payload(tmp_path, noise):
    path = raiiaf.save(tmp_path / "a.raiiaf", latents={"n": noise})
    with raiiaf.open(path) as art:
        record = art.chunks[0]
    data = bytearray(path.read_bytes())
    data[record["offset"] + 12 + 5] ^= 1
    path.write_bytes(bytes(data))
    with raiiaf.open(path) as art, pytest.raises(raiiaf.raiiafLatentError):
        art.latents.read_into("n", np.empty_like(noise))


def test_dumps_builds_the_file_in_the_bytes_it_returns(noise):
    # The bytes object is written in place and grown when the manifest outgrows the
    # room left for it (a prompt of 300 kB here): both give a file that checks clean.
    for prompt in ("short", "p" * 300_000):
        data = raiiaf.dumps(latents={"n": noise}, prompt=prompt)
        assert type(data) is bytes and raiiaf.check(data) == []
        with raiiaf.open(data) as art:
            np.testing.assert_array_equal(art.latents["n"], noise)
            assert art.metadata["raiiaf_metadata"]["model_info"]["prompt"] == prompt
    with pytest.raises(raiiaf.InvalidArgument):  # a failure midway leaks nothing and raises
        raiiaf.dumps(latents={"n": noise}, image=b"\x89PNG\r\n\x1a\nbroken")
