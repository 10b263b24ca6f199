"""Chunk helpers of the GEN5 layout: metadata, latent, image, env."""
