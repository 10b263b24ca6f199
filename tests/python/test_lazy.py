"""Zero copy (a raw latent's memory lies inside the file's mapping) and laziness (opening reads
no payload), observed through /proc/self rather than through the package."""

from __future__ import annotations

import gc
import warnings

import numpy as np
import pytest

import raiiaf
from raiiaf.core import exceptions as rx

pytestmark = pytest.mark.skipif(not __import__("os").path.exists("/proc/self/maps"), reason="needs Linux /proc")


def mappings_of(path):
    """[(start, end)] of the process's mappings of `path`."""
    ranges = []
    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.split(maxsplit=5)
            if len(fields) == 6 and fields[5].strip() == str(path):
                start, end = (int(x, 16) for x in fields[0].split("-"))
                ranges.append((start, end))
    return ranges


def inside_mapping(array, path):
    address = array.__array_interface__["data"][0]
    return any(start <= address and address + array.nbytes <= end for start, end in mappings_of(path))


def resident_file_kib():
    """RssFile: pages of mapped files this process has touched."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("RssFile:"):
                return int(line.split()[1])
    pytest.skip("no RssFile in /proc/self/status")


def test_raw_latent_is_a_view_of_the_mapping(tmp_path, noise):
    path = (tmp_path / "z.raiiaf").resolve()
    raiiaf.save(path, latents={"noise": noise, "packed": noise}, codecs={"packed": "zstd"})
    with raiiaf.open(path) as art:
        raw = art.latents["noise"]
        assert inside_mapping(raw, path)
        assert not raw.flags.writeable and not raw.flags.owndata
        packed = art.latents["packed"]
        assert not inside_mapping(packed, path)  # decoded into memory of its own
        assert packed.flags.writeable
    # The array keeps the mapping alive after the artifact is closed, and only as long as it lives.
    assert mappings_of(path)
    np.testing.assert_array_equal(raw, noise)
    del raw, packed, art
    gc.collect()
    assert mappings_of(path) == []


def test_legacy_decoder_latents_are_views_too(tmp_path, noise, png):
    path = (tmp_path / "z.raiiaf").resolve()
    raiiaf.raiiafFileHandler().file_encoder(
        filename=str(path), latent={"noise": noise}, chunk_records=[], model_name="m", model_version="1",
        prompt="p", tags=[], img_binary=png, should_compress=False, convert_float16=False)
    decoded = raiiaf.raiiafFileHandler().file_decoder(str(path))
    latent = decoded["chunks"]["latent"][0]
    assert inside_mapping(latent, path)
    np.testing.assert_array_equal(latent, noise)


@pytest.fixture(scope="module")
def large_file(tmp_path_factory):
    """A file with a 64 MiB raw latent and a small one."""
    path = (tmp_path_factory.mktemp("large") / "large.raiiaf").resolve()
    big = np.arange(16 * 1024 * 1024, dtype=np.float32).reshape(1, 16, 1024, 1024)
    raiiaf.save(path, latents={"big": big, "small": np.ones((1, 4, 8, 8), np.float32)}, prompt="large")
    return path


def test_opening_reads_no_payload(large_file):
    gc.collect()
    before = resident_file_kib()
    with raiiaf.open(large_file) as art:
        assert art.prompt == "large"
        assert art.latents.info("big")["shape"] == [1, 16, 1024, 1024]
        small = art.latents["small"]
        assert small.sum() == 256
        opened = resident_file_kib()
        assert opened - before < 4 * 1024, "opening touched the payload"
        assert not art.latents.loaded("big")
        big = art.latents["big"]  # hash-checked: every page is read now
        loaded = resident_file_kib()
        assert loaded - before > 48 * 1024, "the measurement cannot see the payload being read"
        assert big[0, 15, 1023, 1023] == 16 * 1024 * 1024 - 1


def test_opening_does_not_check_payloads(large_file, tmp_path):
    """Damage inside the large latent goes unnoticed until that latent is loaded."""
    data = bytearray(large_file.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged = tmp_path / "damaged.raiiaf"
    damaged.write_bytes(bytes(data))
    with raiiaf.open(damaged) as art:
        assert art.prompt == "large" and len(art.latents) == 2
        art.latents["small"]
        with pytest.raises(rx.raiiafLatentError):
            art.latents["big"]


def test_legacy_lazy_loader_reads_on_first_call(large_file, tmp_path):
    handler = raiiaf.raiiafFileHandler()
    with raiiaf.open(large_file) as art:
        records = art.chunks
    loaders = list(handler.latent.iter_lazy_latents(str(large_file), records))
    assert len(loaders) == 2
    gc.collect()
    before = resident_file_kib()
    small = loaders[1]()
    assert resident_file_kib() - before < 4 * 1024
    assert small.shape == (1, 4, 8, 8) and loaders[1]() is small
    big = loaders[0]()
    assert big.shape == (1, 16, 1024, 1024)


def test_legacy_decoder_limits(large_file):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(rx.raiiafDecodeError):
            raiiaf.raiiafFileHandler(max_file_size=1024 * 1024).file_decoder(str(large_file))
        with pytest.raises(rx.raiiafDecodeError):
            raiiaf.raiiafFileHandler(max_chunk_size=1024 * 1024).file_decoder(str(large_file))
