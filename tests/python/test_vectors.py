"""The drop-in on every file the existing package wrote (tests/data/vectors, from ../shared/vectors)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

import gen5
import raiiaf
from conftest import VECTOR_FILES


def handler_for(name):
    return raiiaf.raiiafFileHandler() if name.endswith(".raiiaf") else gen5.Gen5FileHandler()


def expected_dir(vectors_dir, name):
    return vectors_dir / "expected" / name.rsplit(".", 1)[0]


def expected_latents(vectors_dir, name):
    exp = expected_dir(vectors_dir, name)
    metadata = json.loads((exp / "metadata.json").read_text())
    records = next(iter(metadata.values()))["chunks"]
    return [(r["extra"]["key"], np.load(exp / f"{r['extra']['key']}.npy")) for r in records if r["type"] == "LATN"]


def decode_quietly(handler, path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        decoded = handler.file_decoder(str(path))
    return decoded, caught


@pytest.mark.parametrize("name", VECTOR_FILES)
def test_legacy_decoder_matches_expected(vectors_dir, name):
    exp = expected_dir(vectors_dir, name)
    decoded, _ = decode_quietly(handler_for(name), vectors_dir / name)

    assert decoded["metadata"] == json.loads((exp / "metadata.json").read_text())

    latents = decoded["chunks"]["latent"]
    wanted = expected_latents(vectors_dir, name)
    assert len(latents) == len(wanted)
    for array, (_, expected) in zip(latents, wanted):
        assert isinstance(array, np.ndarray)
        assert array.dtype == expected.dtype and array.shape == expected.shape
        np.testing.assert_array_equal(array, expected)

    if (exp / "image.png").exists():
        assert decoded["chunks"]["image"] == (exp / "image.png").read_bytes()
    else:
        assert "image" not in decoded["chunks"]

    if (exp / "env.json").exists():
        env = decoded["chunks"]["env"]
        stored = json.loads((exp / "env.json").read_text())
        assert env.env_version == stored["env_version"]
        assert [(c.component_id, c.cononical_str, c.component_sha256_digest) for c in env.components] == [
            (c["component_id"], c["cononical_str"], bytes.fromhex(c["component_sha256_digest"]))
            for c in stored["components"]]
        # The existing package's components were dicts: item access works too.
        first = env.components[0]
        assert first["component_id"] == first.component_id
        assert isinstance(first.component_sha256_digest, bytes) and len(first.component_sha256_digest) == 32


@pytest.mark.parametrize("name", VECTOR_FILES)
def test_legacy_header(vectors_dir, name):
    decoded, _ = decode_quietly(handler_for(name), vectors_dir / name)
    header = decoded["header"]
    raw = (vectors_dir / name).read_bytes()
    assert set(header) == {"magic", "version_major", "version_minor", "flags", "chunk_table_offset",
                           "chunk_table_size", "chunk_count", "file_size", "reserved"}
    assert header["magic"] == (b"raiiaf" if name.endswith(".raiiaf") else b"GEN5")
    assert header["file_size"] == len(raw)
    module = raiiaf.core.header if name.endswith(".raiiaf") else gen5.core.header
    assert module.header_parse(raw) == header
    assert module.header_validate(header)


@pytest.mark.parametrize("name", VECTOR_FILES)
def test_pythonic_open_matches_expected(vectors_dir, name):
    exp = expected_dir(vectors_dir, name)
    with raiiaf.open(vectors_dir / name) as art:
        assert art.metadata == json.loads((exp / "metadata.json").read_text())
        assert art.layout == ("raiiaf" if name.endswith(".raiiaf") else "gen5")
        wanted = expected_latents(vectors_dir, name)
        assert list(art.latents) == [key for key, _ in wanted]
        for key, expected in wanted:
            got = art.latents[key]
            assert got.dtype == expected.dtype
            np.testing.assert_array_equal(got, expected)
        if (exp / "image.png").exists():
            assert art.image_bytes == (exp / "image.png").read_bytes()
            image = art.image()
            assert image.size == (image.width, image.height) and image.width > 0
        else:
            assert art.image_bytes is None and art.image() is None
        if (exp / "env.json").exists():
            assert art.env.to_dict() == json.loads((exp / "env.json").read_text())
        assert art.verify() is True
        assert art.check() == []


@pytest.mark.parametrize("name", VECTOR_FILES)
def test_lazy_loaders_on_vectors(vectors_dir, name):
    handler = handler_for(name)
    records = next(iter(json.loads((expected_dir(vectors_dir, name) / "metadata.json").read_text()).values()))["chunks"]
    loaders = list(handler.latent.iter_lazy_latents(str(vectors_dir / name), records))
    wanted = expected_latents(vectors_dir, name)
    assert len(loaders) == len(wanted)
    for load, (_, expected) in zip(loaders, wanted):
        first = load()
        np.testing.assert_array_equal(first, expected)
        assert load() is first  # loaded once
    latn = [r for r in records if r["type"] == "LATN"][0]
    single = handler.latent.make_lazy_latent_loader(str(vectors_dir / name), latn)
    np.testing.assert_array_equal(single(), wanted[0][1])


@pytest.mark.parametrize("name", VECTOR_FILES)
def test_metadata_parser_on_stored_manifest(vectors_dir, name):
    handler = handler_for(name)
    raw = (vectors_dir / name).read_bytes()
    module = raiiaf.core.header if name.endswith(".raiiaf") else gen5.core.header
    h = module.header_parse(raw)
    stored = raw[h["chunk_table_offset"]:h["chunk_table_offset"] + h["chunk_table_size"]]
    manifest = handler.metadata.metadata_parser(stored)
    assert manifest == json.loads((expected_dir(vectors_dir, name) / "metadata.json").read_text())
    assert handler.metadata.metadata_validator(manifest) is True


def test_vectors_present(vectors_dir):
    assert len(VECTOR_FILES) >= 8
