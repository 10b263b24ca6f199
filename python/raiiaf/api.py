"""The Pythonic API: :func:`save`, :func:`dumps`, :func:`open`, :func:`check`.

::

    import raiiaf

    raiiaf.save("cat.raiiaf", image="cat.png", latents={"initial_noise": noise},
                prompt="a cat in neon goggles", model="Stable Diffusion 3", model_version="3.0",
                settings={"seed": 1337, "steps": 30, "sampler": "euler"}, tags=["cat"])

    with raiiaf.open("cat.raiiaf") as art:
        art.metadata["raiiaf_metadata"]["model_info"]["prompt"]   # or art.prompt
        noise = art.latents["initial_noise"]     # numpy; raw latents are views of the mapped file
        art.image()                              # PIL image
        for entry in art.drift():                # environment differences
            print(entry.message)
        art.verify()                             # every chunk, hash and cross-check

Errors are the classes of ``raiiaf.core.exceptions`` (``raiiafCorruptHeader``,
``raiiafMetadataError``, ``raiiafLatentError``, ...), ``ValueError`` for what
cannot be written and ``OSError`` for the file system.
"""

from __future__ import annotations

import functools
import json
import os
import pathlib
import threading
import warnings
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Tuple, Union

import numpy as np

from . import _raiiaf as _c
from ._arrays import as_array, to_ndarray
from ._env import DriftEntry, EnvChunk, current_environment, drift_between, env_from_native, sync_host_components
from ._errors import translated
from ._flavor import RAIIAF
from ._images import image_bytes
from ._settings import checked_settings, json_text

_FAMILY = RAIIAF.family
PathLike = Union[str, "os.PathLike[str]"]


class ExtensionWarning(UserWarning):
    """A file was written that the existing raiiaf/gen5 package cannot read (it uses an
    extension of this implementation: a codec, dtype or rank that package lacks). Pass
    ``compat=True`` to refuse such files instead."""


def _warn_extensions(extensions: List[str], name: str) -> None:
    """``extensions``: what the writer reported the existing package cannot read."""
    if extensions:
        import warnings

        warnings.warn(f"{name} needs this reader: the existing raiiaf/gen5 package cannot read "
                      f"{'; '.join(extensions)} (compat=True refuses such files)", ExtensionWarning, stacklevel=3)


@functools.lru_cache(maxsize=None)
def _codec_table() -> Tuple[Dict[str, Any], ...]:
    """The library's codec table (_raiiaf.codec_info), read once."""
    return tuple(_c.codec_info())


def _codec_name(codec: str) -> str:
    name = str(codec).replace("_", "-").lower()
    names = [info["name"] for info in _codec_table()]
    if name not in names:
        raise ValueError(f"unknown codec {codec!r}: {', '.join(names[:-1])} or {names[-1]}")
    return name


def _text(value: Any, name: str) -> str:
    # A None here is a caller's mistake, never the text "None".
    if isinstance(value, str):
        return value
    if name == "model_version" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise TypeError(f"{name} must be a string, not {type(value).__name__}")


def _tags(tags: Union[str, Iterable[str]]) -> List[str]:
    if isinstance(tags, str):
        return [tags]
    if tags is None or isinstance(tags, Mapping) or not isinstance(tags, Iterable):
        raise TypeError(f"tags must be a list of strings, not {type(tags).__name__} (tags=[] for none)")
    listed = list(tags)
    for tag in listed:
        if not isinstance(tag, str):
            raise TypeError(f"tags must be strings, not {type(tag).__name__} ({tag!r})")
    return listed


