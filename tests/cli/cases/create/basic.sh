# golden: mask sizes of compressed data
. data/common.sh
raiiaf create "$img" -o cat.raiiaf --latent initial_noise="$noise" "${meta[@]}" "${fixed[@]}" \
  --negative-prompt "blurry" --tag cat --tag neon --seed 1337 --steps 30 --sampler euler \
  --cfg-scale 7.5 --scheduler karras
raiiaf verify cat.raiiaf
raiiaf info cat.raiiaf
