. data/common.sh
echo '[1, 2]' > list.json
raiiaf create "$img" -o cat.raiiaf "${meta[@]}" --hardware list.json