def _model_json(prompt: str, model: str, model_version: str, settings: Optional[Mapping[str, Any]],
                tags: Union[str, Iterable[str]], hardware: Optional[Mapping[str, Any]], date: Optional[str],
                extra: Optional[Mapping[str, Any]]) -> str:
    info: Dict[str, Any] = {
        "model_name": _text(model, "model"),
        "version": _text(model_version, "model_version"),
        "prompt": _text(prompt, "prompt"),
        "tags": _tags(tags),
    }
    if date:
        info["date"] = str(date)
    if settings is not None:
        info["generation_settings"] = checked_settings(settings, "settings")
    if hardware is not None:
        if not isinstance(hardware, Mapping):
            raise TypeError(f"hardware must be a dict, not {type(hardware).__name__}")
        info["hardware_info"] = dict(hardware)
    for key, value in (extra or {}).items():
        if key in info or key in ("generation_settings", "hardware_info", "date"):
            raise ValueError(f"extra model_info key {key!r} clashes with a named argument")
        info[key] = value
    try:
        return json_text(info)
    except (TypeError, ValueError) as e:
        raise ValueError(f"model information is not JSON-serialisable: {e}") from None


def _request(image: Any, latents: Optional[Mapping[str, Any]], prompt: str, model: str, model_version: str,
             settings: Optional[Mapping[str, Any]], tags: Union[str, Iterable[str]],
             hardware: Optional[Mapping[str, Any]], layout: str, codec: str, float16: bool,
             zfp_tolerance: Optional[float], codecs: Optional[Mapping[str, str]],
             image_extra: Optional[Mapping[str, Any]], date: Optional[str],
             extra: Optional[Mapping[str, Any]]) -> dict:
    entries = []
    per_latent = {str(k): _codec_name(v) for k, v in (codecs or {}).items()}
    if latents is not None and not isinstance(latents, Mapping):
        raise TypeError(f"latents must be a dict of name -> array, not {type(latents).__name__} "
                        "(e.g. latents={\"initial_noise\": array})")
    codec = _codec_name(codec)
    if zfp_tolerance is not None:
        lossy = [info["name"] for info in _codec_table() if info["takes_tolerance"]]
        if codec not in lossy and not set(lossy) & set(per_latent.values()):
            raise ValueError(f"zfp_tolerance applies to the {' or '.join(lossy)} codec only; codec is {codec!r} "
                             f"(give codec=\"{lossy[0]}\")")
    for name, value in (latents or {}).items():
        if not isinstance(name, str):
            raise TypeError(f"latent names must be strings, not {type(name).__name__}")
        array, dtype = as_array(value)
        entries.append((name, array, dtype, list(array.shape), per_latent.pop(name, None), None))
    if per_latent:
        raise ValueError(f"codecs given for unknown latents: {sorted(per_latent)}")
    data = None if image is None else image_bytes(image)
    return {
        "model_json": _model_json(prompt, model, model_version, settings, tags, hardware, date, extra),
        "latents": entries,
        "image": data,
        "image_extra_json": None if image_extra is None else json.dumps(dict(image_extra), allow_nan=False),
        "layout": str(layout).lower(),
        "codec": codec,
        "float16": bool(float16),
        "zfp_tolerance": None if zfp_tolerance is None else float(zfp_tolerance),
    }


