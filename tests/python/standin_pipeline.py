"""A stand-in for a diffusers text-to-image pipeline, in real torch, for the capture tests.

diffusers is not packaged for Debian, so the tests cannot run a real pipeline. This one
honours the parts of diffusers' documented public contract that raiiaf.diffusers relies on
(and nothing else):

* ``__call__(prompt, height, width, num_inference_steps, guidance_scale, negative_prompt,
  num_images_per_prompt, eta, generator, latents, output_type, return_dict,
  callback_on_step_end, callback_on_step_end_tensor_inputs)``; given ``latents`` it scales
  them by ``scheduler.init_noise_sigma`` (as prepare_latents does), otherwise it draws them
  from ``generator``; after each step it calls
  ``callback_on_step_end(self, i, t, {name: local for name in tensor_inputs})`` and continues
  with the returned dict's ``"latents"``;
* ``config`` (a mapping with ``_name_or_path``, ``_commit_hash``, ``_diffusers_version``),
  ``scheduler`` with a ``config`` mapping, ``vae_scale_factor``, ``unet.config.in_channels`` /
  ``sample_size``, ``dtype``, ``device``; the output's ``.images`` as diffusers' output types.

It does real work: a seeded tiny convolutional denoiser conditioned on the prompt, classifier-free
guidance, and a deterministic (DDIM-like) or ancestral (generator-drawing) sampler loop.
"""

from __future__ import annotations

import types
import zlib
from typing import Any, Dict, List, Optional

import torch


class TinyUNet(torch.nn.Module):
    """Predicts the noise from the latents, the timestep and a prompt embedding."""

    def __init__(self, channels: int = 4, seed: int = 0) -> None:
        super().__init__()
        generator = torch.Generator().manual_seed(seed)
        self.conv_in = torch.nn.Conv2d(channels, 8, 3, padding=1)
        self.conv_out = torch.nn.Conv2d(8, channels, 3, padding=1)
        with torch.no_grad():
            for parameter in self.parameters():
                parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.2)
        self.config = types.SimpleNamespace(in_channels=channels, sample_size=8)

    def forward(self, latents: torch.Tensor, timestep: float, embedding: torch.Tensor) -> torch.Tensor:
        hidden = torch.tanh(self.conv_in(latents) + embedding[:, :, None, None] + timestep / 1000.0)
        return self.conv_out(hidden)


class DeterministicScheduler:
    """DDIM-like: x_{t-1} = x_t - (t_now - t_next) / 1000 * eps (eta is accepted and ignored)."""

    init_noise_sigma = 1.0

    def __init__(self, num_train_timesteps: int = 1000, timestep_spacing: str = "linspace") -> None:
        self.config = {"num_train_timesteps": num_train_timesteps, "timestep_spacing": timestep_spacing,
                       "beta_schedule": "scaled_linear"}
        self.timesteps: List[float] = []

    def set_timesteps(self, steps: int) -> None:
        total = self.config["num_train_timesteps"]
        self.timesteps = [total * (1.0 - i / steps) for i in range(steps)]

    def step(self, eps: torch.Tensor, index: int, latents: torch.Tensor, generator: Any, eta: float) -> torch.Tensor:
        now = self.timesteps[index]
        following = self.timesteps[index + 1] if index + 1 < len(self.timesteps) else 0.0
        return latents - (now - following) / 1000.0 * eps


class AncestralScheduler(DeterministicScheduler):
    """Adds fresh noise from the pipeline's generator at every step (as Euler ancestral does)."""

    def step(self, eps: torch.Tensor, index: int, latents: torch.Tensor, generator: Any, eta: float) -> torch.Tensor:
        stepped = super().step(eps, index, latents, generator, eta)
        fresh = torch.randn(latents.shape, generator=generator, device=generator.device, dtype=latents.dtype)
        return stepped + 0.05 * fresh.to(latents.device)


