#!/usr/bin/env bash
# Installs dependencies and builds everything into build/ (the standard layout:
# build/bin/raiiaf, build/python).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# ccache, where installed, makes rebuilds cheap; the build is the same without it.
launcher=()
if command -v ccache > /dev/null; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "${launcher[@]}"
cmake --build build
