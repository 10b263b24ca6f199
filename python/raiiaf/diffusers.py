"""Capture at the source for diffusers-style pipelines: :func:`generate` and :func:`replay`.

::

    import raiiaf.diffusers

    output, path = raiiaf.diffusers.generate(pipe, "cat.raiiaf", seed=1337,
                                             prompt="a cat in neon goggles", num_inference_steps=30)
    report = raiiaf.diffusers.replay("cat.raiiaf", pipe)
    print(report)            # reproduced? by how much not? what changed?

diffusers itself is never imported. The module relies only on diffusers' documented
public call contract, so any object honouring it works:

* ``pipe(..., latents=, generator=, callback_on_step_end=, callback_on_step_end_tensor_inputs=)``,
  where ``callback_on_step_end(pipe, step, timestep, callback_kwargs)`` returns the kwargs dict
  and the pipeline continues with its ``"latents"``;
* the result's ``.images`` (or ``[0]`` with ``return_dict=False``): PIL images, a float array
  ``[B, H, W, C]`` or a float tensor ``[B, C, H, W]`` in [0, 1] (``output_type`` "pil", "np", "pt");
* ``pipe.config`` (``_name_or_path``, ``_commit_hash`` / ``revision``, ``_diffusers_version``),
  ``pipe.scheduler`` and its ``config``, ``pipe.vae_scale_factor``, ``pipe.unet.config`` or
  ``pipe.transformer.config`` (``in_channels``, ``sample_size``), ``pipe.dtype``, ``pipe.device``.

The initial noise is drawn as diffusers' ``randn_tensor`` draws it from a ``torch.Generator``
seeded with ``seed`` (on the CPU, so it is the same on every machine), in the pipeline's dtype;
the same generator, so advanced, is handed to the pipeline for any noise it draws while sampling.
torch is imported only when a function here is called (a pipeline implies it is there).
"""

from __future__ import annotations

import inspect
import math
import os
import pathlib
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple, Union

import numpy as np

from . import api
from ._env import DriftEntry
from ._settings import is_seed

PathLike = Union[str, "os.PathLike[str]"]

#: generation_settings["capture"] of the files :func:`generate` writes.
CAPTURE_NAME = "raiiaf.diffusers"
#: Prefix of the latents that hold tensor-valued or image-valued call arguments.
ARGUMENT_LATENT_PREFIX = "call_argument."

# Call arguments this module supplies itself; a caller may not pass them.
_SUPPLIED = ("latents", "generator")
# Passed through (the caller's callback runs, its tensor inputs are added), never recorded.
_CALLBACK_ARGUMENTS = ("callback_on_step_end", "callback_on_step_end_tensor_inputs")
# Call parameters that are plumbing, not settings: never recorded.
_NOT_SETTINGS = _SUPPLIED + _CALLBACK_ARGUMENTS + ("callback", "callback_steps", "return_dict")


class Generation(NamedTuple):
    """What :func:`generate` returns: the pipeline's own output and the artifact written."""

    output: Any
    path: pathlib.Path


class SettingDifference(NamedTuple):
    """One setting that differs between the artifact and the replay (``key`` is a dotted path,
    e.g. ``call_arguments.guidance_scale`` or ``scheduler_config.beta_schedule``)."""

    key: str
    recorded: Any
    current: Any


class RecordError(ValueError):
    """The artifact's diffusers record is damaged or inconsistent (says where)."""


