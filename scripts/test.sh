#!/usr/bin/env bash
# Every test: build, then the C++ unit tests, CLI goldens and Python tests via ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
ctest --test-dir build --output-on-failure -j2 --timeout 300 --output-junit ctest-junit.xml
