"""raiiaf.diffusers: generate() captures noise, settings and environment; replay() reproduces.

diffusers is not packaged for Debian: these tests run a stand-in pipeline (standin_pipeline.py)
that honours diffusers' documented call contract and does real work in torch (python3-torch).
torch is required: without it the module fails to import, loudly.
"""

from __future__ import annotations

import inspect
import sys
import types

import numpy as np
import pytest

try:
    import torch
except ImportError:  # a missing torch is a set-up error here, never a silent pass
    raise ImportError("these tests need torch: install python3-torch (scripts/install-deps.sh)") from None

import raiiaf
import raiiaf.diffusers as capture
from standin_pipeline import AncestralScheduler, DeterministicScheduler, StandInPipeline


@pytest.fixture(autouse=True)
def _without_torch():
    """Overrides conftest's fixture of the same name: these tests use the real torch throughout."""
    yield


@pytest.fixture
def pipe():
    return StandInPipeline()


def settings_of(path):
    with raiiaf.open(path) as art:
        return art.settings


def test_stored_noise_is_the_noise_the_pipeline_consumed(tmp_path, pipe):
    output, path = capture.generate(pipe, tmp_path / "a.raiiaf", seed=1234, prompt="a cat", num_inference_steps=6)
    with raiiaf.open(path) as art:
        stored = np.array(art.latents["initial_noise"])
        final = np.array(art.latents["final_latent"])
        assert art.verify()
        assert art.image().size == (64, 64)
    consumed = pipe.received_latents.numpy()
    assert stored.dtype == consumed.dtype == np.float32
    assert stored.tobytes() == consumed.tobytes()
    # ... and it is what a CPU torch.Generator seeded with the seed draws, as diffusers' randn_tensor does
    expected = torch.randn((1, 4, 8, 8), generator=torch.Generator().manual_seed(1234), dtype=torch.float32)
    assert torch.equal(torch.from_numpy(stored), expected)
    assert final.shape == (1, 4, 8, 8) and not np.array_equal(final, stored)
    assert np.asarray(output.images[0]).shape == (64, 64, 3)


def test_noise_depends_on_the_seed(tmp_path, pipe):
    _, first = capture.generate(pipe, tmp_path / "1.raiiaf", seed=1, prompt="p", num_inference_steps=2)
    _, second = capture.generate(pipe, tmp_path / "2.raiiaf", seed=2, prompt="p", num_inference_steps=2)
    with raiiaf.open(first) as a, raiiaf.open(second) as b:
        assert not np.array_equal(a.latents["initial_noise"], b.latents["initial_noise"])


@pytest.mark.parametrize("seed", [2**63, 2**64 - 1])  # torch.seed() draws from the whole uint64 range
def test_seeds_past_int64_are_recorded_exactly_and_replay(tmp_path, pipe, seed):
    _, path = capture.generate(pipe, tmp_path / "big.raiiaf", seed=seed, prompt="p", num_inference_steps=2)
    with raiiaf.open(path) as art:
        assert art.settings["seed"] == seed
    assert capture.replay(path, pipe).reproduced


@pytest.mark.parametrize("scheduler", [DeterministicScheduler, AncestralScheduler])
def test_replay_reproduces_bit_exactly(tmp_path, scheduler):
    pipe = StandInPipeline(scheduler())
    _, path = capture.generate(pipe, tmp_path / "a.raiiaf", seed=7, prompt="a lighthouse at dusk",
                               negative_prompt="blurry", num_inference_steps=8, guidance_scale=5.0)
    with raiiaf.open(path) as art:
        stored_final = np.array(art.latents["final_latent"])
    report = capture.replay(path, pipe)
    assert report.reproduced, str(report)
    assert report.latent_max_abs_diff == 0.0
    assert report.image_max_abs_diff == 0
    assert report.differences == []
    assert report.noise_matches_seed
    assert report.final_latent.numpy().tobytes() == stored_final.tobytes()
    assert "reproduced bit-exactly" in str(report)


def test_replay_on_a_fresh_pipeline_object(tmp_path):
    _, path = capture.generate(StandInPipeline(AncestralScheduler()), tmp_path / "a.raiiaf", seed=99, prompt="x",
                               num_inference_steps=5)
    report = capture.replay(path, StandInPipeline(AncestralScheduler()))
    assert report.reproduced, str(report)


