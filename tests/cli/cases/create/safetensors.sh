# --latents takes every tensor of a .safetensors file; --latent NAME=FILE:TENSOR one of them.
# golden: mask sizes of compressed data
. data/common.sh
raiiaf extract v/r4_multi_unicode.raiiaf -o st --safetensors > /dev/null
raiiaf create "$img" -o all.raiiaf --latents st/latents.safetensors "${meta[@]}" "${fixed[@]}"
raiiaf create "$img" -o one.raiiaf --latent noise=st/latents.safetensors:final_latent "${meta[@]}" "${fixed[@]}"
raiiaf info all.raiiaf one.raiiaf | grep -A5 '^chunks'
raiiaf verify all.raiiaf one.raiiaf