def save(path: PathLike, image: Any = None, latents: Optional[Mapping[str, Any]] = None, prompt: str = "",
         model: str = "", model_version: str = "", settings: Optional[Mapping[str, Any]] = None,
         tags: Union[str, Iterable[str]] = (), hardware: Optional[Mapping[str, Any]] = None, *,
         layout: str = "raiiaf", codec: str = "raw", float16: bool = False, zfp_tolerance: Optional[float] = None,
         codecs: Optional[Mapping[str, str]] = None, image_extra: Optional[Mapping[str, Any]] = None,
         date: Optional[str] = None, extra: Optional[Mapping[str, Any]] = None,
         compat: bool = False, durable: bool = True) -> pathlib.Path:
    """Writes an artifact atomically (temporary file, fsync, rename) and returns its path.

    Args:
        path: where to write; any name (no extension is required).
        image: bytes (stored as given: PNG, JPEG or WebP), a path to an image file, a PIL
            image or a uint8 array (encoded as PNG), or None.
        latents: name -> array: numpy arrays, torch tensors (any device; never imported here),
            anything with ``__dlpack__`` or ``__array__``. Any rank up to 8; float16, bfloat16
            (torch), float32, float64, int8/16/32/64, uint8, bool. Written in mapping order.
        prompt, model, model_version, tags: model information.
        settings: generation settings (seed, steps, sampler, ...), left out when None.
        hardware: hardware information (os, cpu, gpu, ...), left out when None.
        layout: "raiiaf" (default) or "gen5".
        codec: "raw" (default), "zfp" (RAIIAF only; lossless unless zfp_tolerance),
            "zstd" or "shuffle-zstd"; ``codecs`` overrides it per latent name.
        float16: store float latents as float16.
        image_extra: keys stored in the image record's "extra".
        date: ISO 8601 date to record (default: now, UTC).
        extra: further model_info keys.
        compat: refuse (ValueError) anything the existing raiiaf/gen5 package cannot read.
        durable: fsync the file and its folder (default). False still replaces the file
            atomically, but a power failure may lose it: for scratch output. To write many
            files durably, :func:`save_many` makes them durable together.

    The environment (this machine, python, numpy and torch if imported) is recorded.
    A file without extensions (float16/float32 4-D latents, raw or zfp in RAIIAF,
    raw or zstd in GEN5) is readable by the existing raiiaf/gen5 package; writing one
    with extensions issues an :class:`ExtensionWarning` naming them.

    Raises:
        ValueError: for what cannot be stored (schema violations, bad image, dtype, ...).
        OSError: when the file cannot be written.
    """
    target = os.fspath(path)
    target = os.fsdecode(target) if isinstance(target, bytes) else target
    request = _request(image, latents, prompt, model, model_version, settings, tags, hardware, layout, codec,
                       float16, zfp_tolerance, codecs, image_extra, date, extra)
    sync_host_components()
    with translated(_FAMILY, target):
        extensions = _c.write(target, **request, compat=bool(compat), durable=bool(durable))
    _warn_extensions(extensions, target)
    return pathlib.Path(target)


def save_many(items: Iterable[Tuple[PathLike, Mapping[str, Any]]], *, durable: bool = True) -> List[pathlib.Path]:
    """Writes many artifacts: ``items`` is an iterable of ``(path, keyword arguments of save)``.

    Durable (the default) with two barriers for the whole batch instead of two fsyncs per
    file: every file is written first, under no target's name, then all are made durable
    and each replaces its target. If any item fails, no target of the batch is touched
    (files are committed in groups of 256: earlier groups stay written).
    Returns the paths, in order. Raises as :func:`save` does.
    """
    if not durable:
        return [save(path, **dict(arguments), durable=False) for path, arguments in items]
    written: List[Tuple[pathlib.Path, List[str]]] = []
    batch = _c.WriteBatch()
    sync_host_components()
    for path, arguments in items:
        target = os.fspath(path)
        target = os.fsdecode(target) if isinstance(target, bytes) else target
        options = dict(arguments)
        unknown = set(options) - _SAVE_ARGUMENTS
        if unknown:
            raise TypeError(f"save_many: unexpected arguments for {target!r}: {sorted(unknown)}")
        compat = bool(options.pop("compat", False))
        request = _request(options.get("image"), options.get("latents"), options.get("prompt", ""),
                           options.get("model", ""), options.get("model_version", ""), options.get("settings"),
                           options.get("tags", ()), options.get("hardware"), options.get("layout", "raiiaf"),
                           options.get("codec", "raw"), options.get("float16", False), options.get("zfp_tolerance"),
                           options.get("codecs"), options.get("image_extra"), options.get("date"),
                           options.get("extra"))
        with translated(_FAMILY, target):
            extensions = batch.add(target, **request, compat=compat)
        written.append((pathlib.Path(target), extensions))
    with translated(_FAMILY):
        batch.commit()
    for target_path, extensions in written:
        _warn_extensions(extensions, str(target_path))
    return [target_path for target_path, _ in written]


