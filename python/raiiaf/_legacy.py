"""The existing package's API, implemented once for both layouts.

``raiiaf.handlers.file_handler.raiiafFileHandler`` and
``gen5.handlers.file_handler.Gen5FileHandler`` (and the chunk helper classes)
are thin subclasses of the classes here that only name their :class:`Flavor`.
The work is done by the C++ library through ``raiiaf._raiiaf``.

Where this layer differs from the existing package (on purpose):

* ``convert_float16=True`` with ``should_compress=True`` (the defaults) works
  in RAIIAF files: the library stores float16 through zfp by widening the
  values exactly to float32, which the existing package reads back as float16.
* Omitted ``generation_settings`` / ``hardware_info`` are left out of the
  manifest instead of being filled with defaults that fail the schema.
* Every payload's SHA-256 is checked on decode; a mismatch raises the
  ChunkError subclass of its chunk (LatentError, ImageError, EnvChunkError).
  A damaged file always raises one of the package's exception classes.
* Files of the other layout are read too (the layout is recognised by magic);
  the manifest is returned as stored, under its own key.
* Chunk types the decoder does not know are skipped rather than refused.
* The image is stored as given, uncompressed (compressing a PNG gains
  nothing); the existing package reads such chunks.
* Latents may be torch tensors or anything array-like, not only numpy arrays.
  The existing package's checks on them are kept: 4-D, float16 or float32,
  every dimension 1..8192, at most 100,000,000 elements, no NaN or Inf
  (they raise the package's LatentError, which here is also a ValueError).
* Decoded raw latents are read-only views of the memory-mapped file (the
  existing package also returned read-only arrays for them); compressed ones
  are writable arrays of their own.
"""

from __future__ import annotations

import builtins
import collections.abc
import io
import json
import os
import warnings
from datetime import datetime, timezone
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import numpy as np

from . import _raiiaf as _c
from ._arrays import as_array, to_ndarray
from ._env import EnvChunk, EnvComponent, current_environment, drift_message, drift_of, env_from_native
from ._errors import translated
from ._flavor import Flavor
from ._images import sniff
from ._settings import checked_settings, plain_json

_MAX_ELEMENTS = 100_000_000
_MAX_DIMENSION = 8192
_U32_MAX = 0xFFFFFFFF
# Bound on what the legacy helpers decompress from one stored chunk.
_MAX_DECOMPRESSED = 1 << 32


def _path(filename: Any) -> str:
    name = os.fspath(filename)
    return os.fsdecode(name) if isinstance(name, bytes) else name


def _utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


# ---- header -------------------------------------------------------------------

def header_init(flavor: Flavor, version_major: int = 1, version_minor: int = 0, flags: int = 0,
                chunk_table_offset: int = 0, chunk_table_size: int = 0, chunk_count: int = 0,
                file_size: int = 0, reserved: int = 0) -> bytes:
    """Packs a header of `flavor`'s layout."""
    if flavor.layout == "gen5" and file_size > _U32_MAX:
        raise ValueError(f"file_size {file_size} does not fit the GEN5 header")
    return _c.encode_header(flavor.layout, version_major, version_minor, flags, chunk_table_offset,
                            chunk_table_size, chunk_count, file_size, reserved)


def header_parse(flavor: Flavor, buf: bytes) -> dict:
    """Unpacks a header of `flavor`'s layout (any magic; see header_validate)."""
    if len(buf) < flavor.header_size:
        raise flavor.family.header("Header too small")
    return _c.decode_header(flavor.layout, buf)


def header_validate(flavor: Flavor, header: dict) -> bool:
    """True when the magic is `flavor`'s and version_major >= 1."""
    return header.get("magic") == flavor.magic and header.get("version_major", 0) >= 1 \
        and header.get("chunk_count", 0) >= 0


# ---- metadata -----------------------------------------------------------------