@dataclass
class ReplayReport:
    """What :func:`replay` found.

    ``reproduced`` is True when the final latent and every image are bit-identical to the
    stored ones. ``latent_max_abs_diff`` is the largest absolute difference of the final
    latent (``inf`` when the shapes differ), ``image_max_abs_diff`` that of the images in
    0-255 pixel units (None when the artifact holds no image). ``differences`` lists the
    settings that differ (overrides, another scheduler or pipeline, dtype, device),
    ``drift`` the environment differences, ``noise_matches_seed`` whether the recorded seed
    still draws the stored noise here (False: torch's generator changed).
    """

    reproduced: bool
    latent_max_abs_diff: float
    image_max_abs_diff: Optional[int]
    drift: List[DriftEntry]
    differences: List[SettingDifference]
    noise_matches_seed: bool
    output: Any = field(repr=False, default=None)
    final_latent: Any = field(repr=False, default=None)

    def __str__(self) -> str:
        verdict = "reproduced bit-exactly" if self.reproduced else "NOT reproduced"
        lines = [f"{verdict}: final latent max |diff| {self.latent_max_abs_diff:g}, "
                 f"image max |diff| {self.image_max_abs_diff if self.image_max_abs_diff is not None else 'n/a'}"]
        lines += [f"  setting {d.key}: recorded {d.recorded!r}, now {d.current!r}" for d in self.differences]
        lines += [f"  environment: {entry.message}" for entry in self.drift]
        if not self.noise_matches_seed:
            lines.append("  the recorded seed no longer draws the stored noise here (the stored noise was used)")
        return "\n".join(lines)


# -- small helpers -------------------------------------------------------------------------------

def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise ImportError("raiiaf.diffusers needs torch (Debian: python3-torch)") from None
    return torch


def _lookup(source: Any, key: str, default: Any = None) -> Any:
    """source[key] for mappings (diffusers' FrozenDict), else getattr."""
    if source is None:
        return default
    if isinstance(source, Mapping):
        return source.get(key, default)
    return getattr(source, key, default)


def _qualified_name(value: Any) -> str:
    cls = value if isinstance(value, type) else type(value)
    return cls.__name__


def _dtype_name(dtype: Any) -> str:
    return str(dtype).replace("torch.", "")


