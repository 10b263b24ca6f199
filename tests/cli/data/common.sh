# Sourced by the golden cases: inputs with fixed bytes, taken from the shared
# vectors, and the fixed environment that makes created files reproducible.
img=v/expected/r1_f32_raw/image.png
noise=v/expected/r1_f32_raw/initial_noise.npy
final=v/expected/r4_multi_unicode/final_latent.npy
meta=(--model "Stable Diffusion 3" --model-version 3.0 --prompt "a cat in neon goggles")
fixed=(--environment data/env.json)
# A writable copy of a vector.
copy() { cp "v/$1" "$2" && chmod u+w "$2"; }
