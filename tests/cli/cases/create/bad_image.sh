. data/common.sh
raiiaf create "$noise" -o cat.raiiaf "${meta[@]}"
echo "exit $?"
head -c 4000 "$img" > truncated.png
raiiaf create truncated.png -o cat.raiiaf "${meta[@]}"
echo "exit $?"
ls
