. data/common.sh
raiiaf create "$img" -o cat.raiiaf "${meta[@]}" --settings data/not_json.json
