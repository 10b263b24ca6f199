# A damaged ENVC chunk cannot be compared.
. data/common.sh
copy r4_multi_unicode.raiiaf env.raiiaf && flip env.raiiaf 9100
raiiaf env diff env.raiiaf
