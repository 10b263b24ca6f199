"""What the existing raiiaf/gen5 package does when it reads a file, written from
../shared/reference/FORMAT.md with the same Python libraries it uses (zstandard,
zfpy, numpy). It shares no code with our package: a file it reads is a file the
existing package reads. Its schema is the one that package enforces when writing
(FORMAT.md section 4), so a manifest that passes it is one that package could
have written.

Needs python3-zstandard, python3-zfpy and python3-jsonschema; tests that use it
skip without them.
"""

from __future__ import annotations

import json
import struct

import numpy as np

LAYOUTS = {
    b"raiiaf": ("<6sBBBIIIQI", "raiiaf_metadata"),
    b"GEN5": ("<4sBBHIIIIQ", "gen5_metadata"),
}
HEADER_KEYS = ("magic", "version_major", "version_minor", "flags", "chunk_table_offset", "chunk_table_size",
               "chunk_count", "file_size", "reserved")
CHUNK_HEADER = struct.Struct("<4s4sI")


def _dtype(flags: bytes) -> np.dtype:
    flag = flags.rstrip(b"\x00").decode("ascii", errors="ignore").strip()
    if flag == "F16":
        return np.dtype("float16")
    if flag == "F32":
        return np.dtype("float32")
    raise ValueError(f"Unknown dtype flag: {flag!r}")


ENVC_KEYS = {"env_version", "components"}


def decode(path, older_gen5: bool = False) -> dict:
    """Decodes a file as the existing package's file_decoder does (without the drift warnings).

    With older_gen5, as the older ``gen5.main`` release does, which knows no ENVC chunk.
    Returns {"header": dict, "metadata": dict, "chunks": {"latent": [...], "image": bytes, "env": dict}}.
    """
    known = ("LATN", "DATA") if older_gen5 else ("LATN", "DATA", "ENVC")
    import zfpy
    import zstandard

    with open(path, "rb") as f:
        data = f.read()
    magic = data[:6] if data[:6] == b"raiiaf" else data[:4]
    header_format, key = LAYOUTS[magic]
    header = dict(zip(HEADER_KEYS, struct.unpack(header_format, data[:struct.calcsize(header_format)])))
    assert header["version_major"] >= 1
    raiiaf_layout = magic == b"raiiaf"

    def unzstd(stored: bytes) -> bytes:
        # python-zstandard's one-shot decompress needs the frame's content size.
        return zstandard.ZstdDecompressor().decompress(stored)

    table = data[header["chunk_table_offset"]:header["chunk_table_offset"] + header["chunk_table_size"]]
    meta_chunk = unzstd(table)
    _, _, size = CHUNK_HEADER.unpack(meta_chunk[:12])
    metadata = json.loads(meta_chunk[12:12 + size].decode("utf-8"))

    chunks: dict = {"latent": []}
    for record in metadata[key]["chunks"]:
        stored = data[record["offset"]:record["offset"] + record["compressed_size"]]
        if len(stored) != record["compressed_size"]:
            raise ValueError("truncated chunk")
        compressed = record.get("compressed", True)
        kind = record["type"]
        if kind == "LATN":
            shape = tuple(record["extra"]["shape"])
            if compressed and raiiaf_layout:
                len_header, len_data = record["len_header"], record["len_data"]
                _, flags, _ = CHUNK_HEADER.unpack(unzstd(stored[:len_header]))
                array = zfpy.decompress_numpy(stored[len_header:len_header + len_data])
                array = array.astype(_dtype(flags)).reshape(shape)
            else:
                chunk = unzstd(stored) if compressed else stored
                _, flags, size = CHUNK_HEADER.unpack(chunk[:12])
                dtype = _dtype(flags)
                if size != int(np.prod(shape)) * dtype.itemsize:
                    raise ValueError("size mismatch")
                array = np.frombuffer(chunk[12:12 + size], dtype=dtype).reshape(shape)
            chunks["latent"].append(array)
        elif kind in ("DATA", "ENVC") and kind in known:
            chunk = unzstd(stored) if compressed else stored
            _, _, size = CHUNK_HEADER.unpack(chunk[:12])
            payload = chunk[12:12 + size]
            if kind == "DATA":
                chunks["image"] = payload
            else:
                env = json.loads(payload.decode("utf-8"))
                unknown = set(env) - ENVC_KEYS
                if unknown:
                    raise ValueError(f"Unknown ENVC keys: {sorted(unknown)}")
                chunks["env"] = env
        else:
            raise ValueError(f"Unknown chunk type: {kind}. Supported: LATN, DATA")
    return {"header": header, "metadata": metadata, "chunks": chunks}


