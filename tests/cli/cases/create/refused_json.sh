# Content a reader would refuse is refused before anything is written (issue 12):
# NaN, a settings file deeper than the reader's 64 levels, a --set value of
# 60 000 nested arrays; every JSON from outside is bounded before a tree is built.
. data/common.sh
raiiaf create "$img" -o cat.raiiaf "${meta[@]}" "${fixed[@]}" --seed 1 --steps 2 --sampler euler --cfg-scale nan
echo "exit $?"
printf '{"seed": 1, "steps": 2, "sampler": "euler", "x": %s1%s}' "$(printf '[%.0s' {1..70})" "$(printf ']%.0s' {1..70})" >deep.json
raiiaf create "$img" -o cat.raiiaf "${meta[@]}" "${fixed[@]}" --settings deep.json
echo "exit $?"
ls
raiiaf create "$img" -o cat.raiiaf "${meta[@]}" "${fixed[@]}" --seed 1 --steps 2 --sampler euler
raiiaf edit cat.raiiaf --set "x=$(printf '[%.0s' {1..60000})$(printf ']%.0s' {1..60000})" >/dev/null
echo "exit $?"
raiiaf verify cat.raiiaf
