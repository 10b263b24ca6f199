. data/common.sh
copy r4_multi_unicode.raiiaf latent.raiiaf && flip latent.raiiaf 5000
cp latent.raiiaf before.raiiaf
raiiaf edit latent.raiiaf --prompt "a dog"
echo "exit $?"
cmp latent.raiiaf before.raiiaf && echo "file unchanged"