def _reference_schema(key: str, magic: str) -> dict:
    """The schema the existing package enforces when writing (FORMAT.md section 4)."""
    string = {"type": "string"}
    gpu = {"type": "object", "required": ["name"],
           "properties": {"name": string, "memory_gb": {"type": "number", "minimum": 0},
                          "driver": string, "cuda_version": string}}
    record_keys = ["index", "type", "flags", "offset", "compressed_size", "uncompressed_size", "hash", "extra",
                   "compressed"]
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "required": [key],
        "properties": {key: {
            "type": "object",
            "required": ["file_info", "model_info", "chunks"],
            "properties": {
                "file_info": {
                    "type": "object",
                    "required": ["magic", "version_major", "version_minor", "file_size", "chunk_count"],
                    "properties": {
                        "magic": {"type": "string", "const": magic},
                        "version_major": {"type": "integer", "minimum": 1},
                        "version_minor": {"type": "integer", "minimum": 0},
                        "file_size": {"type": "integer", "minimum": 0},
                        "chunk_count": {"type": "integer", "minimum": 0},
                    },
                },
                "model_info": {
                    "type": "object",
                    "required": ["model_name", "version", "date", "prompt", "tags"],
                    "properties": {
                        "model_name": string, "version": string, "date": string, "prompt": string,
                        "tags": {"type": "array", "items": string},
                        "generation_settings": {
                            "type": "object",
                            "required": ["seed", "steps", "sampler"],
                            "properties": {
                                "seed": {"type": "integer", "minimum": 0},
                                "steps": {"type": "integer", "minimum": 1},
                                "sampler": string,
                                "cfg_scale": {"type": "number", "minimum": 0},
                                "scheduler": string, "guidance": string, "precision": string,
                                "eta": {"type": "number", "minimum": 0},
                                "deterministic": {"type": "boolean"},
                            },
                        },
                        "hardware_info": {
                            "type": "object",
                            "required": ["os"],
                            "properties": {
                                "os": string, "machine_name": string, "cpu": string, "framework": string,
                                "compute_lib": string,
                                "cpu_cores": {"type": "integer", "minimum": 1},
                                "ram_gb": {"type": "number", "minimum": 0},
                                "gpu": {"type": "array", "items": gpu},
                            },
                        },
                    },
                },
                "chunks": {"type": "array", "items": {"type": "object", "required": record_keys}},
            },
        }},
    }


def validate_manifest(manifest: dict) -> None:
    """Raises jsonschema.ValidationError unless the existing package's schema accepts the manifest."""
    import jsonschema

    key = next(iter(manifest))
    magic = "raiiaf" if key == "raiiaf_metadata" else "GEN5"
    jsonschema.validate(instance=manifest, schema=_reference_schema(key, magic))


def reference_environment() -> list:
    """[(component_id, cononical_str)] as the existing package captures them (it imports torch)."""
    import platform

    import torch

    cuda = torch.version.cuda
    components = [
        ("torch", f"name=torch;version={torch.__version__.split('+')[0]};cuda={cuda}"),
        ("numpy", f"name=numpy;version={np.__version__}"),
        ("python", f"name=python;version={platform.python_version()}"),
        ("cuda", f"name=cuda;version={cuda if cuda is not None else 'none'}"),
        ("os", f"name=os;version={platform.system()} {platform.release()}"),
    ]
    return components  # no gpu: NVML sees none on the test machines (pynvml absent)


def reference_drift_warnings(env: dict, current: list) -> list:
    """The UserWarning texts the existing package issues for a file's ENVC against `current`."""
    recorded = {c["component_id"]: c["cononical_str"] for c in env["components"]}
    here = dict(current)
    warnings = []
    for cid, value in recorded.items():
        if cid not in here:
            warnings.append(f"Environment component '{cid}' missing in current system")
        elif here[cid] != value:
            warnings.append(f"Environment component '{cid}' differs:\n  File: {value}\n  Current: {here[cid]}")
    for cid in here:
        if cid not in recorded:
            warnings.append(f"Environment component '{cid}' missing in file")
    return warnings
