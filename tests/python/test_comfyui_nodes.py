"""The ComfyUI custom nodes in integrations/comfyui/, without ComfyUI.

ComfyUI is not packaged for Debian, so these tests stand in for it, honouring its documented
contracts: the package is loaded as ComfyUI loads a custom node folder (spec_from_file_location of
its __init__.py), nodes are called as ComfyUI's executor calls them (getattr(node, FUNCTION)(**inputs)),
with tensors shaped as ComfyUI passes them (IMAGE [B, H, W, C] float in [0, 1]; LATENT
{"samples": [B, C, H/8, W/8]}; a NOISE with ``seed`` and ``generate_noise(input_latent)`` drawing
as comfy.sample.prepare_noise does), and a stand-in ``folder_paths`` module for ComfyUI's folders.
torch (python3-torch) is required: without it the module fails to import, loudly.
"""

from __future__ import annotations

import ast
import importlib.util
import io
import json
import os
import pathlib
import subprocess
import sys
import types

import numpy as np
import pytest

try:
    import torch
except ImportError:  # a missing torch is a set-up error here, never a silent pass
    raise ImportError("these tests need torch: install python3-torch (scripts/install-deps.sh)") from None

from PIL import Image

import raiiaf

HERE = pathlib.Path(__file__).resolve().parent
PACKAGE = HERE.parent.parent / "integrations" / "comfyui"
NODE_NAMES = ["RaiiafSaveArtifact", "RaiiafRecordNoise", "RaiiafLoadNoise", "RaiiafLoadLatent", "RaiiafLoadImage"]
COMFY_TYPES = {"IMAGE", "LATENT", "NOISE", "STRING", "INT", "FLOAT", "BOOLEAN"}


@pytest.fixture(autouse=True)
def _without_torch():
    """Overrides conftest's fixture of the same name: these tests use the real torch throughout."""
    yield


def load_custom_node_package():
    """As ComfyUI's nodes.load_custom_node does: the folder's __init__.py under a module name of its own."""
    name = "raiiaf_comfyui_under_test"
    spec = importlib.util.spec_from_file_location(name, PACKAGE / "__init__.py",
                                                  submodule_search_locations=[str(PACKAGE)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


PACKAGE_MODULE = load_custom_node_package()
NODES = PACKAGE_MODULE.NODE_CLASS_MAPPINGS


@pytest.fixture
def output_dir(tmp_path, monkeypatch):
    folder = tmp_path / "output"
    folder.mkdir()
    monkeypatch.setenv("RAIIAF_COMFYUI_OUTPUT", str(folder))
    monkeypatch.delitem(sys.modules, "folder_paths", raising=False)
    return folder


def run_node(name, **inputs):
    """As ComfyUI's executor: a fresh instance, the FUNCTION called with the inputs as keywords."""
    cls = NODES[name]
    return getattr(cls(), cls.FUNCTION)(**inputs)


class RandomNoise:
    """Stand-in for ComfyUI's Noise_RandomNoise: comfy.sample.prepare_noise draws
    torch.randn(latent.size(), generator=torch.manual_seed(seed), device="cpu")."""

    def __init__(self, seed):
        self.seed = seed

    def generate_noise(self, input_latent):
        samples = input_latent["samples"]
        generator = torch.Generator().manual_seed(self.seed)
        return torch.randn(samples.size(), dtype=samples.dtype, layout=samples.layout, generator=generator, device="cpu")


def sample(noise, latent, steps=4):
    """Stand-in for SamplerCustomAdvanced: asks the NOISE for noise of the latent's shape, then
    denoises deterministically."""
    x = latent["samples"] + noise.generate_noise(latent) * 14.6
    for step in range(steps):
        x = x - 0.3 * torch.tanh(x) * (step + 1) / steps
    return {"samples": x}


def decode(latent):
    """Stand-in for VAEDecode: IMAGE [B, H*8, W*8, 3] in [0, 1]."""
    x = latent["samples"][:, :3]
    return torch.sigmoid(torch.nn.functional.interpolate(x, scale_factor=8)).permute(0, 2, 3, 1).contiguous()


def api_graph(seed=42):
    """A ComfyUI API graph (hidden PROMPT) for SamplerCustomAdvanced with Record Noise."""
    return {
        "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "v1-5-pruned-emaonly.safetensors"}},
        "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 48, "batch_size": 1}},
        "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a red fox, snow", "clip": ["4", 1]}},
        "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "blurry", "clip": ["4", 1]}},
        "10": {"class_type": "RandomNoise", "inputs": {"noise_seed": seed}},
        "11": {"class_type": "RaiiafRecordNoise", "inputs": {"noise": ["10", 0]}},
        "12": {"class_type": "KSamplerSelect", "inputs": {"sampler_name": "euler"}},
        "13": {"class_type": "BasicScheduler", "inputs": {"scheduler": "normal", "steps": 4, "denoise": 1.0,
                                                          "model": ["4", 0]}},
        "14": {"class_type": "CFGGuider", "inputs": {"cfg": 6.5, "model": ["4", 0], "positive": ["6", 0],
                                                     "negative": ["7", 0]}},
        "15": {"class_type": "SamplerCustomAdvanced", "inputs": {"noise": ["11", 0], "guider": ["14", 0],
                                                                 "sampler": ["12", 0], "sigmas": ["13", 0],
                                                                 "latent_image": ["5", 0]}},
        "16": {"class_type": "VAEDecode", "inputs": {"samples": ["15", 0], "vae": ["4", 2]}},
        "17": {"class_type": "RaiiafSaveArtifact", "inputs": {"images": ["16", 0], "filename_prefix": "fox"}},
    }


