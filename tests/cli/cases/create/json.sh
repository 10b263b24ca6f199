# golden: mask sizes of compressed data
. data/common.sh
raiiaf create "$img" -o cat.raiiaf --latent initial_noise="$noise" "${meta[@]}" "${fixed[@]}" --json
raiiaf verify cat.raiiaf
