#!/usr/bin/env bash
# Compiled out, calling every query must link at most 16 KiB more code than
# not calling them. Usage: check.sh [cargo build flags...]; prints the growth
# of the `.text` section (the code) and of `size`'s text column (code plus
# read-only data and unwind tables), and fails if the code grew by more than
# 16 KiB. With `--features instrack/tracking` it is expected to fail: that is
# how CI knows the check can see the registry code.
set -euo pipefail
cd "$(dirname "$0")"
cargo build -q --release --target-dir target "$@"
text() { size -A "target/release/$1" | awk '$1 == ".text" { print $2 }'; }
berkeley() { size "target/release/$1" | awk 'NR == 2 { print $1 }'; }
code=$(( $(text with-queries) - $(text without-queries) ))
all=$(( $(berkeley with-queries) - $(berkeley without-queries) ))
echo "calling every query adds ${code} bytes of code (.text), ${all} bytes of size's text column"
[ "$code" -le 16384 ]