def test_ancestral_sampling_needs_the_generator_state_generate_left(tmp_path):
    # The ancestral sampler draws per-step noise from the generator; replay must hand the pipeline
    # a generator in the state generate() did, or the result differs.
    pipe = StandInPipeline(AncestralScheduler())
    _, path = capture.generate(pipe, tmp_path / "a.raiiaf", seed=5, prompt="x", num_inference_steps=4)
    with raiiaf.open(path) as art:
        noise = torch.from_numpy(np.array(art.latents["initial_noise"]))
        stored_final = np.array(art.latents["final_latent"])
    fresh = torch.Generator().manual_seed(5)  # not advanced past the noise
    latents = pipe(prompt="x", num_inference_steps=4, generator=fresh, latents=noise, output_type="latent").images
    assert not np.array_equal(latents.numpy(), stored_final)


def test_a_changed_setting_shows_in_the_report(tmp_path, pipe):
    _, path = capture.generate(pipe, tmp_path / "a.raiiaf", seed=3, prompt="p", num_inference_steps=6,
                               guidance_scale=7.5)
    report = capture.replay(path, pipe, guidance_scale=3.0)
    assert not report.reproduced
    assert report.latent_max_abs_diff > 0
    assert capture.SettingDifference("call_arguments.guidance_scale", 7.5, 3.0) in report.differences
    assert "guidance_scale" in str(report) and "NOT reproduced" in str(report)


def test_a_changed_scheduler_shows_in_the_report(tmp_path, pipe):
    _, path = capture.generate(pipe, tmp_path / "a.raiiaf", seed=3, prompt="p", num_inference_steps=6)
    pipe.scheduler = AncestralScheduler()
    report = capture.replay(path, pipe)
    assert not report.reproduced
    assert ("scheduler_class", "DeterministicScheduler", "AncestralScheduler") in report.differences


def test_a_changed_scheduler_config_shows_in_the_report(tmp_path, pipe):
    _, path = capture.generate(pipe, tmp_path / "a.raiiaf", seed=3, prompt="p", num_inference_steps=6)
    pipe.scheduler = DeterministicScheduler(num_train_timesteps=500)
    report = capture.replay(path, pipe)
    assert not report.reproduced
    assert ("scheduler_config.num_train_timesteps", 1000, 500) in report.differences


def test_recorded_settings_are_complete(tmp_path, pipe, monkeypatch):
    monkeypatch.setitem(sys.modules, "diffusers", types.SimpleNamespace(__version__="0.30.0"))
    monkeypatch.setitem(sys.modules, "transformers", types.SimpleNamespace(__version__="4.44.0"))
    _, path = capture.generate(pipe, tmp_path / "a.raiiaf", seed=2**62 + 5, prompt="a red fox", negative_prompt="ugly",
                               num_inference_steps=4, guidance_scale=6.5, height=48, width=80, eta=0.25,
                               tags=["fox"])
    with raiiaf.open(path) as art:
        settings, info, env = art.settings, art.model_info, art.env
    assert settings["capture"] == "raiiaf.diffusers"
    assert settings["seed"] == 2**62 + 5  # beyond a double's exact range, kept exact
    assert settings["steps"] == 4 and settings["cfg_scale"] == 6.5 and settings["eta"] == 0.25
    assert settings["sampler"] == "DeterministicScheduler"
    assert settings["negative_prompt"] == "ugly"
    assert (settings["height"], settings["width"]) == (48, 80)
    assert info["prompt"] == "a red fox" and info["model_name"] == "raiiaf-tests/tiny-standin"
    assert info["version"] == pipe.config["_commit_hash"] and info["tags"] == ["fox"]

    recorded = settings["diffusers"]
    parameters = set(inspect.signature(pipe.__call__).parameters)
    plumbing = {"latents", "generator", "callback_on_step_end", "callback_on_step_end_tensor_inputs", "return_dict"}
    assert set(recorded["call_arguments"]) == parameters - plumbing
    assert recorded["call_arguments"]["output_type"] == "pil"  # a default, recorded too
    assert recorded["call_arguments"]["num_images_per_prompt"] == 1
    assert recorded["pipeline_class"] == "StandInPipeline"
    assert recorded["model_id"] == "raiiaf-tests/tiny-standin"
    assert recorded["revision"] == pipe.config["_commit_hash"]
    assert recorded["diffusers_version"] == "0.30.0"
    assert recorded["scheduler_class"] == "DeterministicScheduler"
    assert recorded["scheduler_config"] == pipe.scheduler.config
    assert (recorded["dtype"], recorded["device"]) == ("float32", "cpu")
    assert recorded["noise"] == {"shape": [1, 4, 6, 10], "dtype": "float32",
                                 "generator": "torch.Generator.manual_seed", "generator_device": "cpu"}
    assert recorded["timesteps"] == pytest.approx(pipe.scheduler.timesteps)

    components = {c.component_id: c.cononical_str for c in env.components}
    assert components["torch"].startswith(f"name=torch;version={torch.__version__.split('+')[0]};")
    assert components["diffusers"] == "name=diffusers;version=0.30.0"
    assert components["transformers"] == "name=transformers;version=4.44.0"


