# --settings gives the generation settings; flags override its keys. --hardware gives hardware_info.
# golden: mask sizes of compressed data
. data/common.sh
raiiaf create "$img" -o cat.raiiaf "${meta[@]}" "${fixed[@]}" --settings data/settings.json --seed 7 \
  --hardware data/hardware.json
raiiaf info cat.raiiaf | grep -E '^(settings|hardware) '
raiiaf verify cat.raiiaf
