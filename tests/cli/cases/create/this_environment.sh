# golden: mask this machine's environment
# Without --environment the file records this machine's environment: no drift.
. data/common.sh
raiiaf create "$img" -o cat.raiiaf --latent initial_noise="$noise" "${meta[@]}" > /dev/null
raiiaf env diff cat.raiiaf
raiiaf info cat.raiiaf | sed -n '/^environment/,/^chunks/p'