class LegacyMetadata:
    """Operations on the manifest (META chunk)."""

    _flavor: Flavor

    def __init__(self) -> None:
        pass

    def metadata_validator(self, manifest: dict) -> bool:
        """Validates a manifest against the schema.

        Returns True; raises the package's MetadataError naming the JSON path
        of the first violation.
        """
        family = self._flavor.family
        if not isinstance(manifest, dict) or self._flavor.metadata_key not in manifest:
            raise family.metadata(f"Invalid metadata: the manifest needs the key '{self._flavor.metadata_key}'")
        try:
            text = json.dumps(manifest, allow_nan=False)
        except (TypeError, ValueError) as e:
            raise family.metadata(f"Invalid metadata: {e}") from None
        try:
            _c.validate_manifest(text)
        except _c.InvalidArgument as e:
            raise family.convert(e, family.metadata, f"Invalid metadata: {e}") from None
        return True

    def metadata_compressor(self, manifest: dict) -> bytes:
        """The stored manifest: a zstd frame of the META chunk header and json.dumps(indent=2)."""
        return _c.pack_chunk("META", b"0000", json.dumps(manifest, indent=2).encode("utf-8"))

    def metadata_parser(self, compressed_chunk: bytes) -> dict:
        """Parses a stored manifest; raises the package's MetadataError when damaged."""
        family = self._flavor.family
        try:  # within the library's JSON bounds (depth, members, values, size)
            return _c.parse_manifest_chunk(compressed_chunk)
        except _c.DecodeError as e:
            raise family.convert(e, family.metadata) from None

    def build_manifest(self, version_major: int, version_minor: int, model_name: str, model_version: str,
                       prompt: str, tags: list, chunk_records: list, generation_settings: Optional[dict] = None,
                       hardware_info: Optional[dict] = None) -> dict:
        """Builds a manifest dict from chunk records.

        generation_settings / hardware_info are left out when not given (the
        existing package filled in defaults that fail its own schema).
        """
        flavor = self._flavor
        model_info: Dict[str, Any] = {
            "model_name": model_name,
            "version": model_version,
            "date": _utc_now(),
            "prompt": prompt,
            "tags": tags,
        }
        if generation_settings:
            model_info["generation_settings"] = generation_settings
        if hardware_info:
            model_info["hardware_info"] = hardware_info
        chunks = []
        for idx, rec in enumerate(chunk_records):
            compressed_size = rec.get(
                "compressed_size",
                rec.get("compressed_size_header", (rec.get("len_header") or 0) + (rec.get("len_data") or 0)))
            entry = {
                "index": idx,
                "type": rec["type"],
                "flags": rec["flags"],
                "offset": rec["offset"],
                "compressed_size": compressed_size,
                "uncompressed_size": rec["uncompressed_size"],
                "hash": rec["hash"],
                "extra": rec.get("extra", {}),
                "compressed": rec.get("compressed", True),
            }
            if flavor.has_split_points:
                entry["len_header"] = rec.get("len_header")
                entry["len_data"] = rec.get("len_data")
            chunks.append(entry)
        return {
            flavor.metadata_key: {
                "file_info": {
                    "magic": flavor.magic.decode("ascii"),
                    "version_major": version_major,
                    "version_minor": version_minor,
                    "file_size": 0,
                    "chunk_count": len(chunk_records),
                },
                "model_info": model_info,
                "chunks": chunks,
            }
        }


# ---- latents ------------------------------------------------------------------

