# golden: mask sizes of compressed data
. data/common.sh
raiiaf create "$img" -o cat.gen5 --latent initial_noise="$noise" "${meta[@]}" "${fixed[@]}" --format gen5 --compress zstd
raiiaf info cat.gen5
raiiaf verify cat.gen5
