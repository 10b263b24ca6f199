# --embed: every command reads the exported PNG as the artifact; convert gives it back.
. data/common.sh
raiiaf create "$img" -o cat.raiiaf --latent initial_noise="$noise" "${meta[@]}" --seed 1337 --steps 30 --sampler euler "${fixed[@]}" > /dev/null
raiiaf export cat.raiiaf -o cat.png --embed
raiiaf verify cat.png
raiiaf extract cat.png -o out > /dev/null && cmp out/initial_noise.npy "$noise" && echo "latent bit-exact"
raiiaf env diff cat.png > /dev/null; echo "env diff exit $?"
raiiaf convert cat.png back.raiiaf > /dev/null && raiiaf verify back.raiiaf > /dev/null && echo "converted back"
raiiaf info --json cat.png > a.json && raiiaf info --json cat.raiiaf > b.json
diff <(grep -v '"file"' a.json) <(grep -v '"file"' b.json) && echo "info identical"
raiiaf edit cat.png --prompt other
echo "edit exit $?"