def test_batches_store_every_image(tmp_path, pipe):
    output, path = capture.generate(pipe, tmp_path / "a.raiiaf", seed=11, prompt=["one", "two"],
                                    num_images_per_prompt=2, num_inference_steps=3)
    with raiiaf.open(path) as art:
        assert art.latents["initial_noise"].shape == (4, 4, 8, 8)
        images = np.array(art.latents["output_images"])
        assert np.array_equal(np.asarray(art.image()), images[0])
    assert images.shape == (4, 64, 64, 3)
    assert np.array_equal(images, np.stack([np.asarray(i) for i in output.images]))
    assert capture.replay(path, pipe).reproduced


@pytest.mark.parametrize("output_type", ["np", "pt"])
def test_array_and_tensor_outputs(tmp_path, pipe, output_type):
    _, path = capture.generate(pipe, tmp_path / "a.raiiaf", seed=4, prompt="p", num_inference_steps=3,
                               output_type=output_type)
    report = capture.replay(path, pipe)
    assert report.reproduced and report.image_max_abs_diff == 0


def test_latent_output_has_no_image(tmp_path, pipe):
    _, path = capture.generate(pipe, tmp_path / "a.raiiaf", seed=4, prompt="p", num_inference_steps=3,
                               output_type="latent")
    with raiiaf.open(path) as art:
        assert not art.has_image
    report = capture.replay(path, pipe)
    assert report.reproduced and report.image_max_abs_diff is None


def test_tensor_call_arguments_are_stored_and_restored(tmp_path, pipe):
    embeds = torch.randn((1, 8), generator=torch.Generator().manual_seed(0))
    _, path = capture.generate(pipe, tmp_path / "a.raiiaf", seed=4, prompt_embeds=embeds, num_inference_steps=3)
    with raiiaf.open(path) as art:
        assert np.array_equal(art.latents["call_argument.prompt_embeds"], embeds.numpy())
        assert art.settings["diffusers"]["call_arguments"]["prompt_embeds"] == {
            "$tensor": "call_argument.prompt_embeds", "dtype": "float32"}
    assert capture.replay(path, pipe).reproduced
    report = capture.replay(path, pipe, prompt_embeds=embeds * 2)
    assert not report.reproduced
    assert report.differences == [("call_arguments.prompt_embeds", "Tensor float32[1, 8]", "Tensor float32[1, 8]")]


def test_the_callers_callback_still_runs(tmp_path, pipe):
    seen = []

    def callback(pipeline, step, timestep, kwargs):
        seen.append((step, sorted(kwargs)))
        kwargs["latents"] = kwargs["latents"] * 0.5  # the pipeline continues with what the callback returns
        return kwargs

    _, path = capture.generate(pipe, tmp_path / "a.raiiaf", seed=4, prompt="p", num_inference_steps=3,
                               callback_on_step_end=callback, callback_on_step_end_tensor_inputs=["prompt_embeds"])
    assert seen == [(i, ["latents", "prompt_embeds"]) for i in range(3)]
    # replay without the callback gives another result; with it, the same
    assert not capture.replay(path, pipe).reproduced
    assert capture.replay(path, pipe, callback_on_step_end=callback).reproduced


@pytest.mark.parametrize("seed", [-1, 2**64, 1.5, "7", True])
def test_bad_seeds_are_refused(tmp_path, pipe, seed):
    with pytest.raises(ValueError, match="seed"):
        capture.generate(pipe, tmp_path / "a.raiiaf", seed=seed, prompt="p")
    assert not (tmp_path / "a.raiiaf").exists() and pipe.calls == 0


@pytest.mark.parametrize("argument", ["latents", "generator"])
def test_supplied_arguments_are_refused(tmp_path, pipe, argument):
    with pytest.raises(TypeError, match=argument):
        capture.generate(pipe, tmp_path / "a.raiiaf", seed=1, prompt="p", **{argument: None})
    assert pipe.calls == 0