def _jsonable(value: Any, where: str) -> Any:
    """A JSON value for configs and plain call arguments; ValueError for what has none."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"{where}: {number} cannot be recorded (JSON has no inf/nan)")
        return number
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if type(value).__module__.split(".")[0] == "torch" and type(value).__name__ == "dtype":
        return _dtype_name(value)
    raise ValueError(f"{where}: a {type(value).__name__} cannot be recorded as JSON")


def _config_dict(config: Any) -> Dict[str, Any]:
    """A config (mapping, or object with to_dict()/__dict__) as JSON; values without a
    JSON form are kept as their repr so that a difference still shows."""
    if config is None:
        return {}
    if not isinstance(config, Mapping):
        to_dict = getattr(config, "to_dict", None)
        config = to_dict() if callable(to_dict) else dict(vars(config))
    recorded: Dict[str, Any] = {}
    for key, value in config.items():
        try:
            recorded[str(key)] = _jsonable(value, str(key))
        except ValueError:
            recorded[str(key)] = {"$repr": repr(value)}
    return recorded


def _is_tensor(value: Any) -> bool:
    return type(value).__module__.split(".")[0] == "torch" and hasattr(value, "detach")


def _is_pil_image(value: Any) -> bool:
    return hasattr(value, "getbands") and hasattr(value, "mode") and hasattr(value, "size")


def _float_array(value: Any) -> np.ndarray:
    if _is_tensor(value):
        torch = _torch()
        return value.detach().to("cpu", torch.float64).numpy()
    return np.asarray(value, dtype=np.float64)


def _max_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    if a.shape != b.shape:
        return math.inf
    if a.size == 0:
        return 0.0
    difference = float(np.max(np.abs(a - b)))
    return math.inf if math.isnan(difference) else difference


# -- call arguments: recorded as JSON, tensors and images as latents of their own -----------------

class _ArgumentRecorder:
    """Turns call arguments into JSON, storing tensors, arrays and PIL images as latents."""

    def __init__(self) -> None:
        self.latents: Dict[str, Any] = {}

    def record(self, value: Any, where: str) -> Any:
        if _is_tensor(value):
            name = ARGUMENT_LATENT_PREFIX + where
            self.latents[name] = value
            return {"$tensor": name, "dtype": _dtype_name(value.dtype)}
        if isinstance(value, np.ndarray):
            name = ARGUMENT_LATENT_PREFIX + where
            self.latents[name] = value
            return {"$array": name}
        if _is_pil_image(value):
            name = ARGUMENT_LATENT_PREFIX + where
            self.latents[name] = np.asarray(value)
            return {"$image": name, "mode": value.mode}
        if isinstance(value, Mapping):
            return {str(k): self.record(v, f"{where}.{k}") for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.record(v, f"{where}.{i}") for i, v in enumerate(value)]
        try:
            return _jsonable(value, where)
        except ValueError:
            return {"$unrecorded": type(value).__name__}


def _same_value(a: Any, b: Any) -> bool:
    """Whether two call-argument values are the same, comparing tensors, arrays and images by content."""
    if _is_tensor(a) or _is_tensor(b) or isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (hasattr(a, "shape") and hasattr(b, "shape")) or tuple(a.shape) != tuple(b.shape):
            return False
        return _max_abs_diff(_float_array(a), _float_array(b)) == 0.0
    if _is_pil_image(a) or _is_pil_image(b):
        return _is_pil_image(a) and _is_pil_image(b) and a.mode == b.mode and np.array_equal(np.asarray(a), np.asarray(b))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(_same_value(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same_value(x, y) for x, y in zip(a, b))
    try:
        return bool(a == b)
    except Exception:  # an object whose == raises or is ambiguous
        return a is b


def _shown(value: Any) -> Any:
    """A call-argument value as a report shows it: tensors, arrays and images summarised."""
    if _is_tensor(value) or isinstance(value, np.ndarray):
        return f"{type(value).__name__} {_dtype_name(value.dtype)}{list(value.shape)}"
    if _is_pil_image(value):
        return f"image {value.mode} {value.size[0]}x{value.size[1]}"
    return value


def _torch_dtype(name: Any, where: str) -> Any:
    torch = _torch()
    dtype = getattr(torch, name, None) if isinstance(name, str) else None
    if not isinstance(dtype, torch.dtype):
        raise RecordError(f"{where}: {name!r} is not a torch dtype")
    return dtype


def _stored_latent(artifact: api.Artifact, name: Any, where: str) -> np.ndarray:
    if not isinstance(name, str) or name not in artifact.latents:
        raise RecordError(f"{where}: refers to latent {name!r}, which the artifact does not have")
    return np.array(artifact.latents[name])  # a writable copy: the file is closed after


def _restore_argument(value: Any, artifact: api.Artifact, where: str, missing: List[str]) -> Any:
    """The inverse of _ArgumentRecorder.record, reading the latents back from the artifact."""
    if isinstance(value, dict):
        if "$tensor" in value:
            torch = _torch()
            stored = _stored_latent(artifact, value["$tensor"], f"call argument {where}")
            return torch.from_numpy(stored).to(_torch_dtype(value.get("dtype"), f"call argument {where}"))
        if "$array" in value:
            return _stored_latent(artifact, value["$array"], f"call argument {where}")
        if "$image" in value:
            from PIL import Image

            pixels = _stored_latent(artifact, value["$image"], f"call argument {where}")
            try:
                image = Image.fromarray(pixels)
                return image if image.mode == value.get("mode") else image.convert(value.get("mode"))
            except (TypeError, ValueError) as e:
                raise RecordError(f"call argument {where}: the stored image cannot be rebuilt: {e}") from None
        if "$unrecorded" in value:
            missing.append(where)
            return None
        return {k: _restore_argument(v, artifact, f"{where}.{k}", missing) for k, v in value.items()}
    if isinstance(value, list):
        return [_restore_argument(v, artifact, f"{where}[{i}]", missing) for i, v in enumerate(value)]
    return value


def _effective_arguments(pipe: Any, call_kwargs: Mapping[str, Any]) -> Dict[str, Any]:
    """Every parameter of pipe.__call__ with the value this call uses (given, else its default),
    so that a later change of a default cannot change a replay."""
    effective: Dict[str, Any] = {}
    try:
        signature = inspect.signature(pipe.__call__)
    except (TypeError, ValueError):
        signature = None
    if signature is not None:
        for name, parameter in signature.parameters.items():
            if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD) or name in _NOT_SETTINGS:
                continue
            if parameter.default is not parameter.empty:
                effective[name] = parameter.default
    effective.update((k, v) for k, v in call_kwargs.items() if k not in _NOT_SETTINGS)
    return effective


# -- what the pipeline is ---------------------------------------------------------------------------

def _denoiser_config(pipe: Any) -> Any:
    for component in ("unet", "transformer"):
        model = getattr(pipe, component, None)
        if model is not None:
            return getattr(model, "config", None)
    return None


def _pipeline_dtype(pipe: Any) -> Any:
    torch = _torch()
    dtype = getattr(pipe, "dtype", None)
    if isinstance(dtype, torch.dtype):
        return dtype
    for component in ("unet", "transformer"):
        dtype = getattr(getattr(pipe, component, None), "dtype", None)
        if isinstance(dtype, torch.dtype):
            return dtype
    return torch.float32


def _pipeline_device(pipe: Any) -> Any:
    torch = _torch()
    device = getattr(pipe, "device", None)
    return torch.device(device) if device is not None else torch.device("cpu")


def _describe(pipe: Any) -> Dict[str, Any]:
    """The pipeline's identity as recorded and as compared on replay."""
    config = getattr(pipe, "config", None)
    scheduler = getattr(pipe, "scheduler", None)
    return {
        "pipeline_class": _qualified_name(pipe),
        "model_id": _lookup(config, "_name_or_path"),
        "revision": _lookup(config, "_commit_hash", _lookup(config, "revision")),
        "diffusers_version": _lookup(config, "_diffusers_version"),
        "scheduler_class": None if scheduler is None else _qualified_name(scheduler),
        "scheduler_config": _config_dict(getattr(scheduler, "config", None)),
        "dtype": _dtype_name(_pipeline_dtype(pipe)),
        "device": str(_pipeline_device(pipe)),
    }


