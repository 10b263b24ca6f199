# Every codec; each file verifies and its latent reads back as the input.
# golden: mask sizes of compressed data
. data/common.sh
for codec in raw zfp zstd shuffle-zstd; do
  raiiaf create "$img" -o $codec.raiiaf --latent initial_noise="$noise" "${meta[@]}" "${fixed[@]}" --compress $codec
  raiiaf extract $codec.raiiaf -o $codec > /dev/null
  cmp $codec/initial_noise.npy "$noise" && echo "$codec: latent unchanged"
done
raiiaf verify raw.raiiaf zfp.raiiaf zstd.raiiaf shuffle-zstd.raiiaf
raiiaf info zfp.raiiaf shuffle-zstd.raiiaf | grep -A4 '^chunks'
