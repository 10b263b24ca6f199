. data/common.sh
raiiaf create "$img" -o cat.raiiaf "${meta[@]}" --seed 7
