"""raiiaf's ComfyUI nodes: save an artifact from a workflow, record and reload its noise, latent, image.

ComfyUI's node contract, and nothing else of ComfyUI, is used: classes with INPUT_TYPES,
RETURN_TYPES, FUNCTION, CATEGORY (and OUTPUT_NODE); IMAGE tensors [B, H, W, C] float in [0, 1];
LATENT dicts {"samples": [B, C, H/8, W/8]}; NOISE objects with ``seed`` and
``generate_noise(input_latent)`` (what SamplerCustomAdvanced takes); the hidden PROMPT (the API
graph), EXTRA_PNGINFO ({"workflow": ...}) and UNIQUE_ID inputs. ComfyUI's ``folder_paths`` is
imported only when it is there, for the output and input folders; outside ComfyUI, artifacts are
written under $RAIIAF_COMFYUI_OUTPUT, else the current folder.
"""

from __future__ import annotations

import io
import json
import os
import pathlib
import re
import threading
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import torch

import raiiaf
from raiiaf._settings import is_seed  # any of ComfyUI's seeds, 0 to 2**64 - 1

CATEGORY = "raiiaf"
OUTPUT_ENV = "RAIIAF_COMFYUI_OUTPUT"
CAPTURE_NAME = "raiiaf.comfyui"

# RaiiafRecordNoise node id -> its RecordedNoise that last generated noise (read by RaiiafSaveArtifact).
_recorded_noise: Dict[str, "RecordedNoise"] = {}
_recorded_lock = threading.Lock()


# -- folders --------------------------------------------------------------------------------------

def _folder_paths() -> Any:
    try:
        import folder_paths  # ComfyUI's own module: present only inside ComfyUI
    except ImportError:
        return None
    return folder_paths


def output_directory() -> pathlib.Path:
    """ComfyUI's output folder, else $RAIIAF_COMFYUI_OUTPUT, else the current folder."""
    folders = _folder_paths()
    if folders is not None:
        return pathlib.Path(folders.get_output_directory())
    return pathlib.Path(os.environ.get(OUTPUT_ENV) or os.getcwd())


def _search_directories() -> List[pathlib.Path]:
    folders = _folder_paths()
    found = [output_directory()]
    if folders is not None:
        found.append(pathlib.Path(folders.get_input_directory()))
    return found


def resolve_artifact(name: str) -> pathlib.Path:
    """An artifact named by an absolute path, or relative to the output (then ComfyUI's input) folder."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError("artifact: give the path of a .raiiaf file or of a PNG saved by Save Artifact")
    path = pathlib.Path(name.strip()).expanduser()
    if path.is_absolute():
        if not path.is_file():
            raise FileNotFoundError(f"artifact {str(path)!r} does not exist")
        return path
    candidates = [folder / path for folder in _search_directories()]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"artifact {name!r} not found in {', '.join(str(c.parent) for c in candidates)}")


def _next_paths(prefix: str, folder: pathlib.Path) -> Tuple[pathlib.Path, str, str, int]:
    """(folder, file stem, subfolder, counter) for ``prefix``, counted as ComfyUI's SaveImage does:
    ``<prefix>_<counter:05>_.png``, one past the highest counter already there."""
    prefix = prefix.strip() or "raiiaf"
    subfolder, _, stem = prefix.replace("\\", "/").rpartition("/")
    if not stem:
        raise ValueError(f"filename_prefix {prefix!r} names a folder, not a file")
    target = (folder / subfolder).resolve()
    if os.path.commonpath([str(target), str(folder.resolve())]) != str(folder.resolve()):
        raise ValueError(f"filename_prefix {prefix!r} leaves the output folder {str(folder)!r}")
    target.mkdir(parents=True, exist_ok=True)
    pattern = re.compile(re.escape(stem) + r"_(\d{5,})_\.png$")
    counters = [int(m.group(1)) for entry in os.listdir(target) if (m := pattern.match(entry))]
    return target, stem, subfolder, max(counters, default=0) + 1


# -- tensors as ComfyUI passes them ---------------------------------------------------------------

def _check_image_batch(images: Any) -> torch.Tensor:
    if not isinstance(images, torch.Tensor) or images.dim() != 4 or images.shape[-1] not in (1, 3, 4):
        shape = tuple(images.shape) if isinstance(images, torch.Tensor) else type(images).__name__
        raise ValueError(f"images: expected an IMAGE tensor [B, H, W, C] with C = 1, 3 or 4, got {shape}")
    if images.shape[0] < 1 or images.shape[1] < 1 or images.shape[2] < 1:
        raise ValueError(f"images: empty IMAGE batch {tuple(images.shape)}")
    return images


def _latent_samples(latent: Any, what: str) -> torch.Tensor:
    samples = latent.get("samples") if isinstance(latent, dict) else latent
    if not isinstance(samples, torch.Tensor):
        raise ValueError(f"{what}: expected a LATENT {{'samples': tensor}}, got {type(latent).__name__}")
    return samples


def to_pixels(image: torch.Tensor) -> np.ndarray:
    """One IMAGE [H, W, C] as uint8, exactly as ComfyUI's SaveImage converts it (scale, clip, truncate)."""
    pixels = np.clip(255.0 * image.detach().cpu().float().numpy(), 0, 255).astype(np.uint8)
    return pixels[:, :, 0] if pixels.shape[2] == 1 else pixels


