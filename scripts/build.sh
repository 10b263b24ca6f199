#!/usr/bin/env bash
# Installs dependencies and builds everything into build/ (the standard layout:
# build/bin/raiiaf, build/python).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build
