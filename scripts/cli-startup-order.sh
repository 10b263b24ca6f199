#!/usr/bin/env bash
# Writes tools/startup_order.txt: the functions `raiiaf info` runs on a W1-like
# file (and `raiiaf --version`), as the linker names them, in the order
# callgrind first meets them, then the variables it reads or writes (from
# lackey's trace of its memory accesses). lld places them next to each other
# in the CLI (tools/CMakeLists.txt, RAIIAF_CLI_STARTUP_ORDER), so that
# start-up touches a dozen pages of code instead of some forty scattered over
# the 9 MB, and fewer pages of data.
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
# Variables: each address `info` loads or stores, named by the symbol that holds it.
valgrind --tool=lackey --trace-mem=yes --log-file="$work/accesses" "$cli" info "$artifact" >/dev/null
python3 - "$cli" "$work/accesses" >>"$root/tools/startup_order.txt" <<'PY'
import bisect, subprocess, sys
symbols = []
for line in subprocess.run(["nm", "-S", "--defined-only", sys.argv[1]], capture_output=True, text=True).stdout.splitlines():
    fields = line.split()
    if len(fields) == 4 and fields[2] in "dDbBrRvV":
        symbols.append((int(fields[0], 16), max(int(fields[1], 16), 1), fields[3]))
symbols.sort()
starts = [start for start, _, _ in symbols]
named = {}
with open(sys.argv[2]) as accesses:
    for line in accesses:
        if line[:2] not in (" L", " S", " M"):
            continue
        address = int(line[3:].split(",")[0], 16)
        at = bisect.bisect_right(starts, address) - 1
        if at >= 0 and address < symbols[at][0] + symbols[at][1]:
            named.setdefault(symbols[at][2], None)
print("\n".join(named))
PY
echo "$(wc -l <"$root/tools/startup_order.txt") symbols in tools/startup_order.txt"