def _png(pixels: np.ndarray, texts: Optional[Dict[str, str]] = None) -> bytes:
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    info = None
    if texts:
        info = PngInfo()
        for key, text in texts.items():
            info.add_text(key, text)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", pnginfo=info, compress_level=4)
    return buffer.getvalue()


def _graph_texts(prompt: Any, extra_pnginfo: Any) -> Dict[str, str]:
    """The PNG text chunks ComfyUI's SaveImage writes: ``prompt`` and each EXTRA_PNGINFO key, as JSON."""
    texts: Dict[str, str] = {}
    if prompt is not None:
        texts["prompt"] = json.dumps(prompt)
    if isinstance(extra_pnginfo, dict):
        for key, value in extra_pnginfo.items():
            texts[str(key)] = json.dumps(value)
    return texts


def _batch_slice(tensor: torch.Tensor, index: int, batch: int) -> torch.Tensor:
    """The part of a latent that belongs to image ``index`` of a batch of ``batch`` (all of it when
    its batch dimension does not match)."""
    if batch > 1 and tensor.dim() >= 1 and tensor.shape[0] == batch:
        return tensor[index:index + 1]
    return tensor


# -- the artifact's record --------------------------------------------------------------------------

# Where the importer keeps settings that generation_settings cannot take (docs/FORMAT.md,
# "Imported artifacts").
_SETTINGS_BESIDE_SCHEMA = "imported_generation_settings"


def _graph_for_importer(prompt: Any) -> Any:
    """The API graph with every Record Noise node bypassed (it passes its NOISE through), so that the
    importer, following a sampler's noise input, reaches the noise source and its seed."""
    if not isinstance(prompt, dict):
        return prompt
    recorders = {str(node_id): node.get("inputs", {}).get("noise") for node_id, node in prompt.items()
                 if isinstance(node, dict) and node.get("class_type") == "RaiiafRecordNoise"}

    def source(link: Any, hops: int = 0) -> Any:
        if (isinstance(link, list) and len(link) == 2 and str(link[0]) in recorders and hops < len(recorders)):
            return source(recorders[str(link[0])], hops + 1)
        return link

    bypassed = {}
    for node_id, node in prompt.items():
        if isinstance(node, dict) and isinstance(node.get("inputs"), dict):
            node = dict(node, inputs={key: source(value) for key, value in node["inputs"].items()})
        bypassed[node_id] = node
    return bypassed


def _imported_model_info(pixels: np.ndarray, prompt: Any, extra_pnginfo: Any) -> Dict[str, Any]:
    """The model_info raiiaf's importer makes of the graph (the record placed as docs/FORMAT.md's
    "Imported artifacts" says); {} when it recognises no sampler settings in it."""
    if prompt is None:
        return {}
    from raiiaf import _raiiaf  # the importer's own mapping, as raiiaf.import_image uses it

    png = _png(pixels, _graph_texts(_graph_for_importer(prompt), extra_pnginfo))
    try:
        info = json.loads(_raiiaf.imported_model_info(png, "never", None))
    except ValueError:  # InvalidArgument: no generator recognised
        return {}
    return info if isinstance(info, dict) else {}


