# A damaged header or manifest is reported; info needs no payload, so a damaged latent is not.
. data/common.sh
head -c 9000 v/r4_multi_unicode.raiiaf > truncated.raiiaf
copy r4_multi_unicode.raiiaf magic.raiiaf && flip magic.raiiaf 0
copy r4_multi_unicode.raiiaf manifest.raiiaf && flip manifest.raiiaf 9400
copy r4_multi_unicode.raiiaf latent.raiiaf && flip latent.raiiaf 100
: > empty.raiiaf
raiiaf info truncated.raiiaf magic.raiiaf manifest.raiiaf empty.raiiaf
echo "exit $?"
raiiaf info latent.raiiaf > /dev/null
