. data/common.sh
raiiaf create "$img" -o cat.gen5 --latent initial_noise="$noise" "${meta[@]}" --format gen5 --compress zfp
