. data/common.sh
copy r5_no_image.raiiaf cat.raiiaf
raiiaf edit cat.raiiaf --set seed
echo "exit $?"
raiiaf edit cat.raiiaf --set model_info.tags=5
echo "exit $?"
raiiaf edit cat.raiiaf --unset model_info.prompt
echo "exit $?"
cmp cat.raiiaf v/r5_no_image.raiiaf && echo "file unchanged"
