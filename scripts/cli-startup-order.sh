#!/usr/bin/env bash
# Writes tools/startup_order.txt: the functions `raiiaf info` runs on a W1-like
# file (and `raiiaf --version`), as the linker names them, in the order
# callgrind first meets them. lld places them next to each other in the CLI
# (tools/CMakeLists.txt, RAIIAF_CLI_STARTUP_ORDER), so that start-up touches
# a few pages of code instead of some forty scattered over the 9 MB.
# Names the code no longer has are ignored; rerun after larger changes to the
# start-up path:   scripts/cli-startup-order.sh [build/bin/raiiaf]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cli=$(realpath "${1:-$root/build/bin/raiiaf}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
artifact=$(python3 -c "import sys; sys.path.insert(0, '$root/bench'); import startup; from pathlib import Path; \
print(startup.make_w1('$cli', Path('$work')))")
for args in "info $artifact" "info --json $artifact" "--version"; do
  # shellcheck disable=SC2086
  valgrind --tool=callgrind --demangle=no --callgrind-out-file="$work/calls.$RANDOM" "$cli" $args >/dev/null 2>&1
done
# Function names in the order callgrind first lists them, kept when the CLI defines them.
nm --defined-only "$cli" | awk '$2 ~ /^[tTwW]$/ {print $3}' | sort -u >"$work/defined"
cat "$work"/calls.* | sed -nE 's/^c?fn=\([0-9]+\) (.+)$/\1/p' | awk '!seen[$0]++' >"$work/ran"
awk 'NR == FNR {defined[$0] = 1; next} defined[$0]' "$work/defined" "$work/ran" >"$root/tools/startup_order.txt"
echo "$(wc -l <"$root/tools/startup_order.txt") functions in tools/startup_order.txt"
