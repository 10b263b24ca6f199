#!/usr/bin/env bash
# Where the time goes: runs raiiaf_bench workloads under perf (or, without
# perf, valgrind's callgrind) and prints the share of CPU samples per library
# and the inclusive share of the library's own functions.
#
#   bench/profile.sh                        # W1/W3 encode + verified decode, W4/encode
#   bench/profile.sh 'W2/encode' 'codec/gauss_f32/shuffle-zstd/compress'
#
# The build directory is RAIIAF_BENCH_BUILD (default build/, as bench/run.sh);
# it must hold a configured build (run bench/run.sh once).
#
# Samples include the benchmark's one-off setup (generating the PNG and the
# tensors); read the inclusive shares relative to raiiaf::encode or
# raiiaf::Reader::... rather than to 100 %. Encoding runs on several threads:
# shares are of CPU samples, not of wall time.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${RAIIAF_BENCH_BUILD:-$ROOT/build}
JOBS=${RAIIAF_BENCH_JOBS:-$(nproc)}
SECONDS_PER_RUN=${RAIIAF_PROFILE_SECONDS:-3}
if [[ $# -gt 0 ]]; then
  FILTERS=("$@")
else
  FILTERS=(W1/encode W1/decode_verified W3/encode W3/decode_verified W4/encode)
fi
[[ -f $BUILD/CMakeCache.txt ]] || { echo "no build in $BUILD: run bench/run.sh first" >&2; exit 1; }
cmake --build "$BUILD" -j"$JOBS" --target raiiaf_bench >/dev/null

WORK=$(mktemp -d "${TMPDIR:-/tmp}/raiiaf-profile.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
BENCH=("$BUILD/bin/raiiaf_bench" --workdir="$WORK/files")
INTERESTING='raiiaf::|ZSTD_(compress|decompress|createCCtx|createDCtx)|EVP_Digest|SHA256_Update|crc32|inspect_|memmove|memcpy|valijson::.*validateSchema|regex_traits.*_Compiler$|dump_python_json|build_manifest|page_fault|munmap|mmap'

use_perf=0
if command -v perf >/dev/null && perf record -o "$WORK/probe.data" -q -- true >/dev/null 2>&1; then use_perf=1; fi

for filter in "${FILTERS[@]}"; do
  echo "=================== $filter"
  if [[ $use_perf == 1 ]]; then
    perf record -q -F 999 --call-graph dwarf,16384 -o "$WORK/perf.data" -- "${BENCH[@]}" \
      --benchmark_filter="^$filter" --benchmark_min_time="$SECONDS_PER_RUN" 2>/dev/null | grep real_time || true
    echo "--- CPU samples by library (self)"
    perf report -i "$WORK/perf.data" --stdio --no-children --sort dso -g none --percent-limit 0.5 2>/dev/null |
      grep -v '^#' | grep -v '^$'
    echo "--- inclusive (children) share of selected functions"
    perf report -i "$WORK/perf.data" --stdio --children --sort sym -g none --percent-limit 0.5 2>/dev/null |
      grep -v '^#' | grep -E "$INTERESTING" | cut -c1-150 | head -30
  else
    valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind.out" "${BENCH[@]}" \
      --benchmark_filter="^$filter" --benchmark_min_time=0.05 >/dev/null 2>&1
    callgrind_annotate --inclusive=yes "$WORK/callgrind.out" 2>/dev/null | grep -E "$INTERESTING|Ir" |
      cut -c1-150 | head -30
  fi
done
