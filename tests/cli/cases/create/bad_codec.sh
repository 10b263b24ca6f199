. data/common.sh
raiiaf create "$img" -o cat.raiiaf "${meta[@]}" --compress lz4
