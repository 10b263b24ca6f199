. data/common.sh
copy r5_no_image.raiiaf cat.raiiaf
raiiaf edit cat.raiiaf
