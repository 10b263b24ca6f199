# Without --embed the image carries metadata only: readers say so.
. data/common.sh
raiiaf create "$img" -o cat.raiiaf --latent initial_noise="$noise" "${meta[@]}" --seed 1337 --steps 30 --sampler euler "${fixed[@]}" > /dev/null
raiiaf export cat.raiiaf -o cat.png --json
raiiaf verify cat.png
echo "exit $?"
raiiaf info cat.png
echo "exit $?"
raiiaf verify "$img"
echo "exit $?"