class LegacyLatent:
    """Operations on latent (LATN) chunks."""

    _flavor: Flavor

    def __init__(self) -> None:
        pass

    def dtype_from_flags(self, flags: bytes) -> np.dtype:
        """Converts 4-byte chunk flags (``b"F16\\0"``, ``b"F32\\0"``, ...) to a numpy dtype."""
        flag = bytes(flags).rstrip(b"\x00").decode("ascii", errors="ignore").strip()
        table = {"F16": "float16", "F32": "float32", "F64": "float64", "I8": "int8", "I16": "int16",
                 "I32": "int32", "I64": "int64", "U8": "uint8", "BOOL": "bool"}
        if flag not in table:
            raise ValueError(f"Unknown dtype flag: {flag!r} (raw: {flags!r})")
        return np.dtype(table[flag])

    def latent_shape_validator(self, latent_array: Any, expected_dims: int = 4,
                               max_dimension_size: int = _MAX_DIMENSION) -> bool:
        """Checks rank, every dimension (1..max_dimension_size) and the element count."""
        invalid = self._flavor.family.invalid_latent
        shape = tuple(getattr(latent_array, "shape", ()))
        if len(shape) != expected_dims:
            raise invalid(f"Expected {expected_dims}D latent, got {len(shape)}D shape {shape}")
        for i, dim in enumerate(shape):
            if dim <= 0:
                raise invalid(f"Invalid dimension size at axis {i}: {dim}")
            if dim > max_dimension_size:
                raise invalid(f"Dimension {i} size {dim} exceeds maximum {max_dimension_size}")
        total = int(np.prod(shape, dtype=np.int64))
        if total > _MAX_ELEMENTS:
            raise invalid(f"Latent too large: {total} elements exceeds maximum {_MAX_ELEMENTS}")
        return True

    def latent_dtype_validator(self, latent_array: np.ndarray) -> bool:
        """Checks the element type (float16 or float32) and that every value is finite."""
        invalid = self._flavor.family.invalid_latent
        if latent_array.dtype not in (np.float16, np.float32):
            raise invalid(f"Latent dtype must be float16 or float32, got {latent_array.dtype}")
        if not np.isfinite(latent_array).all():
            if np.isnan(latent_array).any():
                raise invalid("Latent contains NaN values")
            raise invalid("Latent contains Inf values")
        return True

    def make_lazy_latent_loader(self, filename: str, chunk_record: dict) -> Callable[[], np.ndarray]:
        """Returns a function that loads this latent on its first call (and returns it after)."""
        return self._loader(_path(filename), chunk_record, None)

    def iter_lazy_latents(self, filename: str, chunk_records: list) -> Iterator[Callable[[], np.ndarray]]:
        """Yields a lazy loader for each LATN record (they share one open file)."""
        path = _path(filename)
        shared: Dict[str, Any] = {}
        for record in chunk_records:
            if record.get("type") == "LATN":
                yield self._loader(path, record, shared)

    def _loader(self, path: str, record: dict, shared: Optional[Dict[str, Any]]) -> Callable[[], np.ndarray]:
        family = self._flavor.family
        loaded: List[np.ndarray] = []

        def load() -> np.ndarray:
            if loaded:
                return loaded[0]
            try:
                reader = shared.get("reader") if shared is not None else None
                if reader is None:
                    reader = _c.Reader.open(path)
                    if shared is not None:
                        shared["reader"] = reader
                position = _latent_position(reader, record)
                buffer, dtype, shape = reader.load_latent(position)
            except _c.DecodeError as e:
                cls = family.latent
                raise family.convert(e, cls, f"Failed to load the latent chunk at offset "
                                             f"{record.get('offset')}: {e}") from None
            except _c.IoError as e:
                raise family.latent(f"Failed to load the latent chunk: {e}") from None
            loaded.append(to_ndarray(buffer, dtype, shape))
            return loaded[0]

        return load


def _latent_position(reader: Any, record: dict) -> int:
    """Which stored latent a legacy chunk record describes (by index, else by offset)."""
    infos = reader.latents
    index = record.get("index")
    if index is not None:
        for position, info in enumerate(infos):
            if info["chunk_index"] == index:
                return position
    offset = record.get("offset")
    chunks = next(iter(reader.manifest.values()))["chunks"]
    for position, info in enumerate(infos):
        if chunks[info["chunk_index"]].get("offset") == offset:
            return position
    raise _c.LatentError(f"the file has no latent chunk at offset {offset}")


# ---- image --------------------------------------------------------------------

