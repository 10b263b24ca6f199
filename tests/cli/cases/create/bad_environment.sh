. data/common.sh
raiiaf create "$img" -o cat.raiiaf "${meta[@]}" --environment data/env_bad_digest.json