WORKFLOW = {"last_node_id": 17, "nodes": [{"id": 17, "type": "RaiiafSaveArtifact"}], "links": [], "version": 0.4}


def run_workflow(seed=42, batch=1, prefix="fox", link_noise=False):
    """Runs the graph's nodes in order as ComfyUI would; returns what each step produced."""
    latent = {"samples": torch.zeros((batch, 4, 6, 8))}
    (recording,) = run_node("RaiiafRecordNoise", noise=RandomNoise(seed), unique_id="11")
    sampled = sample(recording, latent)
    images = decode(sampled)
    extra = {"noise": recording} if link_noise else {}
    ui = run_node("RaiiafSaveArtifact", images=images, filename_prefix=prefix, latent=sampled,
                  prompt=api_graph(seed), extra_pnginfo={"workflow": WORKFLOW}, **extra)
    return types.SimpleNamespace(latent=latent, recording=recording, sampled=sampled, images=images, ui=ui)


def saved_files(ui, folder):
    return [folder / entry["subfolder"] / entry["filename"] for entry in ui["ui"]["images"]]


def cli():
    path = os.environ.get("RAIIAF_CLI") or str(HERE.parent.parent / "build" / "bin" / "raiiaf")
    assert os.path.isfile(path), f"the raiiaf CLI is not at {path} (build raiiaf_cli or set RAIIAF_CLI)"
    return path


# -- the node contract ---------------------------------------------------------------------------------

def test_mappings_name_every_node():
    assert list(NODES) == NODE_NAMES
    assert PACKAGE_MODULE.NODE_DISPLAY_NAME_MAPPINGS == {
        "RaiiafSaveArtifact": "Save Artifact", "RaiiafRecordNoise": "Record Noise",
        "RaiiafLoadNoise": "Load Artifact Noise", "RaiiafLoadLatent": "Load Artifact Latent",
        "RaiiafLoadImage": "Load Artifact Image"}