_SAVE_ARGUMENTS = {"image", "latents", "prompt", "model", "model_version", "settings", "tags", "hardware", "layout",
                   "codec", "float16", "zfp_tolerance", "codecs", "image_extra", "date", "extra", "compat"}


def dumps(image: Any = None, latents: Optional[Mapping[str, Any]] = None, prompt: str = "", model: str = "",
          model_version: str = "", settings: Optional[Mapping[str, Any]] = None,
          tags: Union[str, Iterable[str]] = (), hardware: Optional[Mapping[str, Any]] = None, *,
          layout: str = "raiiaf", codec: str = "raw", float16: bool = False, zfp_tolerance: Optional[float] = None,
          codecs: Optional[Mapping[str, str]] = None, image_extra: Optional[Mapping[str, Any]] = None,
          date: Optional[str] = None, extra: Optional[Mapping[str, Any]] = None, compat: bool = False) -> bytes:
    """Like :func:`save`, but returns the file's bytes instead of writing them."""
    request = _request(image, latents, prompt, model, model_version, settings, tags, hardware, layout, codec,
                       float16, zfp_tolerance, codecs, image_extra, date, extra)
    sync_host_components()
    with translated(_FAMILY):
        data, extensions = _c.encode(**request, compat=bool(compat))
    _warn_extensions(extensions, "the encoded file")
    return data


class Latents(Mapping[str, np.ndarray]):
    """The latents of an artifact: name -> numpy array, loaded when first touched.

    Iterating, ``len`` and ``info(name)`` read no payload. A raw latent comes
    back as a read-only view of the memory-mapped file (zero copy, live: see
    ``open(..., copy=True)`` for verified copies); compressed
    ones are decoded into arrays of their own. Every payload's SHA-256 is
    checked when it is loaded (unless the artifact was opened with
    ``verify_hashes=False``).
    """

    def __init__(self, artifact: "Artifact") -> None:
        self._artifact = artifact
        self._infos = {info["name"]: (position, info) for position, info in enumerate(artifact._reader_infos)}
        self._cache: Dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def __getitem__(self, name: str) -> np.ndarray:
        cached = self._cache.get(name)
        if cached is not None:
            return cached
        if name not in self._infos:
            raise KeyError(name)
        position = self._infos[name][0]
        with self._lock:
            cached = self._cache.get(name)
            if cached is None:
                reader = self._artifact._live_reader()
                with translated(_FAMILY, self._artifact._name):
                    buffer, dtype, shape = reader.load_latent(position)
                cached = self._cache[name] = to_ndarray(buffer, dtype, shape)
        return cached

    def __iter__(self) -> Iterator[str]:
        return iter(self._infos)

    def __len__(self) -> int:
        return len(self._infos)

    def __contains__(self, name: object) -> bool:
        return name in self._infos

    def info(self, name: str) -> Dict[str, Any]:
        """What is stored for a latent, without reading it: dtype (as stored), shape,
        codec, stored_size, raw_size, chunk_index, zfp_tolerance."""
        return dict(self._infos[name][1])

    def loaded(self, name: str) -> bool:
        """True when the latent has been loaded already."""
        return name in self._cache

    def read_into(self, name: str, out: Any) -> Any:
        """Copies a latent, checked as every load is, into the caller's buffer and returns it.

        ``out``: a writable numpy array, or a torch tensor on any device, of the latent's shape
        and dtype. The copy is the only one: a raw latent is read from the mapped file.
        """
        array = self[name]
        if type(out).__module__.split(".")[0] == "torch":
            import torch  # the caller has it: out is a tensor

            if tuple(out.shape) != array.shape or out.dtype != torch.from_numpy(np.empty(0, array.dtype)).dtype:
                raise ValueError(f"read_into({name!r}): out is {out.dtype}{tuple(out.shape)}, "
                                 f"the latent {array.dtype}{array.shape}")
            if out.device.type == "cpu" and out.is_contiguous() and not out.requires_grad:
                np.copyto(out.numpy(), array)
            else:
                with warnings.catch_warnings():  # from_numpy of a read-only view: only read here
                    warnings.simplefilter("ignore", UserWarning)
                    out.copy_(torch.from_numpy(array))
            return out
        if not isinstance(out, np.ndarray):
            raise TypeError(f"read_into({name!r}): out must be a numpy array or a torch tensor, "
                            f"not {type(out).__name__}")
        if out.shape != array.shape or out.dtype != array.dtype:
            raise ValueError(f"read_into({name!r}): out is {out.dtype}{out.shape}, the latent {array.dtype}{array.shape}")
        np.copyto(out, array)
        return out

    def __repr__(self) -> str:
        parts = ", ".join(f"{name!r}: {info['dtype']}{tuple(info['shape'])}" for name, (_, info) in self._infos.items())
        return f"<raiiaf latents {{{parts}}}>"


