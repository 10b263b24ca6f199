raiiaf extract v/r4_multi_unicode.raiiaf -o out --safetensors
raiiaf create out/image.png -o again.raiiaf --latents out/latents.safetensors --model m --model-version 1 \
  --prompt p --environment out/env.json > /dev/null
raiiaf extract again.raiiaf -o again > /dev/null
cmp again/initial_noise.npy v/expected/r4_multi_unicode/initial_noise.npy && cmp again/final_latent.npy \
  v/expected/r4_multi_unicode/final_latent.npy && cmp again/env.json out/env.json && echo "round trip exact"
