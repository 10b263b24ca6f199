#!/usr/bin/env bash
# Runs one golden case of the raiiaf CLI, in the style of zstd's tests/cli-tests:
# CASE.sh runs in a fresh temporary directory; its stdout, stderr and exit
# status must equal CASE.sh.stdout.exact, CASE.sh.stderr.exact and CASE.sh.exit
# (a missing file means: empty, empty, 0).
#
# usage: run_case.sh CASE.sh
# environment: RAIIAF_BIN_DIR (raiiaf and raiiaf_test_add_chunk), RAIIAF_VECTORS
#   (the shared test vectors), RAIIAF_CLI_DATA (tests/cli/data);
#   RAIIAF_UPDATE_GOLDENS=1 rewrites the expected files instead of comparing.
#
# What a case sees: `raiiaf` on PATH; ./v, the vectors (read-only); ./data, the
# fixtures; `raiiaf_test_add_chunk` (add_chunk.cpp) and `flip FILE OFFSET`,
# which inverts one byte.
# GPUs are hidden (RAIIAF_NVML_LIBRARY names no library) so that the
# environment has the same components everywhere. Before comparing, output is
# normalised: the temporary directory becomes <TMP>, the vectors' directory
# <VECTORS>, today's ISO dates <DATE>; in cases that contain the line
# "# golden: mask this machine's environment", each component string of this
# machine's environment becomes <ENV:id> (its SHA-256 <ENV:id:sha256>).
set -euo pipefail

case_file=$(realpath "$1")
: "${RAIIAF_BIN_DIR:?}" "${RAIIAF_VECTORS:?}" "${RAIIAF_CLI_DATA:?}"

work=$(mktemp -d)
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
mkdir "$work/case" "$work/out"
ln -s "$RAIIAF_VECTORS" "$work/case/v"
ln -s "$RAIIAF_CLI_DATA" "$work/case/data"

export PATH="$RAIIAF_BIN_DIR:$PATH"
export RAIIAF_NVML_LIBRARY=/nonexistent/libnvidia-ml.so.1
export LC_ALL=C.UTF-8 TZ=UTC

flip() {
  local byte
  byte=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
  printf "$(printf '\\%03o' $((byte ^ 0xFF)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
export -f flip

day_before=$(date -u +%Y-%m-%d)
status=0
(cd "$work/case" && exec bash "$case_file") >"$work/out/stdout" 2>"$work/out/stderr" || status=$?
day_after=$(date -u +%Y-%m-%d)

# sed program: literal strings -> placeholders.
escape() { printf '%s' "$1" | sed 's/[][\.*^$|&/]/\\&/g'; }
program=$(mktemp -p "$work")
{
  for dir in "$work/case" "$work"; do
    echo "s|$(escape "$(realpath "$dir")")|<TMP>|g"
    echo "s|$(escape "$dir")|<TMP>|g"
  done
  echo "s|$(escape "$RAIIAF_VECTORS")|<VECTORS>|g"
  for day in "$day_before" "$day_after"; do
    echo "s|${day}T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\\.[0-9]\\{6\\}+00:00|<DATE>|g"
  done
  if grep -qx "# golden: mask this machine's environment" "$case_file"; then
    raiiaf env | tail -n +2 | while read -r id value; do
      echo "s|$(escape "$value")|<ENV:$id>|g"
      echo "s|$(printf '%s' "$value" | sha256sum | cut -d' ' -f1)|<ENV:$id:sha256>|g"
    done
  fi
} >"$program"
# Cases with the line "# golden: mask sizes of compressed data" write compressed
# chunks, whose sizes (and so file sizes, offsets and stored digests) change
# with the libzstd and libzfp versions: those numbers become <N>, stored digests
# <SHA256>, and chunk tables lose their column alignment. Such a case asserts
# what does not vary instead: round trips (cmp, "unchanged") and verify.
sizes=$(mktemp -p "$work")
if grep -qx "# golden: mask sizes of compressed data" "$case_file"; then
  cat >"$sizes" <<'SED'
s/, [0-9]+ bytes\)$/, <N> bytes)/
s/^(format +[a-z0-9]+ [0-9.]+), [0-9]+ bytes/\1, <N> bytes/
s/"(file_size|offset|compressed_size|chunk_table_offset|len_header|len_data)": [0-9]+/"\1": <N>/g
s/"stored_sha256": "[0-9a-f]{64}"/"stored_sha256": "<SHA256>"/g
/^ +#  type /s/ +/ /g
/^ +[0-9]+ +[A-Z0-9 ]{4} /{
  s/ [0-9]+ +([0-9]+)$/ <N> \1/
  s/ +/ /g
}
SED
fi
for stream in stdout stderr; do
  sed -f "$program" "$work/out/$stream" | sed -E -f "$sizes" >"$work/out/$stream.normal"
done

if [ "${RAIIAF_UPDATE_GOLDENS:-}" = 1 ]; then
  for stream in stdout stderr; do
    if [ -s "$work/out/$stream.normal" ]; then cp "$work/out/$stream.normal" "$case_file.$stream.exact"
    else rm -f "$case_file.$stream.exact"; fi
  done
  if [ "$status" -ne 0 ]; then echo "$status" >"$case_file.exit"; else rm -f "$case_file.exit"; fi
  echo "updated $(basename "$case_file")"
  exit 0
fi

failed=0
for stream in stdout stderr; do
  expected=/dev/null
  [ -e "$case_file.$stream.exact" ] && expected="$case_file.$stream.exact"
  if ! diff -u --label "expected $stream" --label "actual $stream" "$expected" "$work/out/$stream.normal"; then
    failed=1
  fi
done
expected_status=0
[ -e "$case_file.exit" ] && expected_status=$(cat "$case_file.exit")
if [ "$status" != "$expected_status" ]; then
  echo "exit status: expected $expected_status, got $status"
  failed=1
fi
if [ "$failed" -ne 0 ]; then
  echo "FAILED: $case_file (RAIIAF_UPDATE_GOLDENS=1 rewrites the expected files)"
  exit 1
fi
echo "ok: $(basename "$case_file")"
