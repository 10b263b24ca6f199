. data/common.sh
raiiaf create "$img" -o cat.raiiaf --model m --model-version 1
