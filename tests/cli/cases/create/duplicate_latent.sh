. data/common.sh
raiiaf create "$img" -o cat.raiiaf --latent x="$noise" --latent x="$final" "${meta[@]}"
