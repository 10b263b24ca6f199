#!/usr/bin/env bash
# The one benchmark command: builds what it needs (Release), runs the C++
# benchmarks, the `raiiaf info` timing and the Python paths, and prints ONE
# table (bench/report.py) with every figure next to the bound measured in the
# same run. Progress goes to stderr, the table to stdout.
#
#   bench/run.sh [BUILD_DIR]           # full run, about 3 minutes after the build
#   bench/run.sh --quick [BUILD_DIR]   # one repetition, short timings (a smoke test)
#   bench/run.sh --update-docs         # also rewrite the table in docs/PERFORMANCE.md
#
# BUILD_DIR defaults to build/ (the standard build of README.md); a new one is
# configured like scripts/build.sh does. Only the targets needed are built:
# raiiaf_bench, the CLI and the Python module (a CLI or module that fails to
# build turns its rows into n/a). Environment: RAIIAF_BENCH_JOBS (build jobs,
# default: all cores), TMPDIR (temporary files, about 30 MB; the 1 GiB file of
# the manifest-only open is sparse). Needs the packages of scripts/install-deps.sh.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=""
REPS=5
MIN_TIME=0.05
PY_MIN_TIME=0.3
CLI_LOOPS=5
CLI_CALLS=20
UPDATE_DOCS=""
for arg in "$@"; do
  case "$arg" in
    --quick) REPS=1; MIN_TIME=0.02; PY_MIN_TIME=0.05; CLI_LOOPS=2; CLI_CALLS=5 ;;
    --update-docs) UPDATE_DOCS=1 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    -*) echo "unknown option: $arg (see --help)" >&2; exit 2 ;;
    *) [[ -z $BUILD ]] || { echo "one build directory only (see --help)" >&2; exit 2; }; BUILD=$arg ;;
  esac
done
BUILD=$(realpath -m "${BUILD:-$ROOT/build}")
JOBS=${RAIIAF_BENCH_JOBS:-$(nproc)}

log() { echo "[bench $(date +%H:%M:%S)] $*" >&2; }
OUT=$BUILD/bench-results
mkdir -p "$OUT"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/raiiaf-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
PYTHON=/usr/bin/python3
[[ -x $PYTHON ]] || PYTHON=$(command -v python3)

# ---- 1. build ---------------------------------------------------------------
BUILD_LOG=$OUT/build.log
: >"$BUILD_LOG"
cache_value() { sed -n "s/^$1:[A-Z]*=//p" "$BUILD/CMakeCache.txt" 2>/dev/null; }
if [[ ! -f $BUILD/CMakeCache.txt ]]; then
  log "configuring $BUILD (Release, as scripts/build.sh)"
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >>"$BUILD_LOG" 2>&1 ||
    { tail -40 "$BUILD_LOG" >&2; echo "configure failed; are the packages of scripts/install-deps.sh installed?" >&2; exit 1; }
elif [[ $(cache_value RAIIAF_BUILD_BENCH) == OFF ]]; then
  log "enabling the benchmarks in $BUILD"
  cmake "$BUILD" -DRAIIAF_BUILD_BENCH=ON >>"$BUILD_LOG" 2>&1 || { tail -40 "$BUILD_LOG" >&2; exit 1; }
fi
case $(cache_value CMAKE_BUILD_TYPE) in
  Release|RelWithDebInfo) ;;
  *) log "WARNING: $BUILD is a '$(cache_value CMAKE_BUILD_TYPE)' build; the figures mean little unless it is Release" ;;
esac
log "building raiiaf_bench (-j$JOBS; log in $BUILD_LOG)"
cmake --build "$BUILD" -j"$JOBS" --target raiiaf_bench >>"$BUILD_LOG" 2>&1 || { tail -40 "$BUILD_LOG" >&2; exit 1; }
CLI=""
if [[ $(cache_value RAIIAF_BUILD_TOOLS) != OFF ]] && cmake --build "$BUILD" -j"$JOBS" --target raiiaf_cli >>"$BUILD_LOG" 2>&1; then
  CLI=$BUILD/bin/raiiaf
else
  log "the CLI did not build (see $BUILD_LOG): its rows will say n/a"
fi
PY_PATH=""
if [[ $(cache_value RAIIAF_BUILD_PYTHON) != OFF ]] && cmake --build "$BUILD" -j"$JOBS" --target raiiaf_python >>"$BUILD_LOG" 2>&1; then
  PY_PATH=$BUILD/python
else
  log "the Python module did not build (see $BUILD_LOG): numpy bounds only"
fi

# ---- 2. C++ benchmarks --------------------------------------------------------
# Repetitions are interleaved at random across the run, so that a busy spell of
# the machine spreads over every benchmark instead of ruining a few.
LOAD_BEFORE=$(cut -d' ' -f1 /proc/loadavg)
log "C++ benchmarks ($REPS repetitions of at least ${MIN_TIME}s each; log in $OUT/gbench.txt)"
"$BUILD/bin/raiiaf_bench" --workdir="$WORK/cpp" --metrics="$OUT/metrics.json" \
  --benchmark_out="$OUT/gbench.json" --benchmark_out_format=json \
  --benchmark_repetitions="$REPS" --benchmark_min_time="$MIN_TIME" \
  --benchmark_enable_random_interleaving=true >"$OUT/gbench.txt" 2>&1 || {
  tail -20 "$OUT/gbench.txt" >&2
  exit 1
}