class Artifact:
    """An open artifact (see :func:`open`). Use as a context manager or call :meth:`close`.

    Opening memory-maps the file and reads its header and manifest only.
    Closing drops the mapping; arrays handed out keep the memory they view alive.
    """

    def __init__(self, reader: Any, name: Optional[str], data: Optional[bytes] = None) -> None:
        self._reader = reader
        self._name = name
        self._data = data  # the file's bytes when opened from memory
        self._reader_infos = reader.latents
        self._header = reader.header
        self._layout = reader.layout
        # Kept beyond close(): the dict the compiled module builds from the reader's parsed manifest.
        self._metadata: Dict[str, Any] = reader.manifest
        self._latents = Latents(self)
        self._image: Optional[bytes] = None
        self._env: Any = _UNSET

    # -- lifetime --

    def close(self) -> None:
        """Releases the file; latents already loaded stay valid."""
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    @property
    def closed(self) -> bool:
        """True once :meth:`close` has been called (or the ``with`` block left)."""
        return self._reader is None

    def __enter__(self) -> "Artifact":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _live_reader(self) -> Any:
        if self._reader is None:
            raise ValueError("I/O operation on a closed raiiaf artifact")
        return self._reader

    # -- what the header and manifest say (no payload read) --

    @property
    def path(self) -> Optional[pathlib.Path]:
        """The file's path (None when opened from bytes)."""
        return None if self._name is None else pathlib.Path(self._name)

    @property
    def layout(self) -> str:
        """"raiiaf" or "gen5"."""
        return self._layout

    @property
    def header(self) -> Dict[str, Any]:
        """The header fields (magic as bytes, version_major, ..., file_size, reserved)."""
        return dict(self._header)

    @property
    def metadata(self) -> Dict[str, Any]:
        """The manifest as stored: ``{"raiiaf_metadata": {"file_info", "model_info", "chunks"}}``
        (``"gen5_metadata"`` in GEN5 files)."""
        return self._metadata

    @property
    def _body(self) -> Dict[str, Any]:
        return next(iter(self.metadata.values()))

    @property
    def model_info(self) -> Dict[str, Any]:
        """The manifest's model_info (model_name, version, date, prompt, tags, ...)."""
        return self._body["model_info"]

    @property
    def chunks(self) -> List[Dict[str, Any]]:
        """The chunk records of the manifest."""
        return self._body["chunks"]

    @property
    def prompt(self) -> str:
        """model_info's prompt."""
        return self.model_info.get("prompt", "")

    @property
    def model(self) -> str:
        """model_info's model_name."""
        return self.model_info.get("model_name", "")

    @property
    def model_version(self) -> str:
        """model_info's version."""
        return self.model_info.get("version", "")

    @property
    def tags(self) -> List[str]:
        """model_info's tags."""
        return list(self.model_info.get("tags", []))

    @property
    def date(self) -> str:
        """model_info's date (ISO 8601, UTC)."""
        return self.model_info.get("date", "")

    @property
    def settings(self) -> Optional[Dict[str, Any]]:
        """generation_settings, or None when the file has none."""
        return self.model_info.get("generation_settings")

    @property
    def hardware(self) -> Optional[Dict[str, Any]]:
        """hardware_info, or None when the file has none."""
        return self.model_info.get("hardware_info")

    # -- payloads (read when asked for) --

    @property
    def latents(self) -> Latents:
        """name -> numpy array, loaded lazily (see :class:`Latents`)."""
        return self._latents

    @property
    def has_image(self) -> bool:
        """True when the file has an image (DATA) chunk."""
        return any(chunk.get("type") == "DATA" for chunk in self.chunks)

    @property
    def image_bytes(self) -> Optional[bytes]:
        """The stored image bytes (checked), or None when the file has no image."""
        if self._image is None and self.has_image:
            reader = self._live_reader()
            with translated(_FAMILY, self._name):
                self._image = reader.load_image().tobytes()
        return self._image

    def image(self) -> Any:
        """The image as a PIL image, or None when the file has no image."""
        data = self.image_bytes
        if data is None:
            return None
        import io

        from PIL import Image

        try:
            image = Image.open(io.BytesIO(data))
            image.load()
        except Exception as e:
            raise _FAMILY.image(f"the stored image cannot be decoded: {e}") from None
        return image

    @property
    def env(self) -> Optional[EnvChunk]:
        """The recorded environment (``env_version``, ``components``), or None for files without one."""
        if self._env is _UNSET:
            reader = self._live_reader()
            with translated(_FAMILY, self._name):
                native = reader.environment()
            self._env = None if native is None else env_from_native(native)
        return self._env

    def drift(self, warn: bool = False) -> List[DriftEntry]:
        """How this machine's environment differs from the recorded one: only differences in
        what both sides observed (components the file does not record, or that this process
        cannot observe, are not drift; docs/FORMAT.md section 8.6).

        Each entry has ``component_id``, ``file_value``, ``current_value``,
        ``kind`` ("changed", "missing_here", "missing_in_file") and ``message``
        (the existing package's warning text). With ``warn=True`` each is also
        issued as a UserWarning, as the legacy decoder does.
        """
        env = self.env
        if env is None:
            return []
        entries = drift_between(env)
        if warn:
            import warnings

            for entry in entries:
                warnings.warn(entry.message, UserWarning, stacklevel=2)
        return entries

    def verify(self) -> bool:
        """Checks the whole file: header, manifest and schema, bounds, every chunk's envelope,
        decompression and SHA-256, the environment record. Returns True or raises the first
        problem (a raiiafDecodeError subclass)."""
        problems = self.check()
        if problems:
            raise problems[0]
        return True

    def check(self) -> List[Exception]:
        """Like :meth:`verify`, but returns every problem found (empty: intact)."""
        source: Union[str, bytes, None] = self._name if self._name is not None else self._data
        assert source is not None  # opened either from a path or from bytes
        return check(source)

    def export(self, path: PathLike, embed: bool = False, *, xmp: bool = True, parameters: bool = True) -> pathlib.Path:
        """Writes the artifact's image to ``path`` (.png, .jpg/.jpeg or .webp: the stored image's
        own format; pixels are never re-encoded) as an ordinary image, with the prompt and settings
        as A1111 infotext (and ComfyUI's prompt/workflow when imported from it) and an XMP packet
        with the IPTC AI properties. With ``embed=True`` the image also carries the whole artifact,
        which :func:`open` reads back. The write is atomic. Returns ``path``.

        Raises:
            raiiafImageError: the artifact has no image, or not a PNG/JPEG/WebP.
            InvalidArgument: ``path``'s extension names another format, or the metadata does not fit.
        """
        source: Union[str, bytes, None] = self._name if self._name is not None else self._data
        assert source is not None  # opened either from a path or from bytes
        out = os.fspath(path)
        out = os.fsdecode(out) if isinstance(out, bytes) else out
        with translated(_FAMILY, self._name):
            _c.export_image(source, out, bool(embed), bool(xmp), bool(parameters))
        return pathlib.Path(out)

    def __repr__(self) -> str:
        where = self._name if self._name is not None else "<bytes>"
        state = "closed" if self.closed else "open"
        return f"<raiiaf.Artifact {where!r} {self._layout} {len(self._latents)} latents, {state}>"


