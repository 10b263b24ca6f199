#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need, plus any named
# as arguments (idempotent; asks apt only when something is missing).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config lld valgrind
  libzstd-dev libzfp-dev nlohmann-json3-dev libvalijson-dev libssl-dev libspng-dev zlib1g-dev libxxhash-dev libdeflate-dev libisal-dev libexiv2-dev
  libimage-exiftool-perl chromium
  libcli11-dev libgtest-dev libbenchmark-dev
  libsqlite3-dev libpq-dev postgresql sqlite3
  pybind11-dev python3-dev python3-pybind11 python3-numpy python3-pil python3-pytest python3-setuptools
  python3-pip python3-wheel python3-venv python3-zstandard python3-zfpy python3-jsonschema python3-mypy
  python3-torch
  zstd
  "$@"
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
