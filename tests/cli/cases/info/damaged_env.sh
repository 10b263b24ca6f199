# info reads no latent or image payload, and a damaged ENVC chunk (r4's chunk 3
# at offset 8899, zstd) is reported while the header and manifest are still shown.
. data/common.sh
copy r4_multi_unicode.raiiaf env.raiiaf && flip env.raiiaf 8950
copy r4_multi_unicode.raiiaf latent.raiiaf && flip latent.raiiaf 5000
raiiaf info env.raiiaf
echo "exit $?"
raiiaf info --json env.raiiaf | grep -E '"(prompt|environment|environment_error)"'
raiiaf info latent.raiiaf | grep -E '^(prompt|environment)'
echo "exit $?"
