# golden: mask sizes of compressed data
for codec in raw zfp zstd shuffle-zstd; do
  raiiaf convert v/r1_f32_raw.raiiaf $codec.raiiaf --compress $codec
  raiiaf extract $codec.raiiaf -o $codec > /dev/null
  cmp $codec/initial_noise.npy v/expected/r1_f32_raw/initial_noise.npy && echo "$codec: latent unchanged"
done
