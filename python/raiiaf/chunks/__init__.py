"""Chunk helpers of the RAIIAF layout: metadata, latent, image, env."""
