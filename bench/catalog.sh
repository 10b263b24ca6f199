#!/usr/bin/env bash
# The catalogue benchmark: for each N, makes N small artifacts and measures a
# cold index, an unchanged re-index, a filtered and a full-text query (p50/p99
# of 200 runs, 100 results a page) and the catalogue's bytes per artifact;
# prints one table against the targets of issue 17 (docs/PERFORMANCE.md).
#
#   bench/catalog.sh [BUILD_DIR] [--n "10000 100000"] [--db postgresql://...]
#
# TMPDIR holds the artifacts (about 12 KB each: 1.2 GB at 100k).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=""
SIZES="10000 100000"
DB=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --n) SIZES=$2; shift 2 ;;
    --db) DB=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) BUILD=$1; shift ;;
  esac
done
BUILD=$(realpath -m "${BUILD:-$ROOT/build}")
[[ -f $BUILD/CMakeCache.txt ]] || cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >&2
cmake --build "$BUILD" -j"${RAIIAF_BENCH_JOBS:-$(nproc)}" --target raiiaf_bench_catalog >&2
OUT=$BUILD/bench-results
mkdir -p "$OUT"
for n in $SIZES; do
  work=$(mktemp -d "${TMPDIR:-/tmp}/raiiaf-catalog-bench.XXXXXX")
  echo "[bench] $n artifacts in $work" >&2
  if [[ -n $DB ]]; then
    psql "$DB" -qc "DROP TABLE IF EXISTS latent, tag, artifact, environment_component, environment, schema_version CASCADE" >&2
    "$BUILD/bin/raiiaf_bench_catalog" "$n" "$work" "$DB" >"$OUT/catalog-$n.json"
  else
    "$BUILD/bin/raiiaf_bench_catalog" "$n" "$work" >"$OUT/catalog-$n.json"
  fi
  rm -rf "$work"
done
/usr/bin/python3 - "$OUT" $SIZES <<'PY'
import json, sys
out, sizes = sys.argv[1], sys.argv[2:]
runs = [json.load(open(f"{out}/catalog-{n}.json")) for n in sizes]
rows = [("cold index", "cold_index_files_per_s", "files/s", ">= 2000", lambda v: v >= 2000),
        ("unchanged re-index", "reindex_files_per_s", "files/s", ">= 50000", lambda v: v >= 50000),
        ("filtered query p50", "filtered_p50_ms", "ms", "< 20", lambda v: v < 20),
        ("filtered query p99", "filtered_p99_ms", "ms", "< 100", lambda v: v < 100),
        ("full-text query p50", "text_p50_ms", "ms", "< 20", lambda v: v < 20),
        ("full-text query p99", "text_p99_ms", "ms", "< 100", lambda v: v < 100),
        ("catalogue size", "bytes_per_artifact", "bytes/artifact", "", None)]
print("| measure | " + " | ".join(f"{r['n']:,} files" for r in runs) + " | target | met |")
print("|---|" + "---|" * len(runs) + "---|---|")
for name, key, unit, target, ok in rows:
    values = [r.get(key) for r in runs]
    cells = ["n/a" if v is None else (f"{v:,.0f} {unit}" if v >= 100 else f"{v:.2f} {unit}") for v in values]
    met = "" if ok is None else ("yes" if all(v is not None and ok(v) for v in values) else "**NO**")
    print(f"| {name} | " + " | ".join(cells) + f" | {target} | {met} |")
print()
print("filtered: `" + runs[0]["filtered_query"] + "`, full text: `" + runs[0]["text_query"] + "` (first 100 results)")
PY
