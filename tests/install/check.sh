#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Installs a built xie into a temporary prefix and builds a small program
# against it twice: through the CMake package (find_package(xie)) and through
# pkg-config (xie.pc). Both must build and run.
#   tests/install/check.sh [BUILD_DIR]     (default: build/)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-$root/build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/install.log"
echo "install: installed into a temporary prefix:"
(cd "$tmp/prefix" && find . -type f | sort | sed 's/^/  /')

echo "install: find_package(xie)"
cmake -S "$here/consumer" -B "$tmp/cmake-build" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/cmake-build" >/dev/null
"$tmp/cmake-build/consumer"

echo "install: pkg-config xie"
pcdir=$(dirname "$(find "$tmp/prefix" -name xie.pc | head -1)")
flags=$(PKG_CONFIG_PATH=$pcdir pkg-config --cflags --libs xie)
echo "  pkg-config --cflags --libs xie: $flags"
# shellcheck disable=SC2086
cc -std=c99 -o "$tmp/consumer-pc" "$here/consumer/consumer.c" $flags
"$tmp/consumer-pc"
echo "install: ok"
