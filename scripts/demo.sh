#!/usr/bin/env bash
# The main job: build, then run the CLI end to end on sample data it generates.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
tools/demo.sh build
