. data/common.sh
raiiaf create nothing.png -o cat.raiiaf "${meta[@]}"