_UNSET = object()


def open(source: Union[PathLike, bytes, bytearray, memoryview], *, verify_hashes: bool = True,
         limits: Optional[Mapping[str, int]] = None, copy: bool = False) -> Artifact:
    """Opens an artifact (a path, or the bytes of one) lazily; see :class:`Artifact`.

    Args:
        source: a path, or bytes-like holding a whole file.
        verify_hashes: check each payload's SHA-256 when it is loaded (default True).
        limits: override the reader's limits for untrusted input, e.g.
            ``{"max_file_size": ..., "max_chunk_size": ..., "max_chunk_count": ...,
            "max_manifest_size": ..., "max_decompressed_total": ..., "max_json_depth": ...,
            "max_json_object_members": ..., "max_json_values": ..., "max_rank": ...}``
            (every field of the C++ ``raiiaf::Limits``).
        copy: raw latents and the image are copied out of the file and the copy
            is hash-checked. By default a raw latent is a live, zero-copy view of
            the mapped file: if another program rewrites the file in place, the
            array changes after its hash was checked (files replaced by renaming,
            as this package writes them, never change under a reader). A view
            read after the file was truncated reads zeros; every later load
            raises OSError (docs/SECURITY.md).

    Raises:
        raiiafCorruptHeader, raiiafMetadataError: the file is damaged or not a raiiaf/GEN5 file.
        OSError (FileNotFoundError, ...): the file cannot be opened.
    """
    limit_dict = None if limits is None else {str(k): int(v) for k, v in limits.items()}
    if isinstance(source, (bytes, bytearray, memoryview)):
        with translated(_FAMILY):
            data = bytes(source)
            reader = _c.Reader.from_bytes(data, bool(verify_hashes), limit_dict)
        return Artifact(reader, None, data)
    name = os.fspath(source)
    name = os.fsdecode(name) if isinstance(name, bytes) else name
    with translated(_FAMILY, name):
        reader = _c.Reader.open(name, bool(verify_hashes), limit_dict, bool(copy))
    return Artifact(reader, name)


