# golden: mask sizes of compressed data
. data/common.sh
copy r5_no_image.raiiaf cat.raiiaf
raiiaf edit --json cat.raiiaf --add-tag dog
raiiaf verify cat.raiiaf