class LegacyImage:
    """Operations on the image (DATA) chunk."""

    _flavor: Flavor

    def __init__(self) -> None:
        pass

    def image_bytes_validator(self, image_bytes: bytes) -> bool:
        """True if PIL can read and verify the image; raises the package's ImageError otherwise."""
        try:
            from PIL import Image

            with Image.open(io.BytesIO(image_bytes)) as img:
                img.verify()
            return True
        except Exception as e:
            raise self._flavor.family.invalid_image(f"Invalid image bytes: {e}") from None

    def image_data_chunk_builder(self, image_binary: bytes) -> bytes:
        """A DATA chunk as the existing package stored it: a zstd frame of header + image."""
        self.image_bytes_validator(image_binary)
        return _c.pack_chunk("DATA", b"0000", image_binary)

    def image_data_chunk_parser(self, compressed_chunk: bytes) -> dict:
        """Parses a zstd-compressed DATA chunk: chunk_type, chunk_flags, chunk_size, image_data."""
        family = self._flavor.family
        try:
            chunk_type, chunk_flags, chunk_size, image_data = _c.unpack_chunk(compressed_chunk, True, _MAX_DECOMPRESSED)
        except _c.DecodeError as e:
            raise family.convert(e, family.image, f"Failed to parse image data chunk: {e}") from None
        return {"chunk_type": chunk_type, "chunk_flags": chunk_flags, "chunk_size": chunk_size, "image_data": image_data}


# ---- environment ----------------------------------------------------------------

class LegacyEnv:
    """Operations on the environment (ENVC) chunk."""

    _flavor: Flavor

    def __init__(self) -> None:
        pass

    def env_chunk_populator(self) -> EnvChunk:
        """The current environment (Python's components first, then the library's)."""
        return current_environment()

    def env_chunk_builder(self, env_chunk: EnvChunk) -> Tuple[bytes, bytes]:
        """(stored chunk, JSON payload) for an environment, as the existing package built them."""
        try:
            env_bytes = json.dumps(env_chunk.to_dict(), indent=2).encode("utf-8")
        except Exception as e:
            raise self._flavor.family.env(f"Failed to build environment chunk: {e}") from None
        return _c.pack_chunk("ENVC", b"0000", env_bytes), env_bytes

    def env_chunk_parser(self, compressed_chunk: bytes) -> dict:
        """Parses a stored ENVC chunk: chunk_type, chunk_flags, chunk_size, env_chunk (an EnvChunk)."""
        family = self._flavor.family
        try:
            chunk_type, chunk_flags, chunk_size, payload = _c.unpack_chunk(compressed_chunk, True, _MAX_DECOMPRESSED)
        except _c.DecodeError as e:
            raise family.convert(e, family.env) from None
        with translated(family):
            env = env_from_native(_c.parse_environment(payload))
        return {"chunk_type": chunk_type, "chunk_flags": chunk_flags, "chunk_size": chunk_size, "env_chunk": env}


# ---- the file handler -------------------------------------------------------------

