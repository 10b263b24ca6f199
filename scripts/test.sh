#!/usr/bin/env bash
# Every test: build, then the C++ unit tests, CLI goldens and Python tests via ctest.
# The catalogue's PostgreSQL tests run against the server scripts/start-postgres.sh
# starts; when none can be started they are reported as skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
if url=$(scripts/start-postgres.sh); then
  export RAIIAF_TEST_POSTGRES_URL=$url
else
  echo "test.sh: PostgreSQL could not be started; its catalogue tests will be skipped" >&2
fi
ctest --test-dir build --output-on-failure -j2 --timeout 300 --output-junit ctest-junit.xml
