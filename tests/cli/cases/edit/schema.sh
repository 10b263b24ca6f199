# The writer's schema check refuses what the format cannot hold; the file is kept.
. data/common.sh
copy r1_f32_raw.raiiaf cat.raiiaf
raiiaf edit cat.raiiaf --unset seed
echo "exit $?"
cmp cat.raiiaf v/r1_f32_raw.raiiaf && echo "file unchanged"
