#!/usr/bin/env bash
# The test suite under AddressSanitizer + UndefinedBehaviorSanitizer (gcc,
# build-asan/), then a libFuzzer smoke of every fuzz target (clang,
# build-fuzz/): FUZZ_SECONDS per target (default 20), starting from
# fuzz/corpus/<target> and tests/crashers/<target>. New inputs the smoke finds
# go to build-fuzz/corpus/<target>, never into the tree; a finding is saved as
# build-fuzz/findings/<target>/crash-* and fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh clang libclang-rt-14-dev

export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1:max_allocation_size_mb=1024
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# The Python module is left out: a sanitized extension needs the sanitizer
# runtime preloaded into the interpreter.
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRAIIAF_SANITIZE=ON \
      -DRAIIAF_BUILD_PYTHON=OFF -DRAIIAF_BUILD_BENCH=OFF
cmake --build build-asan -j2
# The catalogue's PostgreSQL suite runs here too (the server scripts/test.sh uses).
if url=$(scripts/start-postgres.sh); then
  export RAIIAF_TEST_POSTGRES_URL=$url
else
  echo "sanitize.sh: PostgreSQL could not be started; its catalogue tests will be skipped" >&2
fi
ctest --test-dir build-asan --output-on-failure -j2 --timeout 600

CC=clang CXX=clang++ cmake -S fuzz -B build-fuzz -G Ninja
cmake --build build-fuzz -j2
seconds=${FUZZ_SECONDS:-20}
for binary in build-fuzz/bin/raiiaf_fuzz_*; do
  target=${binary##*/raiiaf_fuzz_}
  [ "$target" = replay ] && continue
  seeds=()
  for dir in "fuzz/corpus/$target" "tests/crashers/$target"; do
    [ -d "$dir" ] && seeds+=("$dir")
  done
  mkdir -p "build-fuzz/corpus/$target" "build-fuzz/findings/$target"
  echo "fuzz smoke: $target for ${seconds}s"
  "$binary" -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=512 -timeout=10 -dict=fuzz/raiiaf.dict \
            -artifact_prefix="build-fuzz/findings/$target/" -print_final_stats=1 \
            "build-fuzz/corpus/$target" "${seeds[@]}" 2>&1 | tail -n 12
done
