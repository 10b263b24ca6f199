# --set/--unset: generation settings by default, hardware_info.KEY and model_info.KEY by prefix.
# golden: mask sizes of compressed data
. data/common.sh
copy r1_f32_raw.raiiaf cat.raiiaf
raiiaf edit cat.raiiaf --set seed=42 --set cfg_scale=7.5 --set sampler=dpm++ --set 'extra=[1,"two"]' \
  --set hardware_info.ram_gb=64 --set model_info.version=3.5 --set model_info.upscaled=true --unset scheduler
raiiaf info cat.raiiaf | grep -E '^(model|settings|hardware|other) '
raiiaf verify cat.raiiaf
