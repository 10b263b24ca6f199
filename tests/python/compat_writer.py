"""What the existing raiiaf/gen5 package does when it writes a file, written from
../shared/reference/FORMAT.md with the same Python libraries it uses (zstandard,
numpy, hashlib, jsonschema, torch for the environment). It is the encoder
counterpart of compat_reader.py and shares no code with our package; the
benchmark times it as "the existing package's encode" (that package is not in
Debian, so it cannot be run here), and test_compat.py checks that what it writes
is what the existing package writes: the vectors' layout, and files our reader
and compat_reader.decode read back.

Modelled: the RAIIAF layout with should_compress=False (latents stored raw, as
W1 is) and True for the GEN5 layout's zstd; the image, ENVC and manifest in zstd
frames (section 3); SHA-256 of every payload; the manifest validated against the
schema the package enforces (section 4) and serialised with json.dumps(indent=2);
the environment captured on every write (section 5); one plain write, no fsync.
The image must be decodable (section 6); which call the package makes to check that is not
documented, so the model uses PIL's own idiom for checking an image without decoding its pixels,
``Image.open(...).verify()`` (0.74 ms for W1's 2 MB PNG here; ``open`` alone would be 0.01 ms,
decoding it with ``load`` 15 ms). Not modelled: zfp (should_compress=True in RAIIAF).
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import struct

import numpy as np

from compat_reader import CHUNK_HEADER, LAYOUTS, reference_environment, validate_manifest


def _zstd(data: bytes) -> bytes:
    import zstandard

    return zstandard.ZstdCompressor().compress(data)  # default level; frames carry the content size


def encode(path, latents: dict, image: bytes | None, *, layout: str = "raiiaf", model_name: str = "model",
           model_version: str = "1", prompt: str = "", tags=(), generation_settings=None,
           hardware_info=None) -> None:
    """Writes `path` as the existing package's file_encoder(..., should_compress=False) does."""
    magic = b"raiiaf" if layout == "raiiaf" else b"GEN5"
    header_format, key = LAYOUTS[magic]
    header_size = struct.calcsize(header_format)
    compress_latents = layout != "raiiaf"  # GEN5 stores every chunk in a zstd frame

    stored_chunks: list[bytes] = []
    records: list[dict] = []
    offset = header_size

    def add(kind: str, flags: bytes, payload: bytes, compressed: bool, extra: dict) -> None:
        nonlocal offset
        envelope = CHUNK_HEADER.pack(kind.encode("ascii"), flags, len(payload)) + payload
        stored = _zstd(envelope) if compressed else envelope
        record = {"index": len(records), "type": kind, "flags": flags.rstrip(b"\x00").decode("ascii"),
                  "offset": offset, "compressed_size": len(stored), "uncompressed_size": len(payload),
                  "hash": hashlib.sha256(payload).hexdigest(), "extra": extra, "compressed": compressed}
        if layout == "raiiaf":
            record["len_header"] = None
            record["len_data"] = None
        records.append(record)
        stored_chunks.append(stored)
        offset += len(stored)

    for name, array in latents.items():
        array = np.ascontiguousarray(array)
        if array.ndim != 4 or array.dtype not in (np.float16, np.float32) or not np.isfinite(array).all():
            raise ValueError("latents must be finite 4-D float16/float32 arrays")
        flags = b"F16\x00" if array.dtype == np.float16 else b"F32\x00"
        add("LATN", flags, array.tobytes(), compress_latents,
            {"shape": list(array.shape), "dtype": str(array.dtype), "key": name})
    if image is not None:
        from PIL import Image

        Image.open(io.BytesIO(image)).verify()  # raises for an image PIL cannot read
        add("DATA", b"0000", bytes(image), True, {})
    components = [{"component_id": cid, "cononical_str": text,
                   "component_sha256_digest": hashlib.sha256(text.encode("utf-8")).hexdigest()}
                  for cid, text in reference_environment()]
    add("ENVC", b"0000", json.dumps({"env_version": 1, "components": components}, indent=2).encode("utf-8"),
        True, {})

    model_info = {"model_name": model_name, "version": model_version,
                  "date": datetime.datetime.now(datetime.timezone.utc).isoformat(), "prompt": prompt,
                  "tags": list(tags),
                  "generation_settings": generation_settings or {"seed": 0, "steps": 1, "sampler": "euler"},
                  "hardware_info": hardware_info or {"os": "Linux", "cpu_cores": 1}}
    file_info = {"magic": magic.decode("ascii"), "version_major": 1, "version_minor": 0,
                 "file_size": 0, "chunk_count": len(records)}
    manifest = {key: {"file_info": file_info, "model_info": model_info, "chunks": records}}
    validate_manifest(manifest)

    def manifest_chunk() -> bytes:
        text = json.dumps(manifest, indent=2).encode("utf-8")
        return _zstd(CHUNK_HEADER.pack(b"META", b"0000", len(text)) + text)

    # file_info.file_size is computed before the manifest's final compression (section 4).
    file_info["file_size"] = offset + len(manifest_chunk())
    table = manifest_chunk()
    file_size = offset + len(table)
    # Both layouts order the fields alike (section 2); only their widths differ.
    header = struct.pack(header_format, magic, 1, 0, 0, offset, len(table), len(records), file_size, 0)
    with open(path, "wb") as f:
        f.write(header)
        for stored in stored_chunks:
            f.write(stored)
        f.write(table)
