# The output must name the stored image's format (no re-encoding); nothing is written.
. data/common.sh
raiiaf create "$img" -o cat.raiiaf --latent initial_noise="$noise" "${meta[@]}" --seed 1337 --steps 30 --sampler euler "${fixed[@]}" > /dev/null
raiiaf export cat.raiiaf -o cat.jpg
echo "exit $?"
raiiaf export cat.raiiaf -o cat.png > /dev/null && raiiaf export cat.raiiaf -o cat.png
echo "exit $?"
raiiaf export v/r5_no_image.raiiaf -o none.png
echo "exit $?"
raiiaf export cat.raiiaf
echo "exit $?"
ls
