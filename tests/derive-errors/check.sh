#!/usr/bin/env bash
# `#[derive(instrack::Trace)]` refuses what it cannot trace, with an error at
# the field (or attribute) and a note saying what to do. Run from anywhere.
set -euo pipefail
cd "$(dirname "$0")"
if out=$(cargo build -q --color never 2>&1); then
  echo "tests/derive-errors built: the derive accepted what it must refuse"; exit 1
fi
expect() {
  case "$out" in *"$1"*) ;; *) printf '%s\n' "$out"; echo "missing from the compiler's errors: $1"; exit 1 ;; esac
}
# A field whose type has no Trace: the error points at that field's line.
expect '`dyn Fn()` does not implement `instrack::Trace`: the cycle analysis cannot see what it holds'
expect 'src/main.rs:10:15'
expect '`NoTrace` does not implement `instrack::Trace`'
expect 'src/main.rs:12:11'
expect 'wrap a closure that captures one in `instrack::TracedFn`'
expect '`#[trace(skip)]` leaves out a field that holds no `Arc` or `Rc`'
# `Arc<NoTrace>` is fine: an Arc is an edge, whatever it points to.
case "$out" in *'src/main.rs:11:'*) printf '%s\n' "$out"; echo "an Arc<T> field was refused"; exit 1 ;; esac
expect 'unknown `trace` attribute on a field: expected `#[trace(skip)]`'
expect '`Trace` cannot be derived for a union'
echo "derive errors: each names its field or attribute"