@pytest.mark.parametrize("name", NODE_NAMES)
def test_node_contract(name):
    cls = NODES[name]
    inputs = cls.INPUT_TYPES()
    assert set(inputs) <= {"required", "optional", "hidden"} and "required" in inputs
    for section in ("required", "optional"):
        for spec in inputs.get(section, {}).values():
            assert isinstance(spec, tuple) and spec[0] in COMFY_TYPES
            assert len(spec) == 1 or isinstance(spec[1], dict)
    assert isinstance(cls.RETURN_TYPES, tuple) and set(cls.RETURN_TYPES) <= COMFY_TYPES
    assert callable(getattr(cls, cls.FUNCTION))
    assert cls.CATEGORY == "raiiaf"
    # every declared input is a keyword of FUNCTION, as ComfyUI passes them
    import inspect

    parameters = inspect.signature(getattr(cls, cls.FUNCTION)).parameters
    declared = [key for section in inputs.values() for key in section]
    assert set(declared) <= set(parameters)


def test_io_types_of_each_node():
    save, record = NODES["RaiiafSaveArtifact"], NODES["RaiiafRecordNoise"]
    assert save.INPUT_TYPES()["required"]["images"][0] == "IMAGE"
    assert save.INPUT_TYPES()["optional"]["latent"][0] == "LATENT"
    assert save.INPUT_TYPES()["hidden"] == {"prompt": "PROMPT", "extra_pnginfo": "EXTRA_PNGINFO"}
    assert save.RETURN_TYPES == () and save.OUTPUT_NODE is True
    assert record.INPUT_TYPES()["required"]["noise"][0] == "NOISE" and record.RETURN_TYPES == ("NOISE",)
    assert record.INPUT_TYPES()["hidden"] == {"unique_id": "UNIQUE_ID"}
    assert NODES["RaiiafLoadNoise"].RETURN_TYPES == ("NOISE",)
    assert NODES["RaiiafLoadLatent"].RETURN_TYPES == ("LATENT",)
    assert NODES["RaiiafLoadImage"].RETURN_TYPES == ("IMAGE",)


def test_imports_nothing_of_comfyui_but_folder_paths():
    allowed = {"raiiaf", "torch", "numpy", "PIL", "folder_paths"}
    for source in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top in allowed or top in sys.stdlib_module_names, f"{source.name} imports {name}"
    assert not [m for m in sys.modules if m == "comfy" or m.startswith("comfy.")]


# -- saving ---------------------------------------------------------------------------------------------

def png_texts(path):
    with Image.open(path) as image:
        image.load()
        return dict(image.text), np.asarray(image.convert("RGB"))


