#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Installs what xie's build and tests need on Debian 12, only when something is
# missing (no network is used when everything is present).
#   scripts/deps.sh build   compiler, cmake, make: enough for `make` and `make demo`
#   scripts/deps.sh test    everything `make check` needs (default)
#   scripts/deps.sh --list  print the Debian packages of the test set and exit
# Debian packages come from apt-get (as root, or through sudo); the npm package
# iced-x86 is installed with `npm ci` from tests/diff/package-lock.json.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
what=${1:-test}

build_pkgs="make cmake gcc libc6-dev binutils"
test_pkgs="$build_pkgs clang-14 libclang-rt-14-dev clang-format-14 gcc-multilib python3
  nodejs npm libzydis-dev zydis-tools valgrind libunicorn-dev libx86emu-dev pkgconf"

case "$what" in
build) pkgs=$build_pkgs ;;
test) pkgs=$test_pkgs ;;
--list)
    echo $test_pkgs
    exit 0
    ;;
*)
    echo "usage: scripts/deps.sh [build|test|--list]" >&2
    exit 2
    ;;
esac

# A package counts as present when dpkg has it installed, or, for the tools that
# are often installed outside Debian's packages (e.g. node from NodeSource, which
# bundles npm), when its command is on PATH.
present() {
    local cmd=""
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed" && return 0
    case "$1" in
    nodejs) cmd=node ;;
    npm | cmake | make | python3) cmd=$1 ;;
    esac
    [ -n "$cmd" ] && command -v "$cmd" >/dev/null
}

missing=""
for p in $pkgs; do
    present "$p" || missing="$missing $p"
done

if [ -n "$missing" ]; then
    if ! command -v apt-get >/dev/null; then
        echo "deps: missing packages:$missing (not a Debian system: install them yourself)" >&2
        exit 1
    fi
    sudo=""
    if [ "$(id -u)" != 0 ]; then
        if command -v sudo >/dev/null; then
            sudo="sudo"
        else
            echo "deps: missing packages:$missing; run as root: apt-get install$missing" >&2
            exit 1
        fi
    fi
    echo "deps: installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    # shellcheck disable=SC2086
    $sudo apt-get install -y -qq --no-install-recommends $missing
fi

# iced-x86 (the differential decoding oracle) pinned by tests/diff's lock file.
if [ "$what" = test ] && [ -f "$root/tests/diff/package-lock.json" ] &&
    [ ! -d "$root/tests/diff/node_modules/iced-x86" ]; then
    echo "deps: npm ci in tests/diff"
    (cd "$root/tests/diff" && npm ci --no-audit --no-fund --loglevel=error)
fi
echo "deps: ok"
