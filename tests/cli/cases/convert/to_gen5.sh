# raiiaf -> gen5 -> raiiaf keeps the metadata, the environment record and the tensors.
# golden: mask sizes of compressed data
raiiaf convert v/r4_multi_unicode.raiiaf cat.gen5 --format gen5 --compress zstd
raiiaf convert cat.gen5 back.raiiaf --format raiiaf --compress raw
raiiaf verify cat.gen5 back.raiiaf
raiiaf info cat.gen5
raiiaf extract back.raiiaf -o back > /dev/null
for f in initial_noise.npy final_latent.npy image.png env.json; do cmp back/$f v/expected/r4_multi_unicode/$f && echo "$f unchanged"; done
