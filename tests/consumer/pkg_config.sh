#!/usr/bin/env bash
# Builds the consumer programs against an installed raiiaf with nothing but
# pkg-config and the compilers, then runs them on a file.
# usage: pkg_config.sh PREFIX WORK_DIR CXX CC FILE [EXTRA_FLAGS]
# (EXTRA_FLAGS: what a sanitized library needs of its consumers.)
set -euo pipefail
prefix=$1 work=$2 cxx=$3 cc=$4 file=$5 extra=${6:-}
here=$(cd "$(dirname "$0")" && pwd)
export PKG_CONFIG_PATH=$(find "$prefix" -name raiiaf.pc -printf '%h\n' | head -n1)
[ -n "$PKG_CONFIG_PATH" ] || { echo "no raiiaf.pc under $prefix"; exit 1; }
pkg-config --exists raiiaf
static=--static  # the default library is static; a shared one needs no private libraries
[ -n "$(find "$prefix" -name 'libraiiaf.so*' -print -quit)" ] && static=
mkdir -p "$work"
# shellcheck disable=SC2046,SC2086  # pkg-config's output and $extra are lists of words
"$cxx" $extra -std=c++20 "$here/project/main.cpp" -o "$work/consumer" $(pkg-config $static --cflags --libs raiiaf)
# shellcheck disable=SC2046
"$cc" $extra -std=c11 -c "$here/project/main.c" -o "$work/main.o" $(pkg-config --cflags raiiaf)
# shellcheck disable=SC2046  # a C program on a C++ library links with the C++ driver
"$cxx" $extra "$work/main.o" -o "$work/consumer_c" $(pkg-config $static --libs raiiaf)
export LD_LIBRARY_PATH=$(pkg-config --variable=libdir raiiaf)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
"$work/consumer" "$file"
"$work/consumer_c" "$file"
