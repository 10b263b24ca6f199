. data/common.sh
head -c 1000 "$noise" > short.npy
raiiaf create "$img" -o cat.raiiaf --latent x=short.npy "${meta[@]}"
