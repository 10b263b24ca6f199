. data/common.sh
raiiaf create "$img" -o cat.raiiaf --latent x=nothing.npy "${meta[@]}"