class LegacyFileHandler:
    """High-level API for reading and writing files (the existing package's handler)."""

    _flavor: Flavor
    _latent_class: type = LegacyLatent
    _image_class: type = LegacyImage
    _metadata_class: type = LegacyMetadata
    _env_class: type = LegacyEnv

    def __init__(self, max_file_size: Optional[int] = None, max_chunk_size: Optional[int] = None):
        """Initialize with optional size limits (bytes); defaults MAX_FILE_SIZE and MAX_CHUNK_SIZE."""
        from .core.constants import MAX_CHUNK_SIZE, MAX_FILE_SIZE

        self.latent = self._latent_class()
        self.image = self._image_class()
        self.metadata = self._metadata_class()
        self.env = self._env_class()
        self.max_file_size = max_file_size or MAX_FILE_SIZE
        self.max_chunk_size = max_chunk_size or MAX_CHUNK_SIZE
        self.HEADER_SIZE = self._flavor.header_size

    # -- limits --

    def validate_file_size(self, size: int, context: str = "file") -> bool:
        """Validates a file or chunk size. Returns True; raises DecodeError / ChunkError."""
        family = self._flavor.family
        if size < 0:
            raise family.decode(f"Invalid {context} size: {size} (negative)")
        if context == "file" and size > self.max_file_size:
            raise family.decode(
                f"File size {size:,} bytes exceeds maximum {self.max_file_size:,} bytes "
                f"({size / (1024**3):.2f} GB)")
        if context == "chunk" and size > self.max_chunk_size:
            raise family.chunk(f"Chunk size {size:,} bytes exceeds maximum {self.max_chunk_size:,} bytes")
        return True

    def validate_chunk_count(self, count: int) -> bool:
        """Validates the number of chunks. Returns True; raises DecodeError."""
        from .core.constants import MAX_CHUNKS

        family = self._flavor.family
        if count < 0:
            raise family.decode(f"Invalid chunk count: {count}")
        if count > MAX_CHUNKS:
            raise family.decode(f"Chunk count {count} exceeds maximum {MAX_CHUNKS}")
        return True

    def _limits(self) -> dict:
        return {"max_file_size": int(self.max_file_size), "max_chunk_size": min(int(self.max_chunk_size), _U32_MAX)}

    # -- encode --

    def file_encoder(self, filename: str, latent: Dict[str, Any], chunk_records: list, model_name: str,
                     model_version: str, prompt: str, tags: list, img_binary: Optional[bytes],
                     should_compress: bool = True, convert_float16: bool = True,
                     generation_settings: Optional[dict] = None, hardware_info: Optional[dict] = None,
                     extra_image: Optional[Dict[str, Any]] = None) -> dict:
        """Encodes a file (atomically: a temporary file beside it, renamed over it).

        Args:
            filename: output file; must end in the layout's extension (else ValueError).
            latent: dict of name -> array (numpy, torch, ...); must not be empty.
            chunk_records: list the encoder appends one record (dict) per written chunk to.
            model_name, model_version, prompt, tags: model information.
            img_binary: encoded image bytes, or None for no image chunk.
            should_compress: compress latents (zfp in RAIIAF, zstd in GEN5).
            convert_float16: store latents as float16.
            generation_settings, hardware_info: stored when given, left out when not.
            extra_image: dict stored in the image record's "extra".

        Returns:
            {"header": bytes, "latent_chunks": bytes, "metadata_chunk": bytes, "image_chunk": bytes | None}
        """
        flavor = self._flavor
        family = flavor.family
        path = _path(filename)
        if not path.endswith(flavor.extension):
            raise ValueError(f"Filename must have a {flavor.extension} extension")
        if not isinstance(latent, collections.abc.Mapping):
            raise TypeError(f"latent must be a dict of name -> array, not {type(latent).__name__} "
                            "(e.g. latent={\"initial_noise\": array})")
        if not latent:
            raise family.invalid_latent("Latent dictionary cannot be empty")

        entries = []
        for key, value in latent.items():
            array, dtype = as_array(value)
            self.latent.latent_shape_validator(array)
            self.latent.latent_dtype_validator(array)
            self.validate_file_size(array.nbytes, "chunk")
            entries.append((str(key), array, dtype, list(array.shape), None, None))

        model: Dict[str, Any] = {
            "model_name": model_name,
            "version": model_version,
            "prompt": prompt,
            "tags": list(tags) if isinstance(tags, (list, tuple)) else tags,
        }
        try:  # numpy scalars (np.int64 seeds) as plain values; seeds up to 2**64-1
            if generation_settings:
                model["generation_settings"] = checked_settings(generation_settings)
            if hardware_info:
                model["hardware_info"] = plain_json(hardware_info)
        except (TypeError, ValueError) as e:
            raise family.metadata(f"Invalid metadata: {e}") from None
        # The schema, checked before anything is written (MetadataError, as before).
        probe = self.metadata.build_manifest(1, 0, model_name, model_version, prompt, model["tags"], [],
                                             model.get("generation_settings"), model.get("hardware_info"))
        self.metadata.metadata_validator(probe)

        image = None
        validate_image = True
        if img_binary is not None:
            image = bytes(img_binary)
            if not sniff(image):
                # Not PNG/JPEG/WebP: accepted, as before, when PIL can read it.
                self.image.image_bytes_validator(image)
                validate_image = False
        image_extra = None
        if extra_image:
            try:
                image_extra = json.dumps(extra_image, allow_nan=False)
            except (TypeError, ValueError) as e:
                raise family.metadata(f"Invalid metadata: extra_image: {e}") from None

        codec = flavor.compressed_codec if should_compress else "raw"
        from ._env import sync_host_components

        sync_host_components()
        try:
            with translated(family, path):
                _c.write(path, json.dumps(model, allow_nan=False), entries, image, image_extra, flavor.layout,
                         codec, bool(convert_float16), None, validate_image, None)
        except _c.InvalidArgument as e:
            if (getattr(e, "reason", "") or "").startswith("image"):
                raise family.convert(e, family.invalid_image, f"Invalid image bytes: {e}") from None
            raise
        return self._written(path, chunk_records)

    def _written(self, path: str, chunk_records: Optional[list]) -> dict:
        """The legacy return value, read back from the file just written."""
        flavor = self._flavor
        with translated(flavor.family, path):
            reader = _c.Reader.open(path, verify_hashes=False)
            try:
                manifest = reader.manifest
                records = manifest[flavor.metadata_key]["chunks"]
                header = reader.header
                latent_chunks = b"".join(reader.stored_bytes(r["index"]).tobytes()
                                         for r in records if r["type"] == "LATN")
                image_chunk = next((reader.stored_bytes(r["index"]).tobytes()
                                    for r in records if r["type"] == "DATA"), None)
            finally:
                reader.close()
        with builtins.open(path, "rb") as f:
            header_bytes = f.read(flavor.header_size)
            f.seek(header["chunk_table_offset"])
            metadata_chunk = f.read(header["chunk_table_size"])
        if chunk_records is not None:
            chunk_records.extend(records)
        return {
            "header": header_bytes,
            "latent_chunks": latent_chunks,
            "metadata_chunk": metadata_chunk,
            "image_chunk": image_chunk,
        }

    # -- decode --

    def file_decoder(self, filename: str) -> dict:
        """Decodes a file.

        Returns:
            {"header": dict, "metadata": the manifest dict, "chunks": {"latent": [arrays in manifest
            order], "image": bytes (absent without image), "env": EnvChunk (absent without an environment record)}}

        Warns (UserWarning) once per difference between the file's environment and this one.
        Raises the package's DecodeError subclasses for damaged files.
        """
        flavor = self._flavor
        family = flavor.family
        path = _path(filename)
        with translated(family, path):
            reader = _c.Reader.open(path, True, self._limits())
            try:
                header = reader.header
                metadata = reader.manifest
                positions = {info["chunk_index"]: n for n, info in enumerate(reader.latents)}
                chunks: Dict[str, Any] = {"latent": []}
                for index, chunk_type in enumerate(reader.chunk_types):
                    if chunk_type == "LATN":
                        buffer, dtype, shape = reader.load_latent(positions[index])
                        chunks["latent"].append(to_ndarray(buffer, dtype, shape))
                    elif chunk_type == "DATA" and "image" not in chunks:
                        chunks["image"] = reader.load_payload(index).tobytes()
                # The ENVC chunk and, in GEN5 files (docs/FORMAT.md 8.8), the manifest's part.
                native_env = reader.environment()
                if native_env is not None:
                    env = env_from_native(native_env)
                    chunks["env"] = env
                    for entry in drift_of(reader):
                        warnings.warn(drift_message(entry), UserWarning, stacklevel=2)
            finally:
                reader.close()
        return {"header": header, "chunks": chunks, "metadata": metadata}

    # -- images --

    @classmethod
    def png_to_bytes(cls, png_path: str) -> bytes:
        """Reads an image and re-encodes it as an RGBA PNG, preserving transparency (raises ImageError)."""
        try:
            from PIL import Image

            with Image.open(png_path) as img:
                img = img.convert("RGBA")
                buf = io.BytesIO()
                img.save(buf, format="PNG")
                return buf.getvalue()
        except Exception as e:
            raise cls._flavor.family.image(f"Failed to convert PNG to bytes: {e}") from e

    @classmethod
    def bytes_to_png(cls, img_bytes: bytes) -> Any:
        """Opens image bytes as a PIL image (raises ImageError)."""
        try:
            from PIL import Image

            return Image.open(io.BytesIO(img_bytes))
        except Exception as e:
            raise cls._flavor.family.image(f"Failed to convert bytes to PNG: {e}") from e


__all__ = [
    "EnvChunk", "EnvComponent", "LegacyEnv", "LegacyFileHandler", "LegacyImage", "LegacyLatent",
    "LegacyMetadata", "header_init", "header_parse", "header_validate",
]