class StandInPipeline:
    """See the module docstring. ``received_latents`` is what ``__call__`` consumed."""

    def __init__(self, scheduler: Optional[DeterministicScheduler] = None, unet_seed: int = 0) -> None:
        self.unet = TinyUNet(seed=unet_seed)
        self.scheduler = scheduler or DeterministicScheduler()
        self.vae_scale_factor = 8
        self.dtype = torch.float32
        self.device = torch.device("cpu")
        self.config = {"_class_name": "StandInPipeline", "_name_or_path": "raiiaf-tests/tiny-standin",
                       "_commit_hash": "0123456789abcdef0123456789abcdef01234567", "_diffusers_version": "0.30.0"}
        self.received_latents: Optional[torch.Tensor] = None
        self.calls = 0

    def _embed(self, prompts: List[str]) -> torch.Tensor:
        rows = [torch.randn(8, generator=torch.Generator().manual_seed(zlib.crc32(p.encode()))) for p in prompts]
        return torch.stack(rows)

    @torch.no_grad()  # as diffusers' pipelines are
    def __call__(self, prompt: Any = None, height: Optional[int] = None, width: Optional[int] = None,
                 num_inference_steps: int = 12, guidance_scale: float = 7.5, negative_prompt: Optional[str] = None,
                 num_images_per_prompt: int = 1, eta: float = 0.0, generator: Any = None,
                 latents: Optional[torch.Tensor] = None, prompt_embeds: Optional[torch.Tensor] = None,
                 output_type: str = "pil", return_dict: bool = True, callback_on_step_end: Any = None,
                 callback_on_step_end_tensor_inputs: List[str] = ["latents"]) -> Any:  # noqa: B006 (as diffusers)
        self.calls += 1
        height = height or self.unet.config.sample_size * self.vae_scale_factor
        width = width or self.unet.config.sample_size * self.vae_scale_factor
        if prompt_embeds is None:
            prompts = [prompt] if isinstance(prompt, str) else list(prompt)
            prompt_embeds = self._embed(prompts)
        prompt_embeds = prompt_embeds.repeat_interleave(num_images_per_prompt, dim=0)
        negative = self._embed([negative_prompt or ""] * prompt_embeds.shape[0])
        shape = (prompt_embeds.shape[0], self.unet.config.in_channels, height // self.vae_scale_factor,
                 width // self.vae_scale_factor)
        if latents is None:
            latents = torch.randn(shape, generator=generator, device=generator.device, dtype=self.dtype)
        elif tuple(latents.shape) != shape:
            raise ValueError(f"Unexpected latents shape, got {tuple(latents.shape)}, expected {shape}")
        self.received_latents = latents.clone()
        latents = latents.to(self.device) * self.scheduler.init_noise_sigma

        self.scheduler.set_timesteps(num_inference_steps)
        for i, t in enumerate(self.scheduler.timesteps):
            eps_uncond = self.unet(latents, t, negative)
            eps_text = self.unet(latents, t, prompt_embeds)
            eps = eps_uncond + guidance_scale * (eps_text - eps_uncond)
            latents = self.scheduler.step(eps, i, latents, generator, eta)
            if callback_on_step_end is not None:
                local = {"latents": latents, "prompt_embeds": prompt_embeds}
                outputs: Dict[str, Any] = callback_on_step_end(
                    self, i, torch.tensor(t), {name: local[name] for name in callback_on_step_end_tensor_inputs})
                latents = outputs.pop("latents", latents)

        if output_type == "latent":
            images: Any = latents
        else:
            # The "VAE": the first three channels, upsampled, squashed into [0, 1].
            decoded = torch.sigmoid(torch.nn.functional.interpolate(latents[:, :3], scale_factor=self.vae_scale_factor))
            if output_type == "pt":
                images = decoded
            else:
                array = decoded.permute(0, 2, 3, 1).numpy()
                if output_type == "np":
                    images = array
                else:
                    from PIL import Image

                    images = [Image.fromarray((a * 255).round().astype("uint8")) for a in array]
        if not return_dict:
            return (images, None)
        return types.SimpleNamespace(images=images, nsfw_content_detected=None)