def _artifact_fields(info: Dict[str, Any], graph_png: bytes, noise_seed: Optional[int]) -> Dict[str, Any]:
    """raiiaf.save's prompt/model/tags/settings/extra: the importer's model_info, with the texts of
    the PNG actually written (the graph verbatim, Record Noise included) as imported_metadata, from
    which export writes the graph back, and the seed of the Record Noise when the graph gave none."""
    info = dict(info)
    settings = info.pop("generation_settings", None) or info.pop(_SETTINGS_BESIDE_SCHEMA, None) or {}
    settings = dict(settings)
    if "seed" not in settings and isinstance(noise_seed, int) and noise_seed >= 0:
        settings["seed"] = noise_seed
    settings.setdefault("generator", "comfyui")
    settings["capture"] = CAPTURE_NAME
    settings["imported_metadata"] = raiiaf.read_metadata_texts(graph_png, stealth="never")
    fields: Dict[str, Any] = {
        "prompt": str(info.pop("prompt", "")),
        "model": str(info.pop("model_name", "") or "comfyui"),
        "model_version": str(info.pop("version", "")),
        "tags": ["comfyui"],
    }
    info.pop("tags", None)
    steps = settings.get("steps")
    extra = dict(info)  # the importer's further model_info keys, if any
    if "sampler" in settings and isinstance(steps, int) and steps >= 1 and is_seed(settings.get("seed")):
        fields["settings"] = settings
    else:  # generation_settings needs seed, steps and sampler
        extra[_SETTINGS_BESIDE_SCHEMA] = settings
    if extra:
        fields["extra"] = extra
    return fields


def captured_settings(artifact: raiiaf.Artifact) -> Dict[str, Any]:
    """An artifact's settings: generation_settings, else those kept beside it."""
    kept = artifact.settings or artifact.model_info.get(_SETTINGS_BESIDE_SCHEMA)
    return dict(kept) if isinstance(kept, dict) else {}


def _export_png(artifact_bytes: bytes, target: pathlib.Path) -> None:
    """Writes the artifact's image to ``target`` with the artifact embedded (raiiaf's export, which
    also writes the ComfyUI graph back from imported_metadata), atomically."""
    with raiiaf.open(artifact_bytes) as artifact:
        artifact.export(target, embed=True)


# -- the nodes --------------------------------------------------------------------------------------

class RaiiafSaveArtifact:
    """Saves each image as a PNG that ComfyUI restores the workflow from when dropped on it, with the
    whole artifact embedded: the image, the LATENT as ``final_latent``, the noise of a Record Noise
    node as ``initial_noise``, the settings the importer reads from the graph, the graph verbatim,
    and the environment."""

    @classmethod
    def INPUT_TYPES(cls) -> Dict[str, Any]:
        return {
            "required": {
                "images": ("IMAGE", {"tooltip": "The images to save."}),
                "filename_prefix": ("STRING", {"default": "raiiaf", "tooltip": "File name prefix; may hold a subfolder."}),
            },
            "optional": {
                "latent": ("LATENT", {"tooltip": "Stored as final_latent (the sampler's output)."}),
                "noise": ("NOISE", {"tooltip": "A Record Noise output; by default every Record Noise node of the graph is used."}),
            },
            "hidden": {"prompt": "PROMPT", "extra_pnginfo": "EXTRA_PNGINFO"},
        }

    RETURN_TYPES: Tuple[str, ...] = ()
    FUNCTION = "save"
    OUTPUT_NODE = True
    CATEGORY = CATEGORY
    DESCRIPTION = "Saves PNGs that carry the workflow and the complete raiiaf artifact."

    def save(self, images: Any, filename_prefix: str = "raiiaf", latent: Any = None, noise: Any = None,
             prompt: Any = None, extra_pnginfo: Any = None) -> Dict[str, Any]:
        images = _check_image_batch(images)
        batch = int(images.shape[0])
        final_latent = None if latent is None else _latent_samples(latent, "latent")
        noises = self._noises(noise, prompt)
        first = next(iter(noises.values()), None)
        noise_seed = getattr(first, "seed", None)
        texts = _graph_texts(prompt, extra_pnginfo)
        folder, stem, subfolder, counter = _next_paths(filename_prefix, output_directory())
        results = []
        for index in range(batch):
            pixels = to_pixels(images[index])
            graph_png = _png(pixels, texts)  # what ComfyUI's SaveImage writes
            latents: Dict[str, torch.Tensor] = {}
            for name, recording in noises.items():
                assert recording.recorded is not None  # _noises keeps only those that recorded
                latents[name] = _batch_slice(recording.recorded, index, batch)
            if final_latent is not None:
                latents["final_latent"] = _batch_slice(final_latent, index, batch)
            fields = _artifact_fields(_imported_model_info(pixels, prompt, extra_pnginfo), graph_png, noise_seed)
            artifact_bytes = raiiaf.dumps(image=graph_png, latents=latents, **fields)
            file_name = f"{stem}_{counter + index:05}_.png"
            _export_png(artifact_bytes, folder / file_name)
            results.append({"filename": file_name, "subfolder": subfolder, "type": "output"})
        return {"ui": {"images": results}}

    @staticmethod
    def _noises(noise: Any, prompt: Any) -> Dict[str, "RecordedNoise"]:
        """initial_noise: the linked Record Noise's, else those of the graph's Record Noise nodes
        (the lowest node id as initial_noise, others as initial_noise.<node id>)."""
        if noise is not None:
            if not isinstance(noise, RecordedNoise) or noise.recorded is None:
                raise ValueError("noise: link the output of a Record Noise node (RaiiafRecordNoise) that a sampler "
                                 "has used; this NOISE has recorded nothing")
            return {"initial_noise": noise}
        node_ids = []
        if isinstance(prompt, dict):
            node_ids = sorted((str(k) for k, v in prompt.items()
                               if isinstance(v, dict) and v.get("class_type") == "RaiiafRecordNoise"),
                              key=lambda k: (len(k), k))
        with _recorded_lock:
            found = [(node_id, _recorded_noise[node_id]) for node_id in node_ids if node_id in _recorded_noise]
        return {("initial_noise" if i == 0 else f"initial_noise.{node_id}"): recording
                for i, (node_id, recording) in enumerate(found)}


