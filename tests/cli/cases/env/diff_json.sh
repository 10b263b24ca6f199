# golden: mask this machine's environment
. data/common.sh
raiiaf create "$img" -o cat.raiiaf "${meta[@]}" "${fixed[@]}" > /dev/null
raiiaf env diff --json cat.raiiaf
