# golden: mask sizes of compressed data
. data/common.sh
raiiaf create "$img" -o half.raiiaf --latent initial_noise="$noise" "${meta[@]}" "${fixed[@]}" --float16
raiiaf info half.raiiaf | grep -A4 '^chunks'
raiiaf verify half.raiiaf
