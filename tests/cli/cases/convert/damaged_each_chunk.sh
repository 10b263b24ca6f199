# A flip in any chunk (latent, image, environment record) fails the one check
# convert makes; nothing is written.
. data/common.sh
raiiaf create "$img" -o in.raiiaf --latent initial_noise="$noise" "${meta[@]}" "${fixed[@]}" > /dev/null
raiiaf info --json in.raiiaf | python3 -c '
import json, sys
for chunk in json.load(sys.stdin)[0]["chunks"]:
    print(chunk["type"], chunk["offset"] + chunk["stored_size"] // 2)' |
while read -r type middle; do
  cp in.raiiaf damaged.raiiaf && flip damaged.raiiaf "$middle"
  raiiaf convert damaged.raiiaf out.raiiaf
  echo "$type: exit $?"
  test -e out.raiiaf && echo "$type: out.raiiaf written"
done
ls
