# An existing output is kept unless --force is given.
# golden: mask sizes of compressed data
. data/common.sh
echo "keep me" > cat.raiiaf
raiiaf create "$img" -o cat.raiiaf "${meta[@]}" "${fixed[@]}"
echo "exit $?"
cat cat.raiiaf
raiiaf create "$img" -o cat.raiiaf "${meta[@]}" "${fixed[@]}" --force
raiiaf verify cat.raiiaf
