# Metadata changes; every payload stays byte for byte.
# golden: mask sizes of compressed data
. data/common.sh
copy r4_multi_unicode.raiiaf cat.raiiaf
raiiaf edit cat.raiiaf --prompt "a dog" --add-tag dog --remove-tag neon
raiiaf verify cat.raiiaf
raiiaf info cat.raiiaf | sed -n '/^prompt/,/^settings/p'
raiiaf extract cat.raiiaf -o out > /dev/null
for f in initial_noise.npy final_latent.npy image.png env.json; do cmp out/$f v/expected/r4_multi_unicode/$f && echo "$f unchanged"; done