def test_replay_refuses_to_override_the_noise(tmp_path, pipe):
    _, path = capture.generate(pipe, tmp_path / "a.raiiaf", seed=1, prompt="p", num_inference_steps=2)
    for argument in ("latents", "generator", "seed"):
        with pytest.raises(TypeError, match=argument):
            capture.replay(path, pipe, **{argument: 1})


def test_unknown_noise_shape_is_a_clear_error(tmp_path, pipe):
    del pipe.unet
    with pytest.raises(ValueError, match="in_channels"):
        capture.generate(pipe, tmp_path / "a.raiiaf", seed=1, prompt="p")
    # noise_shape says it instead
    pipe.unet = StandInPipeline().unet
    _, path = capture.generate(pipe, tmp_path / "b.raiiaf", seed=1, prompt="p", num_inference_steps=2,
                               noise_shape=(1, 4, 8, 8))
    assert capture.replay(path, pipe).reproduced


def test_replay_needs_an_artifact_from_generate(tmp_path, pipe):
    plain = raiiaf.save(tmp_path / "plain.raiiaf", latents={"initial_noise": np.zeros((1, 4, 8, 8), np.float32)},
                        settings={"seed": 1, "steps": 2, "sampler": "euler"})
    with pytest.raises(ValueError, match="not written by raiiaf.diffusers.generate"):
        capture.replay(plain, pipe)
    damaged = tmp_path / "damaged.raiiaf"
    _, path = capture.generate(pipe, damaged, seed=1, prompt="p", num_inference_steps=2)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    with pytest.raises(raiiaf.raiiafDecodeError):
        capture.replay(damaged, pipe)


def test_a_pipeline_that_never_calls_back_is_an_error(tmp_path):
    class NoCallback(StandInPipeline):
        def __call__(self, prompt=None, latents=None, generator=None, callback_on_step_end=None,
                     callback_on_step_end_tensor_inputs=None):
            return types.SimpleNamespace(images=[])

    with pytest.raises(ValueError, match="callback_on_step_end"):
        capture.generate(NoCallback(), tmp_path / "a.raiiaf", seed=1, prompt="p")
    assert not (tmp_path / "a.raiiaf").exists()


def _tampered(tmp_path, pipe, change):
    """An artifact from generate() whose diffusers record has been edited by `change`."""
    _, path = capture.generate(pipe, tmp_path / "a.raiiaf", seed=1, prompt="p", num_inference_steps=2)
    with raiiaf.open(path) as art:
        settings, latents = art.settings, {name: np.array(art.latents[name]) for name in art.latents}
    change(settings)
    return raiiaf.save(tmp_path / "tampered.raiiaf", latents=latents, settings=settings)


@pytest.mark.parametrize("change, message", [
    (lambda s: s["diffusers"]["noise"].update(dtype="os.system"), "noise.dtype"),
    (lambda s: s["diffusers"]["noise"].update(shape=[1, 4, 9, 9]), "noise.shape"),
    (lambda s: s["diffusers"]["noise"].update(generator_device="cuda:7"), "generator_device"),
    (lambda s: s["diffusers"].pop("noise"), "noise: missing"),
    (lambda s: s["diffusers"].update(call_arguments=[1, 2]), "call_arguments"),
    (lambda s: s["diffusers"]["call_arguments"].update(prompt_embeds={"$tensor": "absent", "dtype": "float32"}),
     "prompt_embeds: refers to latent 'absent'"),
    (lambda s: s["diffusers"]["call_arguments"].update(prompt_embeds={"$tensor": "initial_noise", "dtype": 3}),
     "not a torch dtype"),
])
def test_damaged_records_are_clear_errors(tmp_path, pipe, change, message):
    path = _tampered(tmp_path, pipe, change)
    calls = pipe.calls
    with pytest.raises(capture.RecordError, match=message):
        capture.replay(path, pipe)
    assert pipe.calls == calls  # refused before running the pipeline


def test_unrecorded_arguments_must_be_given_again(tmp_path, pipe):
    path = _tampered(tmp_path, pipe, lambda s: s["diffusers"]["call_arguments"].update(
        negative_prompt={"$unrecorded": "Tokens"}))
    with pytest.raises(ValueError, match="negative_prompt"):
        capture.replay(path, pipe)
    assert capture.replay(path, pipe, negative_prompt=None).latent_max_abs_diff == 0.0
