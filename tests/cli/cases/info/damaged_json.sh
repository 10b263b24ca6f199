. data/common.sh
head -c 9000 v/r4_multi_unicode.raiiaf > truncated.raiiaf
raiiaf info --json truncated.raiiaf v/r5_no_image.raiiaf
