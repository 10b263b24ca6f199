# The input is verified first; nothing is written.
. data/common.sh
copy r4_multi_unicode.raiiaf latent.raiiaf && flip latent.raiiaf 5000
raiiaf convert latent.raiiaf out.raiiaf
echo "exit $?"
ls