class RecordedNoise:
    """A NOISE that generates what the wrapped one does and keeps a copy of it."""

    def __init__(self, noise: Any, node_id: Optional[str]) -> None:
        if not callable(getattr(noise, "generate_noise", None)):
            raise ValueError(f"noise: expected a NOISE with generate_noise(input_latent), got {type(noise).__name__}")
        self.noise = noise
        self.seed = getattr(noise, "seed", 0)
        self.node_id = node_id
        self.recorded: Optional[torch.Tensor] = None

    def generate_noise(self, input_latent: Any) -> torch.Tensor:
        generated = self.noise.generate_noise(input_latent)
        if not isinstance(generated, torch.Tensor):
            raise ValueError(f"the wrapped NOISE returned a {type(generated).__name__}, not a tensor")
        self.recorded = generated.detach().cpu().clone()
        if self.node_id is not None:
            with _recorded_lock:
                _recorded_noise[self.node_id] = self
        return generated


class RaiiafRecordNoise:
    """Passes a NOISE through (for SamplerCustomAdvanced) and records the exact tensor it generates,
    which Save Artifact stores as initial_noise."""

    @classmethod
    def INPUT_TYPES(cls) -> Dict[str, Any]:
        return {"required": {"noise": ("NOISE",)}, "hidden": {"unique_id": "UNIQUE_ID"}}

    RETURN_TYPES = ("NOISE",)
    FUNCTION = "record"
    CATEGORY = CATEGORY
    DESCRIPTION = "Records the noise a sampler draws, for Save Artifact."

    def record(self, noise: Any, unique_id: Any = None) -> Tuple[RecordedNoise]:
        return (RecordedNoise(noise, None if unique_id is None else str(unique_id)),)


class StoredNoise:
    """A NOISE that gives back a stored tensor, bit for bit."""

    def __init__(self, tensor: torch.Tensor, seed: int) -> None:
        self.tensor = tensor
        self.seed = seed

    def generate_noise(self, input_latent: Any) -> torch.Tensor:
        samples = _latent_samples(input_latent, "input_latent")
        if tuple(samples.shape) != tuple(self.tensor.shape):
            raise ValueError(f"the stored noise has shape {list(self.tensor.shape)} but the latent to sample has "
                             f"{list(samples.shape)}: use the same size and batch as the saved workflow")
        return self.tensor.clone()