def png_text_chunks(path):
    """(chunk type, keyword) of every text chunk, walking the PNG's chunks."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    found, offset = [], 8
    while offset + 8 <= len(data):
        length = int.from_bytes(data[offset:offset + 4], "big")
        kind = data[offset + 4:offset + 8]
        if kind in (b"tEXt", b"iTXt", b"zTXt"):
            body = data[offset + 8:offset + 8 + length]
            found.append((kind.decode(), body.split(b"\0", 1)[0].decode("latin-1")))
        offset += 12 + length
    return found


def test_save_writes_a_png_comfyui_restores_the_workflow_from(output_dir):
    run = run_workflow()
    [path] = saved_files(run.ui, output_dir)
    assert path.name == "fox_00001_.png" and run.ui["ui"]["images"][0]["type"] == "output"
    chunks = png_text_chunks(path)
    # ComfyUI's loader reads these as tEXt; each once
    assert chunks.count(("tEXt", "prompt")) == 1 and chunks.count(("tEXt", "workflow")) == 1
    assert [key for _, key in chunks].count("prompt") == 1
    texts, pixels = png_texts(path)
    # ComfyUI restores a dropped PNG from these tEXt chunks, written as its SaveImage writes them
    assert json.loads(texts["prompt"]) == api_graph()
    assert json.loads(texts["workflow"]) == WORKFLOW
    expected = np.clip(255.0 * run.images[0].numpy(), 0, 255).astype(np.uint8)  # SaveImage's conversion
    assert np.array_equal(pixels, expected)


def test_saved_artifact_round_trips_bit_exactly(output_dir):
    run = run_workflow()
    [path] = saved_files(run.ui, output_dir)
    artifact = PACKAGE_MODULE.nodes.open_artifact(str(path))
    with artifact:
        assert artifact.verify()
        noise = np.array(artifact.latents["initial_noise"])
        final = np.array(artifact.latents["final_latent"])
        stored_pixels = np.asarray(artifact.image())
        settings = PACKAGE_MODULE.nodes.captured_settings(artifact)
    assert noise.tobytes() == run.recording.recorded.numpy().tobytes()
    assert noise.tobytes() == RandomNoise(42).generate_noise(run.latent).numpy().tobytes()
    assert final.tobytes() == run.sampled["samples"].numpy().tobytes()
    assert np.array_equal(stored_pixels[:, :, :3], np.clip(255.0 * run.images[0].numpy(), 0, 255).astype(np.uint8))
    originals = {entry["key"]: entry for entry in settings["imported_metadata"]}
    assert originals["prompt"]["source"] == "png:tEXt" and json.loads(originals["prompt"]["text"]) == api_graph()
    assert json.loads(originals["workflow"]["text"]) == WORKFLOW
    assert settings["capture"] == "raiiaf.comfyui"


def test_the_png_embeds_the_whole_artifact(output_dir):
    run = run_workflow()
    [path] = saved_files(run.ui, output_dir)
    assert [p.name for p in output_dir.iterdir()] == [path.name]  # one file, nothing beside it
    with raiiaf.open(path) as artifact:  # the embedded artifact, every hash checked
        assert artifact.verify()
        assert sorted(artifact.latents) == ["final_latent", "initial_noise"]
    # the export wrote A1111-style parameters too, from the importer's settings
    texts, _ = png_texts(path)
    assert "Seed: 42" in texts["parameters"] and "Steps: 4" in texts["parameters"]


def test_settings_come_from_the_graph(output_dir):
    run = run_workflow(seed=31337)
    [path] = saved_files(run.ui, output_dir)
    with raiiaf.open(path) as artifact:
        info, settings = artifact.model_info, artifact.settings
    # the importer's view of the graph, Record Noise bypassed: the seed is RandomNoise's
    assert settings["seed"] == 31337 and settings["steps"] == 4 and settings["sampler"] == "euler"
    assert settings["cfg_scale"] == 6.5 and settings["scheduler"] == "normal"
    assert settings["negative_prompt"] == "blurry" and info["prompt"] == "a red fox, snow"
    assert info["model_name"] == "v1-5-pruned-emaonly.safetensors"
    assert settings["generator"] == "comfyui" and settings["capture"] == "raiiaf.comfyui"
    assert [s["id"] for s in settings["samplers"]] == ["15"] and settings["primary_sampler_id"] == "15"
    assert info["tags"] == ["comfyui"]
    # imported_metadata holds the graph as written, Record Noise and all
    originals = {entry["key"]: json.loads(entry["text"]) for entry in settings["imported_metadata"]}
    assert originals == {"prompt": api_graph(31337), "workflow": WORKFLOW}


def test_a_graph_without_a_sampler_keeps_its_settings_beside(output_dir):
    (recording,) = run_node("RaiiafRecordNoise", noise=RandomNoise(8), unique_id="1")
    sampled = sample(recording, {"samples": torch.zeros((1, 4, 4, 4))})
    graph = {"1": {"class_type": "RaiiafRecordNoise", "inputs": {"noise": ["2", 0]}},
             "2": {"class_type": "RandomNoise", "inputs": {"noise_seed": 8}}}
    ui = run_node("RaiiafSaveArtifact", images=decode(sampled), latent=sampled, prompt=graph, filename_prefix="bare")
    with raiiaf.open(saved_files(ui, output_dir)[0]) as artifact:
        assert artifact.verify() and artifact.settings is None
        kept = artifact.model_info["imported_generation_settings"]
        assert np.array_equal(artifact.latents["initial_noise"], recording.recorded.numpy())
    assert kept["seed"] == 8 and kept["capture"] == "raiiaf.comfyui"
    assert [entry["key"] for entry in kept["imported_metadata"]] == ["prompt"]


@pytest.mark.parametrize("seed", [2**63 - 1, 2**64 - 1])  # ComfyUI's RandomNoise goes up to 0xffffffffffffffff
def test_the_largest_comfyui_seeds_are_kept_exactly(output_dir, seed):
    run = run_workflow(seed=0, prefix="big")
    run.recording.seed = seed  # as RandomNoise(seed) would carry it (torch's generator takes any uint64)
    ui = run_node("RaiiafSaveArtifact", images=run.images, latent=run.sampled, noise=run.recording,
                  prompt=api_graph(seed), extra_pnginfo={"workflow": WORKFLOW}, filename_prefix="big")
    [path] = saved_files(ui, output_dir)
    (stored,) = run_node("RaiiafLoadNoise", artifact=str(path))
    assert stored.seed == seed


def test_saved_files_pass_raiiaf_verify(output_dir):
    run = run_workflow()
    [path] = saved_files(run.ui, output_dir)
    result = subprocess.run([cli(), "verify", str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_linked_noise_input_is_used(output_dir):
    run = run_workflow(seed=5, link_noise=True, prefix="linked")
    with PACKAGE_MODULE.nodes.open_artifact(str(saved_files(run.ui, output_dir)[0])) as artifact:
        assert np.array_equal(artifact.latents["initial_noise"], run.recording.recorded.numpy())


def test_batches_give_one_file_per_image(output_dir):
    run = run_workflow(seed=9, batch=2, prefix="pair")
    paths = saved_files(run.ui, output_dir)
    assert [p.name for p in paths] == ["pair_00001_.png", "pair_00002_.png"]
    for index, path in enumerate(paths):
        with PACKAGE_MODULE.nodes.open_artifact(str(path)) as artifact:
            assert np.array_equal(artifact.latents["initial_noise"], run.recording.recorded[index:index + 1].numpy())
            assert np.array_equal(artifact.latents["final_latent"], run.sampled["samples"][index:index + 1].numpy())


def test_counter_and_subfolders_as_comfyui(output_dir):
    first = run_workflow(prefix="runs/fox")
    second = run_workflow(prefix="runs/fox")
    assert [e["subfolder"] for e in first.ui["ui"]["images"] + second.ui["ui"]["images"]] == ["runs", "runs"]
    assert sorted(p.name for p in (output_dir / "runs").glob("*.png")) == ["fox_00001_.png", "fox_00002_.png"]


def test_outside_comfyui_without_the_variable_writes_in_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("RAIIAF_COMFYUI_OUTPUT", raising=False)
    monkeypatch.delitem(sys.modules, "folder_paths", raising=False)
    monkeypatch.chdir(tmp_path)
    run = run_workflow(prefix="here")
    assert (tmp_path / run.ui["ui"]["images"][0]["filename"]).is_file()


def test_inside_comfyui_writes_in_its_output_folder(tmp_path, monkeypatch):
    comfy_output = tmp_path / "ComfyUI" / "output"
    comfy_output.mkdir(parents=True)
    stand_in = types.ModuleType("folder_paths")  # ComfyUI's folder_paths: only these two functions are used
    stand_in.get_output_directory = lambda: str(comfy_output)
    stand_in.get_input_directory = lambda: str(tmp_path / "ComfyUI" / "input")
    monkeypatch.setitem(sys.modules, "folder_paths", stand_in)
    monkeypatch.setenv("RAIIAF_COMFYUI_OUTPUT", str(tmp_path / "elsewhere"))
    run = run_workflow(prefix="inside")
    assert (comfy_output / run.ui["ui"]["images"][0]["filename"]).is_file()
    # and the loaders find files by the name Save Artifact reported
    (latent,) = run_node("RaiiafLoadLatent", artifact=run.ui["ui"]["images"][0]["filename"])
    assert torch.equal(latent["samples"], run.sampled["samples"])


# -- loading -------------------------------------------------------------------------------------------

def test_loaded_noise_reproduces_the_sample(output_dir):
    run = run_workflow(seed=1234)
    [path] = saved_files(run.ui, output_dir)
    (stored,) = run_node("RaiiafLoadNoise", artifact=str(path))
    assert stored.seed == getattr(run.recording, "seed")
    regenerated = stored.generate_noise(run.latent)
    assert regenerated.dtype == run.recording.recorded.dtype
    assert regenerated.numpy().tobytes() == run.recording.recorded.numpy().tobytes()
    again = sample(stored, run.latent)
    assert again["samples"].numpy().tobytes() == run.sampled["samples"].numpy().tobytes()


def test_loaded_latent_and_image_are_what_was_saved(output_dir):
    run = run_workflow()
    [path] = saved_files(run.ui, output_dir)
    (latent,) = run_node("RaiiafLoadLatent", artifact=str(path))
    assert set(latent) == {"samples"}
    assert latent["samples"].numpy().tobytes() == run.sampled["samples"].numpy().tobytes()
    (image,) = run_node("RaiiafLoadImage", artifact=str(path))
    assert image.dtype == torch.float32 and tuple(image.shape) == (1, 48, 64, 3)
    assert float(image.min()) >= 0.0 and float(image.max()) <= 1.0
    pixels = np.clip(255.0 * run.images[0].numpy(), 0, 255).astype(np.uint8)
    assert np.array_equal(image[0].numpy(), pixels.astype(np.float32) / 255.0)
    # an image that is exactly k/255 survives save -> load unchanged, bit for bit
    exact = torch.from_numpy(pixels.astype(np.float32) / 255.0)[None]
    ui = run_node("RaiiafSaveArtifact", images=exact, filename_prefix="exact")
    (reloaded,) = run_node("RaiiafLoadImage", artifact=ui["ui"]["images"][0]["filename"])
    assert reloaded.numpy().tobytes() == exact.numpy().tobytes()


def test_loaders_on_plain_artifacts(tmp_path, output_dir):
    noise = np.random.default_rng(3).standard_normal((1, 4, 8, 8)).astype(np.float32)
    image = np.random.default_rng(4).integers(0, 256, (16, 24, 4), dtype=np.uint8)  # RGBA stays RGBA
    path = raiiaf.save(tmp_path / "plain.raiiaf", image=image, latents={"initial_noise": noise},
                       settings={"seed": 77, "steps": 3, "sampler": "euler"})
    (stored,) = run_node("RaiiafLoadNoise", artifact=str(path))
    assert stored.seed == 77
    assert np.array_equal(stored.generate_noise({"samples": torch.zeros((1, 4, 8, 8))}).numpy(), noise)
    (loaded,) = run_node("RaiiafLoadImage", artifact=str(path))
    assert tuple(loaded.shape) == (1, 16, 24, 4)
    assert np.array_equal(np.round(loaded[0].numpy() * 255).astype(np.uint8), image)


def test_is_changed_follows_the_file(output_dir):
    run = run_workflow()
    name = run.ui["ui"]["images"][0]["filename"]
    loader = NODES["RaiiafLoadLatent"]
    before = loader.IS_CHANGED(artifact=name, latent_name="final_latent")
    assert before == loader.IS_CHANGED(artifact=name, latent_name="final_latent")
    path = output_dir / name
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert loader.IS_CHANGED(artifact=name, latent_name="final_latent") != before


# -- bad input gets a clear error -------------------------------------------------------------------

@pytest.mark.parametrize("images", [torch.zeros((8, 8, 3)), torch.zeros((1, 8, 8, 2)), torch.zeros((0, 8, 8, 3)),
                                    np.zeros((1, 8, 8, 3), np.float32)])
def test_save_rejects_what_is_not_an_image_batch(output_dir, images):
    with pytest.raises(ValueError, match="images"):
        run_node("RaiiafSaveArtifact", images=images, filename_prefix="bad")
    assert list(output_dir.iterdir()) == []


@pytest.mark.parametrize("prefix", ["../escape", "/abs/olute", "sub/"])
def test_save_keeps_inside_the_output_folder(output_dir, prefix):
    with pytest.raises(ValueError, match="filename_prefix"):
        run_node("RaiiafSaveArtifact", images=torch.zeros((1, 8, 8, 3)), filename_prefix=prefix)


def test_a_linked_noise_that_recorded_nothing_is_an_error(output_dir):
    (recording,) = run_node("RaiiafRecordNoise", noise=RandomNoise(1), unique_id="99")
    with pytest.raises(ValueError, match="Record Noise"):
        run_node("RaiiafSaveArtifact", images=torch.zeros((1, 8, 8, 3)), noise=recording)


def test_record_noise_needs_a_noise():
    with pytest.raises(ValueError, match="generate_noise"):
        run_node("RaiiafRecordNoise", noise=torch.zeros(3), unique_id="1")


def test_loaders_report_what_is_missing(output_dir, tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere.raiiaf"):
        run_node("RaiiafLoadLatent", artifact="nowhere.raiiaf")
    with pytest.raises(ValueError, match="artifact"):
        run_node("RaiiafLoadImage", artifact="  ")
    path = raiiaf.save(tmp_path / "only_noise.raiiaf", latents={"initial_noise": np.zeros((1, 4, 2, 2), np.float32)})
    with pytest.raises(ValueError, match=r"no latent 'final_latent' \(it has: initial_noise\)"):
        run_node("RaiiafLoadLatent", artifact=str(path))
    with pytest.raises(ValueError, match="holds no image"):
        run_node("RaiiafLoadImage", artifact=str(path))
    (stored,) = run_node("RaiiafLoadNoise", artifact=str(path))
    with pytest.raises(ValueError, match="shape"):
        stored.generate_noise({"samples": torch.zeros((2, 4, 2, 2))})
    damaged = tmp_path / "damaged.raiiaf"
    damaged.write_bytes(b"raiiaf" + b"\0" * 40)
    with pytest.raises(raiiaf.raiiafDecodeError):
        run_node("RaiiafLoadLatent", artifact=str(damaged))


def test_the_importer_sees_the_graph_with_record_noise_bypassed():
    bypass = PACKAGE_MODULE.nodes._graph_for_importer
    graph = api_graph(7)
    seen = bypass(graph)
    assert seen["15"]["inputs"]["noise"] == ["10", 0]  # the sampler's noise comes from RandomNoise
    assert {k: v for k, v in seen.items() if k != "15"} == {k: v for k, v in graph.items() if k != "15"}
    assert graph["15"]["inputs"]["noise"] == ["11", 0]  # the graph itself is left as it is
    chained = dict(graph, **{"20": {"class_type": "RaiiafRecordNoise", "inputs": {"noise": ["11", 0]}}})
    chained["15"] = dict(graph["15"], inputs=dict(graph["15"]["inputs"], noise=["20", 0]))
    assert bypass(chained)["15"]["inputs"]["noise"] == ["10", 0]
    cyclic = {"1": {"class_type": "RaiiafRecordNoise", "inputs": {"noise": ["2", 0]}},
              "2": {"class_type": "RaiiafRecordNoise", "inputs": {"noise": ["1", 0]}},
              "3": {"class_type": "SamplerCustomAdvanced", "inputs": {"noise": ["1", 0]}}}
    assert bypass(cyclic)["3"]["inputs"]["noise"] in (["1", 0], ["2", 0])  # ends, wherever it stops
    assert bypass("not a graph") == "not a graph"
