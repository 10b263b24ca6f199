. data/common.sh
raiiaf create "$img" -o cat.raiiaf --latent no-equals-sign "${meta[@]}"
echo "exit $?"
raiiaf create "$img" -o cat.raiiaf --latent x=data/settings.json "${meta[@]}"
