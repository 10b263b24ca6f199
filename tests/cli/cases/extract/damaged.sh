# A damaged payload is found before anything is written.
. data/common.sh
copy r4_multi_unicode.raiiaf latent.raiiaf && flip latent.raiiaf 5000
raiiaf extract latent.raiiaf -o out
echo "exit $?"
[ -e out ] || echo "out: not created"
