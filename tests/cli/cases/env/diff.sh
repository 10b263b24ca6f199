# golden: mask this machine's environment
# A file made elsewhere: each kind of difference.
. data/common.sh
raiiaf create "$img" -o cat.raiiaf "${meta[@]}" "${fixed[@]}" > /dev/null
raiiaf env diff cat.raiiaf