def _artifact_identity(cls: Any, artifact: str = "", **_: Any) -> str:
    """IS_CHANGED (ComfyUI passes the node's inputs as keywords): the file's identity, so ComfyUI
    reruns a loader when the file changes."""
    try:
        stat = resolve_artifact(artifact).stat()
    except (OSError, ValueError):
        return "missing"
    return f"{artifact}:{stat.st_size}:{stat.st_mtime_ns}"


def open_artifact(artifact: str) -> raiiaf.Artifact:
    """Opens a .raiiaf file or an image carrying one (a PNG saved by Save Artifact)."""
    return raiiaf.open(resolve_artifact(artifact))


def _load_latent_tensor(artifact: str, name: str) -> Tuple[torch.Tensor, Dict[str, Any]]:
    """The latent (a copy: the file is closed after) and the settings (those Save Artifact kept
    beside generation_settings when the graph gave no seed/steps/sampler)."""
    with open_artifact(artifact) as opened:
        path = opened.path
        if name not in opened.latents:
            raise ValueError(f"{str(path)!r} has no latent {name!r} (it has: {', '.join(opened.latents) or 'none'})")
        return torch.from_numpy(np.array(opened.latents[name])), captured_settings(opened)


class RaiiafLoadNoise:
    """A NOISE that reproduces an artifact's stored initial noise exactly (for SamplerCustomAdvanced)."""

    @classmethod
    def INPUT_TYPES(cls) -> Dict[str, Any]:
        return {"required": {"artifact": ("STRING", {"default": ""}),
                             "latent_name": ("STRING", {"default": "initial_noise"})}}

    RETURN_TYPES = ("NOISE",)
    FUNCTION = "load"
    CATEGORY = CATEGORY
    IS_CHANGED = classmethod(_artifact_identity)

    def load(self, artifact: str, latent_name: str = "initial_noise") -> Tuple[StoredNoise]:
        tensor, settings = _load_latent_tensor(artifact, latent_name)
        seed = settings.get("seed")
        return (StoredNoise(tensor, seed if isinstance(seed, int) else 0),)


class RaiiafLoadLatent:
    """An artifact's latent as a LATENT ({"samples": tensor})."""

    @classmethod
    def INPUT_TYPES(cls) -> Dict[str, Any]:
        return {"required": {"artifact": ("STRING", {"default": ""}),
                             "latent_name": ("STRING", {"default": "final_latent"})}}

    RETURN_TYPES = ("LATENT",)
    FUNCTION = "load"
    CATEGORY = CATEGORY
    IS_CHANGED = classmethod(_artifact_identity)

    def load(self, artifact: str, latent_name: str = "final_latent") -> Tuple[Dict[str, torch.Tensor]]:
        tensor, _ = _load_latent_tensor(artifact, latent_name)
        return ({"samples": tensor},)


class RaiiafLoadImage:
    """An artifact's image as an IMAGE [1, H, W, C] float in [0, 1] (RGB, or RGBA when stored so)."""

    @classmethod
    def INPUT_TYPES(cls) -> Dict[str, Any]:
        return {"required": {"artifact": ("STRING", {"default": ""})}}

    RETURN_TYPES = ("IMAGE",)
    FUNCTION = "load"
    CATEGORY = CATEGORY
    IS_CHANGED = classmethod(_artifact_identity)

    def load(self, artifact: str) -> Tuple[torch.Tensor]:
        with open_artifact(artifact) as opened:
            path, image = opened.path, opened.image()
        if image is None:
            raise ValueError(f"{str(path)!r} holds no image")
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
        pixels = np.asarray(image).astype(np.float32) / 255.0
        return (torch.from_numpy(pixels)[None],)


NODE_CLASS_MAPPINGS = {
    "RaiiafSaveArtifact": RaiiafSaveArtifact,
    "RaiiafRecordNoise": RaiiafRecordNoise,
    "RaiiafLoadNoise": RaiiafLoadNoise,
    "RaiiafLoadLatent": RaiiafLoadLatent,
    "RaiiafLoadImage": RaiiafLoadImage,
}

NODE_DISPLAY_NAME_MAPPINGS = {
    "RaiiafSaveArtifact": "Save Artifact",
    "RaiiafRecordNoise": "Record Noise",
    "RaiiafLoadNoise": "Load Artifact Noise",
    "RaiiafLoadLatent": "Load Artifact Latent",
    "RaiiafLoadImage": "Load Artifact Image",
}