def check(source: Union[PathLike, bytes], *, limits: Optional[Mapping[str, int]] = None) -> List[Exception]:
    """Checks a whole file without raising for damage: returns the problems found
    (raiiafDecodeError subclasses; empty when intact). A file that cannot be opened
    is reported as an OSError in the list."""
    limit_dict = None if limits is None else {str(k): int(v) for k, v in limits.items()}
    if isinstance(source, (bytes, bytearray, memoryview)):
        report = _c.check(bytes(source), limit_dict)
        name = None
    else:
        name = os.fspath(source)
        name = os.fsdecode(name) if isinstance(name, bytes) else name
        report = _c.check(name, limit_dict)
    problems: List[Exception] = []
    for problem in report["problems"]:
        if isinstance(problem, _c.IoError):
            from ._errors import os_error

            problems.append(os_error(problem, name))
        elif isinstance(problem, _c.DecodeError):
            problems.append(_FAMILY.convert(problem))
        else:
            problems.append(problem)
    return problems


def environment() -> EnvChunk:
    """The environment a file written now records (this process's python, numpy, torch if
    imported, then what the library captures: os, GPUs, CPU, memory, library versions)."""
    return current_environment()


__all__ = ["Artifact", "ExtensionWarning", "Latents", "check", "dumps", "environment", "open", "save"]
