#!/usr/bin/env bash
# The CLI end to end on sample data the project makes itself: an image and a
# noise tensor (raiiaf_sample), then create, info, verify, extract, env diff,
# and a check that a damaged copy is caught.
#
# usage: tools/demo.sh BUILD_DIR   (BUILD_DIR/bin holds raiiaf and raiiaf_sample)
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
bin=$(realpath "$1")/bin
for tool in raiiaf raiiaf_sample; do
  [ -x "$bin/$tool" ] || { echo "demo: $bin/$tool not found (build first)" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export PATH="$bin:$PATH"

# step TEXT COMMAND...: says what it does, shows the command, runs it.
step() {
  local shown="" word
  for word in "${@:2}"; do
    [[ $word =~ [^-[:alnum:]_./=:] ]] && word="'$word'"
    shown+=" $word"
  done
  printf '\n== %s\n$%s\n' "$1" "$shown"
  "${@:2}"
}

echo "demo: working in $work (removed at the end)"
step "Make sample data: a 256x256 PNG and 1x4x64x64 Gaussian noise" raiiaf_sample sample 1337
step "Pack them into one artifact" \
  raiiaf create sample/image.png -o cat.raiiaf --latent initial_noise=sample/noise.npy \
  --model "Stable Diffusion 3" --model-version 3.0 --prompt "a cat in neon goggles" --tag cat \
  --seed 1337 --steps 30 --sampler euler --cfg-scale 7.0 --compress shuffle-zstd
step "Describe it (header and manifest only)" raiiaf info cat.raiiaf
step "Check every hash" raiiaf verify cat.raiiaf
step "Take it apart again" raiiaf extract cat.raiiaf -o extracted
step "The latent comes back bit for bit" cmp sample/noise.npy extracted/initial_noise.npy
step "So does the image" cmp sample/image.png extracted/image.png
step "Compare the recorded environment with this machine" raiiaf env diff cat.raiiaf
step "Export a plain PNG that every viewer shows, still carrying the whole artifact" \
  raiiaf export cat.raiiaf -o cat.png --embed
step "Every raiiaf command reads the artifact inside the PNG, every hash checked" raiiaf verify cat.png
step "Import the PNG's own metadata (the A1111 infotext export wrote)" raiiaf import --dry-run --json cat.png
step "Catalogue the folder" raiiaf index . --db catalog.sqlite
step "Find by field and prompt word" raiiaf find --db catalog.sqlite 'seed:1337 neon'

cp cat.raiiaf damaged.raiiaf
printf '\xff' | dd of=damaged.raiiaf bs=1 seek=1000 conv=notrunc status=none
printf '\n== A copy with one byte changed must fail verification\n$ raiiaf verify damaged.raiiaf\n'
status=0
raiiaf verify damaged.raiiaf || status=$?
if [ "$status" -ne 1 ]; then
  echo "demo: the damaged copy was not detected (exit status $status)" >&2
  exit 1
fi
echo "(exit status 1, as expected)"
printf '\ndemo: all steps passed\n'
