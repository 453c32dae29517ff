#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Run the 80286 real-mode vectors through xie.
# Usage: run.sh RUN286 VECTOR_DIR WORKDIR [run286 options...]
# Prints SKIP and exits 77 (ctest: skipped) when the vectors are absent.
set -eu
runner=$1
dir=$2
work=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
gz=$dir/80286-real-mode-sample.jsonl.gz
meta=$dir/80286-metadata.json
if [ ! -f "$gz" ] || [ ! -f "$meta" ]; then
    echo "SKIP: 80286 vectors not found in $dir"
    exit 77
fi
mkdir -p "$work"
txt=$work/80286-vectors.txt
if [ ! -f "$txt" ] || [ "$gz" -nt "$txt" ] || [ "$here/convert.py" -nt "$txt" ]; then
    python3 "$here/convert.py" "$gz" "$meta" "$txt.tmp"
    mv "$txt.tmp" "$txt"
fi
exec "$runner" "$txt" "$@"
