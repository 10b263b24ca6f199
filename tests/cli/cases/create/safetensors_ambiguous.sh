. data/common.sh
raiiaf extract v/r4_multi_unicode.raiiaf -o st --safetensors > /dev/null
raiiaf create "$img" -o out.raiiaf --latent noise=st/latents.safetensors "${meta[@]}"