def _batch_size(arguments: Mapping[str, Any]) -> int:
    prompt = arguments.get("prompt")
    if isinstance(prompt, (list, tuple)):
        batch = len(prompt)
    elif prompt is None and _is_tensor(arguments.get("prompt_embeds")):
        batch = int(arguments["prompt_embeds"].shape[0])
    else:
        batch = 1
    per_prompt = arguments.get("num_images_per_prompt") or 1
    if not isinstance(per_prompt, int) or per_prompt < 1:
        raise ValueError(f"num_images_per_prompt must be a positive integer, not {per_prompt!r}")
    return batch * per_prompt


def _noise_shape(pipe: Any, arguments: Mapping[str, Any]) -> List[int]:
    """[batch, latent channels, height / vae_scale_factor, width / vae_scale_factor], as the
    pipeline's prepare_latents makes it."""
    config = _denoiser_config(pipe)
    channels = _lookup(config, "in_channels")
    scale = getattr(pipe, "vae_scale_factor", None)
    if not isinstance(channels, int) or not isinstance(scale, int) or channels < 1 or scale < 1:
        raise ValueError(
            "cannot tell the shape of the initial noise: the pipeline needs unet.config.in_channels (or "
            "transformer.config.in_channels) and an integer vae_scale_factor; pass noise_shape= instead")
    sample_size = _lookup(config, "sample_size")
    if isinstance(sample_size, (list, tuple)):
        sample_size = sample_size[0]
    default_size = getattr(pipe, "default_sample_size", None) or sample_size
    sizes = []
    for name in ("height", "width"):
        size = arguments.get(name) or (default_size * scale if isinstance(default_size, int) else None)
        if not isinstance(size, int) or size < scale:
            raise ValueError(f"{name} must be an integer of at least vae_scale_factor ({scale}), not {size!r}")
        sizes.append(size // scale)
    return [_batch_size(arguments), channels, sizes[0], sizes[1]]


def _seeded_generator(seed: int, device: str) -> Any:
    torch = _torch()
    return torch.Generator(device=device).manual_seed(seed)


def _draw_noise(generator: Any, shape: Sequence[int], dtype: Any) -> Any:
    """As diffusers' randn_tensor draws it for one generator: on the generator's device."""
    torch = _torch()
    return torch.randn(tuple(shape), generator=generator, device=generator.device, dtype=dtype)


class _StepRecorder:
    """The callback_on_step_end that keeps the latents the pipeline continues with, after
    calling the caller's own callback (if any)."""

    def __init__(self, callback: Optional[Callable[..., Any]]) -> None:
        self.callback = callback
        self.latents: Any = None
        self.timesteps: List[Any] = []

    def __call__(self, pipe: Any, step: int, timestep: Any, callback_kwargs: Dict[str, Any]) -> Dict[str, Any]:
        outputs = callback_kwargs
        if self.callback is not None:
            outputs = self.callback(pipe, step, timestep, callback_kwargs)
            if outputs is None:
                outputs = callback_kwargs
        latents = outputs.get("latents", callback_kwargs.get("latents"))
        self.latents = latents.detach().clone() if _is_tensor(latents) else latents
        self.timesteps.append(float(timestep.item()) if hasattr(timestep, "item") else timestep)
        return outputs


def _without_callbacks(arguments: Mapping[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in arguments.items() if k not in _CALLBACK_ARGUMENTS}


def _tensor_inputs(callback: Any, requested: Any) -> List[str]:
    names = list(requested or getattr(callback, "tensor_inputs", None) or [])
    return names if "latents" in names else names + ["latents"]


def _run(pipe: Any, arguments: Dict[str, Any], noise: Any, generator: Any,
         callback: Optional[Callable[..., Any]], tensor_inputs: Any) -> Tuple[Any, _StepRecorder]:
    recorder = _StepRecorder(callback)
    device = _pipeline_device(pipe)
    output = pipe(**arguments, latents=noise.to(device), generator=generator, callback_on_step_end=recorder,
                  callback_on_step_end_tensor_inputs=_tensor_inputs(callback, tensor_inputs))
    if recorder.latents is None:
        raise ValueError(f"{_qualified_name(pipe)} never called callback_on_step_end, so its final latent is "
                         "unknown (num_inference_steps 0, or a pipeline that does not honour the callback)")
    return output, recorder


def _output_images(output: Any, output_type: Any) -> Optional[np.ndarray]:
    """The pipeline's images as uint8 [B, H, W, C], or None for output_type="latent"."""
    if output_type == "latent":
        return None
    images = getattr(output, "images", None)
    if images is None and isinstance(output, (tuple, list)) and output:
        images = output[0]
    if images is None:
        return None
    if _is_tensor(images):  # "pt": [B, C, H, W] floats in [0, 1]
        images = _float_array(images).transpose(0, 2, 3, 1)
    if isinstance(images, (list, tuple)) and images and _is_pil_image(images[0]):
        arrays = [np.asarray(image) for image in images]
        stacked = np.stack([a if a.ndim == 3 else a[:, :, None] for a in arrays])
        return stacked.astype(np.uint8)
    array = np.asarray(images)
    if array.dtype == np.uint8:
        return array if array.ndim == 4 else array[None]
    if array.ndim == 3:
        array = array[None]
    # diffusers' numpy_to_pil: (images * 255).round().astype("uint8")
    return np.clip(np.round(array.astype(np.float64) * 255), 0, 255).astype(np.uint8)


def _png(pixels: np.ndarray) -> bytes:
    from PIL import Image

    from ._images import pil_to_png

    return pil_to_png(Image.fromarray(pixels[:, :, 0] if pixels.shape[2] == 1 else pixels))


def _prompt_text(prompt: Any) -> str:
    if isinstance(prompt, str):
        return prompt
    if isinstance(prompt, (list, tuple)) and prompt and isinstance(prompt[0], str):
        return prompt[0]
    return ""


def _check_seed(seed: Any) -> int:
    if not is_seed(seed):  # any seed torch's generator takes; the manifest holds them all exactly
        raise ValueError(f"seed must be an integer from 0 to 2**64 - 1, not {seed!r}")
    return int(seed)


# -- the two entry points -----------------------------------------------------------------------------

def generate(pipe: Any, path: PathLike, *, seed: int, noise_shape: Optional[Sequence[int]] = None,
             tags: Sequence[str] = (), codec: str = "raw", **call_kwargs: Any) -> Generation:
    """Runs ``pipe(**call_kwargs)`` from noise it draws itself and writes one artifact.

    The artifact holds the image (the first one; with a batch, all of them also as the
    uint8 latent ``output_images``), ``initial_noise`` (exactly the tensor the pipeline was
    given as ``latents``), ``final_latent`` (the latents after the last step), tensor and
    image call arguments as latents ``call_argument.<name>``, and in generation_settings:
    seed, steps, sampler (the scheduler class), cfg_scale, eta, width, height, and under
    ``"diffusers"`` every call argument with the value used (defaults included), the
    pipeline class, model id and revision, the scheduler class and full config, dtype,
    device, the noise's shape and dtype and the timesteps the pipeline ran. The
    environment adds torch, diffusers and transformers when imported.

    Args:
        pipe: a diffusers pipeline, or any object honouring its call contract.
        path: where to write the artifact (atomically).
        seed: seeds the torch.Generator (CPU) that draws the noise.
        noise_shape: the noise's shape, for pipelines whose latents are not
            [batch, unet/transformer in_channels, height / vae_scale_factor, width / vae_scale_factor].
        tags: the artifact's tags.
        codec: codec of the latents (see :func:`raiiaf.save`).
        call_kwargs: the pipeline's own arguments (prompt, num_inference_steps, ...); not
            ``latents`` or ``generator``, which this function supplies. A
            ``callback_on_step_end`` of the caller's still runs (before the latents are
            taken), with its ``callback_on_step_end_tensor_inputs`` plus "latents".

    Returns:
        (output, path): the pipeline's own return value and the artifact's path.

    Raises:
        TypeError: for the arguments this function supplies itself.
        ValueError: a bad seed, a noise shape that cannot be told, a pipeline that never
            called back; and what raiiaf.save rejects.
    """
    torch = _torch()
    supplied = sorted(set(call_kwargs) & set(_SUPPLIED))
    if supplied:
        raise TypeError(f"generate() draws the noise itself and supplies {', '.join(supplied)}: "
                        "pass seed= (and noise_shape= if needed) instead")
    seed = _check_seed(seed)
    arguments = _effective_arguments(pipe, call_kwargs)
    shape = [int(d) for d in noise_shape] if noise_shape is not None else _noise_shape(pipe, arguments)
    if not shape or any(d < 1 for d in shape):
        raise ValueError(f"noise_shape must be positive dimensions, not {shape!r}")
    dtype = _pipeline_dtype(pipe)
    generator_device = "cpu"
    generator = _seeded_generator(seed, generator_device)
    noise = _draw_noise(generator, shape, dtype)

    with torch.no_grad():
        output, steps = _run(pipe, _without_callbacks(call_kwargs), noise, generator,
                             call_kwargs.get("callback_on_step_end"), call_kwargs.get("callback_on_step_end_tensor_inputs"))

    recorder = _ArgumentRecorder()
    recorded_arguments = {name: recorder.record(value, name) for name, value in arguments.items()}
    images = _output_images(output, arguments.get("output_type"))
    latents: Dict[str, Any] = {"initial_noise": noise, "final_latent": steps.latents}
    if images is not None and images.shape[0] > 1:
        latents["output_images"] = images
    latents.update(recorder.latents)

    description = _describe(pipe)
    steps_setting = arguments.get("num_inference_steps")
    settings: Dict[str, Any] = {
        "capture": CAPTURE_NAME,
        "seed": seed,
        "steps": steps_setting if isinstance(steps_setting, int) and steps_setting >= 1 else max(1, len(steps.timesteps)),
        "sampler": description["scheduler_class"] or "unknown",
        "precision": description["dtype"],
    }
    guidance = arguments.get("guidance_scale")
    if isinstance(guidance, (int, float)) and not isinstance(guidance, bool) and guidance >= 0:
        settings["cfg_scale"] = float(guidance)
    eta = arguments.get("eta")
    if isinstance(eta, (int, float)) and not isinstance(eta, bool) and eta >= 0:
        settings["eta"] = float(eta)
    if isinstance(arguments.get("negative_prompt"), str):
        settings["negative_prompt"] = arguments["negative_prompt"]
    if images is not None:
        settings["height"], settings["width"] = int(images.shape[1]), int(images.shape[2])
    settings["diffusers"] = {
        **description,
        "call_arguments": recorded_arguments,
        "noise": {"shape": shape, "dtype": _dtype_name(dtype), "generator": "torch.Generator.manual_seed",
                  "generator_device": generator_device},
        "timesteps": _jsonable(steps.timesteps, "timesteps"),
    }
    written = api.save(path, image=None if images is None else _png(images[0]), latents=latents,
                       prompt=_prompt_text(arguments.get("prompt")), model=description["model_id"] or "",
                       model_version=description["revision"] or "", settings=settings, tags=list(tags),
                       codec=codec)
    return Generation(output, written)


def _differences(recorded: Mapping[str, Any], current: Mapping[str, Any], prefix: str = "") -> List[SettingDifference]:
    found: List[SettingDifference] = []
    for key in list(recorded) + [k for k in current if k not in recorded]:
        before, after = recorded.get(key), current.get(key)
        if isinstance(before, dict) and isinstance(after, dict) and not any(k.startswith("$") for k in before):
            found += _differences(before, after, f"{prefix}{key}.")
        elif before != after:
            found.append(SettingDifference(prefix + key, before, after))
    return found


def replay(path: PathLike, pipe: Any, **overrides: Any) -> ReplayReport:
    """Runs ``pipe`` again from the artifact's stored noise, seed and call arguments (with
    ``overrides`` applied) and compares the result with what is stored.

    Args:
        path: an artifact written by :func:`generate`.
        pipe: the pipeline to run (the same one, or another to compare against).
        overrides: call arguments to change (e.g. ``guidance_scale=5.0``); each one that
            differs from the recorded value is listed in the report's ``differences``.

    Raises:
        TypeError: an override of latents/generator/seed (the stored ones are the point).
        ValueError: the artifact was not written by :func:`generate`, lacks its noise, or
            has call arguments that could not be recorded and are not given as overrides;
            RecordError (a ValueError) when its record is damaged.
        raiiafDecodeError subclasses: the artifact is damaged.
    """
    torch = _torch()
    refused = sorted(set(overrides) & set(_SUPPLIED + ("seed",)))
    if refused:
        raise TypeError(f"replay() uses the stored noise and seed; it cannot override {', '.join(refused)}")
    with api.open(path) as artifact:
        settings = artifact.settings or {}
        recorded = settings.get("diffusers")
        if settings.get("capture") != CAPTURE_NAME or not isinstance(recorded, dict):
            raise ValueError(f"{os.fspath(path)}: not written by raiiaf.diffusers.generate "
                             "(generation_settings has no 'diffusers' record)")
        for name in ("initial_noise", "final_latent"):
            if name not in artifact.latents:
                raise ValueError(f"{os.fspath(path)}: the artifact has no {name!r} latent")
        noise_record = recorded.get("noise")
        if not isinstance(noise_record, dict):
            raise RecordError("generation_settings.diffusers.noise: missing")
        if not isinstance(recorded.get("call_arguments", {}), dict):
            raise RecordError("generation_settings.diffusers.call_arguments: not an object")
        stored_noise = np.array(artifact.latents["initial_noise"])
        stored_final = _float_array(artifact.latents["final_latent"])
        stored_images: Optional[np.ndarray] = None
        if "output_images" in artifact.latents:
            stored_images = np.array(artifact.latents["output_images"])
        elif artifact.has_image:
            stored_images = np.asarray(artifact.image())[None]
        missing: List[str] = []
        arguments = {name: _restore_argument(value, artifact, name, missing)
                     for name, value in (recorded.get("call_arguments") or {}).items()}
        overridden = [SettingDifference(f"call_arguments.{name}", _shown(arguments.get(name)), _shown(value))
                      for name, value in _without_callbacks(overrides).items()
                      if not _same_value(arguments.get(name), value)]
        drift = artifact.drift()
    unrecorded = [name for name in missing if name.split(".")[0].split("[")[0] not in overrides]
    if unrecorded:
        raise ValueError(f"call arguments {unrecorded} could not be recorded when the artifact was written: "
                         "pass them to replay() as overrides")
    arguments.update(overrides)

    noise_dtype = _torch_dtype(noise_record.get("dtype"), "generation_settings.diffusers.noise.dtype")
    if noise_record.get("shape") != list(stored_noise.shape):
        raise RecordError(f"generation_settings.diffusers.noise.shape: {noise_record.get('shape')!r}, but the stored "
                          f"initial_noise has shape {list(stored_noise.shape)}")
    noise = torch.from_numpy(stored_noise).to(noise_dtype)
    generator_device = noise_record.get("generator_device")
    if generator_device != "cpu":
        raise RecordError(f"generation_settings.diffusers.noise.generator_device: {generator_device!r}; "
                          "generate() always draws on the CPU")
    seed = settings.get("seed")
    if not is_seed(seed):
        raise RecordError(f"generation_settings.seed: {seed!r} is not a seed")
    generator = _seeded_generator(seed, generator_device)
    # Drawing the noise again puts the generator where generate() left it, and tells whether
    # this torch still draws the same noise from the seed.
    redrawn = _draw_noise(generator, list(noise.shape), noise_dtype)
    noise_matches_seed = bool(torch.equal(redrawn, noise))

    with torch.no_grad():
        output, steps = _run(pipe, _without_callbacks(arguments), noise, generator,
                             overrides.get("callback_on_step_end"), overrides.get("callback_on_step_end_tensor_inputs"))

    current = _describe(pipe)
    identity = {k: v for k, v in recorded.items() if k in current}
    differences = _differences(identity, current) + overridden

    latent_diff = _max_abs_diff(_float_array(steps.latents), stored_final)
    images = _output_images(output, arguments.get("output_type"))
    image_diff: Optional[int] = None
    if stored_images is not None:
        if images is None or images.shape != stored_images.shape:
            image_diff = 255
        else:
            image_diff = int(np.max(np.abs(images.astype(np.int16) - stored_images.astype(np.int16)), initial=0))
    reproduced = latent_diff == 0.0 and image_diff in (None, 0)
    return ReplayReport(reproduced=reproduced, latent_max_abs_diff=latent_diff, image_max_abs_diff=image_diff,
                        drift=drift, differences=differences, noise_matches_seed=noise_matches_seed,
                        output=output, final_latent=steps.latents)


__all__ = ["ARGUMENT_LATENT_PREFIX", "CAPTURE_NAME", "Generation", "RecordError", "ReplayReport", "SettingDifference",
           "generate", "replay"]