# ---- 3. `raiiaf info` from the shell -------------------------------------------
# Per invocation: the wall time of loops of $CLI_CALLS calls from bash, and the
# CPU time the children used (bash's `times`), next to /bin/true run the same way.
CLI_JSON=$OUT/cli.json
children_cpu() {  # user + system seconds of this shell's finished children, from `times`
  times >"$WORK/times"  # run here, not in a subshell, whose children would be others
  tail -1 "$WORK/times" | awk '{ t = 0; for (i = 1; i <= 2; ++i) { split($i, p, "m"); t += p[1] * 60 + p[2] } printf "%.6f", t }'
}
time_calls() {  # prints the wall seconds per call of each loop, then the CPU seconds per call
  local loop i t0 t1 c0 c1 walls=()
  children_cpu >"$WORK/cpu0"
  for ((loop = 0; loop < CLI_LOOPS; ++loop)); do
    t0=$(date +%s%N)
    for ((i = 0; i < CLI_CALLS; ++i)); do "$@" >/dev/null 2>&1 || return 1; done
    t1=$(date +%s%N)
    walls+=("$(awk -v ns=$((t1 - t0)) -v n="$CLI_CALLS" 'BEGIN { printf "%.9f", ns / 1e9 / n }')")
  done
  children_cpu >"$WORK/cpu1"
  echo "${walls[*]}" | tr ' ' ','
  awk -v n=$((CLI_LOOPS * CLI_CALLS)) 'NR == 1 { a = $1 } NR == 2 { b = $1 } END { printf "%.9f", (b - a) / n }' \
    "$WORK/cpu0" "$WORK/cpu1"
}
W1_FILE=$WORK/cpp/w1.raiiaf
if [[ -n $CLI ]] && timing=$(time_calls "$CLI" info "$W1_FILE"); then
  log "raiiaf info: $CLI"
  true_timing=$(time_calls /bin/true)
  t0=$(date +%s%N)
  batch=null
  if "$CLI" info "$WORK"/cpp/w4/*.raiiaf >/dev/null 2>&1; then
    batch=$(awk -v ns=$(($(date +%s%N) - t0)) 'BEGIN { printf "%.9f", ns / 1e9 / 1000 }')
  fi
  { read -r walls; read -r cpu; } <<<"$timing"
  { read -r true_walls; read -r true_cpu; } <<<"$true_timing"
  printf '{"cli": "%s", "wall_s": [%s], "cpu_s": %s, "true_wall_s": [%s], "true_cpu_s": %s, "calls_per_loop": %d, "batch_files": 1000, "batch_per_file_s": %s}\n' \
    "$CLI" "$walls" "$cpu" "$true_walls" "$true_cpu" "$CLI_CALLS" "$batch" >"$CLI_JSON"
elif [[ -n $CLI ]]; then
  msg=$("$CLI" info "$W1_FILE" 2>&1 | head -1 | tr -d '"\\' || true)
  printf '{"cli": "%s", "error": "raiiaf info failed: %s"}\n' "$CLI" "$msg" >"$CLI_JSON"
else
  echo '{"cli": null}' >"$CLI_JSON"
fi

# CPU per call against /bin/true the way issue 18 sets its target (getrusage
# around alternating subprocess calls), the Python decode it is compared with,
# and the libraries loaded (bench/startup.py).
STARTUP_JSON=$OUT/startup.json
if [[ -n $CLI ]] && [[ -f $W1_FILE ]]; then
  log "raiiaf info against /bin/true (bench/startup.py)"
  "$PYTHON" "$ROOT/bench/startup.py" --cli "$CLI" --file "$W1_FILE" --runs $((CLI_LOOPS * CLI_CALLS * 4)) \
    >"$STARTUP_JSON" 2>"$OUT/startup.txt" || { log "bench/startup.py failed (see $OUT/startup.txt)"; echo '{}' >"$STARTUP_JSON"; }
else
  echo '{}' >"$STARTUP_JSON"
fi

# ---- 3b. `raiiaf import` of a folder (issue 14) ---------------------------------
# Copies of three large interop images (about 29 MB x IMPORT_COPIES/6), imported
# on every core, durably (the default) and with --no-fsync; the image bytes per
# second go beside the single-core SHA-256 bound, and the durable import beside
# what the disk itself writes durably (the same bytes by dd conv=fsync), since
# no durable import can be faster than that.
IMPORT_JSON=$OUT/import.json
INTEROP=$ROOT/tests/data/interop
IMPORT_COPIES=${RAIIAF_BENCH_IMPORT_COPIES:-30}
if [[ -n $CLI ]]; then
  mkdir -p "$WORK/import-in"
  for ((copy = 1; copy <= IMPORT_COPIES; ++copy)); do
    for f in enslo_forge-classic-en.png enslo_invokeai-en.png enslo_swarmui.png; do
      cp "$INTEROP/$f" "$WORK/import-in/$copy-$f"
    done
  done
  import_files=$((IMPORT_COPIES * 3))
  import_bytes=$(du -cb "$WORK"/import-in/*.png | tail -1 | cut -f1)
  # The output of the run before is removed first, so that the page cache
  # reuses its pages: in a VM, pages never touched (or handed back to the
  # host) cost a host fault each, several times the write itself (see
  # docs/PERFORMANCE.md, "raiiaf import of a folder").
  time_import() {  # prints the wall seconds of one import, or fails
    rm -rf "$WORK/import-out"
    sync
    local t0 t1
    t0=$(date +%s%N)
    "$CLI" import "$WORK/import-in" --output-dir "$WORK/import-out" "$@" >/dev/null 2>&1 || return 1
    t1=$(date +%s%N)
    awk -v ns=$((t1 - t0)) 'BEGIN { printf "%.9f", ns / 1e9 }'
  }
  # Untimed first runs: the inputs into the page cache, the code into memory.
  time_import >/dev/null && time_import --no-fsync >/dev/null || true
  walls=() fast_walls=() disk_walls=()
  for ((loop = 0; loop < 2 * CLI_LOOPS; ++loop)); do
    w=$(time_import) || { walls=(); break; }
    walls+=("$w")
    w=$(time_import --no-fsync) || { walls=(); break; }
    fast_walls+=("$w")
    sync
    t0=$(date +%s%N)
    dd if=/dev/zero of="$WORK/disk-probe" bs=1M count=$((import_bytes / 1048576 + 1)) conv=fsync status=none
    t1=$(date +%s%N)
    disk_walls+=("$(awk -v ns=$((t1 - t0)) 'BEGIN { printf "%.9f", ns / 1e9 }')")
    rm -f "$WORK/disk-probe"
  done
  if ((${#walls[@]})); then
    log "raiiaf import: $import_files files, $import_bytes bytes"
    printf '{"files": %d, "bytes": %s, "wall_s": [%s], "no_fsync_wall_s": [%s], "disk_bytes": %d, "disk_wall_s": [%s]}\n' \
      "$import_files" "$import_bytes" "$(IFS=,; echo "${walls[*]}")" "$(IFS=,; echo "${fast_walls[*]}")" \
      $(((import_bytes / 1048576 + 1) * 1048576)) "$(IFS=,; echo "${disk_walls[*]}")" >"$IMPORT_JSON"
  else
    echo '{"error": "raiiaf import failed"}' >"$IMPORT_JSON"
  fi
  rm -rf "$WORK/import-in" "$WORK/import-out"
else
  echo '{"error": "no CLI"}' >"$IMPORT_JSON"
fi

# ---- 4. Python paths -----------------------------------------------------------
PY_JSON=$OUT/python.json
rm -f "$PY_JSON"
log "Python paths (${PY_PATH:-no raiiaf module; numpy bounds only})"
PYTHONPATH=$PY_PATH "$PYTHON" "$ROOT/bench/bench_python.py" --out "$PY_JSON" --min-time "$PY_MIN_TIME" \
  --tmp "$WORK" >"$OUT/python.txt" 2>&1 || log "bench_python.py failed (see $OUT/python.txt)"
# Issue 18's Python targets (drop-in W1 decode against the model of the existing
# package's decoder, 100 MB verified latents, read_into, dumps): printed, and kept as JSON.
if [[ -n $PY_PATH ]]; then
  log "Python drop-in targets (bench/bench_python_dropin.py)"
  PYTHONPATH=$PY_PATH "$PYTHON" "$ROOT/bench/bench_python_dropin.py" --out "$OUT/python_dropin.json" \
    --min-time "$PY_MIN_TIME" --tmp "$WORK" >"$OUT/python_dropin.txt" 2>&1 &&
    cat "$OUT/python_dropin.txt" >&2 || log "bench_python_dropin.py failed (see $OUT/python_dropin.txt)"
fi
LOAD_AFTER=$(cut -d' ' -f1 /proc/loadavg)

# ---- 5. the table ------------------------------------------------------------------
MODEL=$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)
MEM_GIB=$(awk '/MemTotal/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git -C "$ROOT" status --porcelain 2>/dev/null) ]]; then COMMIT="$COMMIT+changes"; fi
MACHINE="$MODEL, $(nproc) cores, $MEM_GIB GiB, Linux $(uname -r), commit $COMMIT, load average $LOAD_BEFORE before / $LOAD_AFTER after"
"$PYTHON" "$ROOT/bench/report.py" --gbench "$OUT/gbench.json" --metrics "$OUT/metrics.json" \
  --python "$PY_JSON" --cli "$CLI_JSON" --import-json "$IMPORT_JSON" --startup "$STARTUP_JSON" \
  --machine "$MACHINE" --markdown "$OUT/table.md" \
  ${UPDATE_DOCS:+--update-doc "$ROOT/docs/PERFORMANCE.md"}
log "raw results in $OUT (gbench.json, metrics.json, python.json, cli.json, startup.json, table.md)"
