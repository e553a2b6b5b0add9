#!/usr/bin/env bash
# Compiled out, tracking costs exactly nothing: no extra instructions, no
# registry code linked, and calling every query adds almost no code.
source "$(dirname "$0")/lib.sh"

# Nanosecond benchmarks cannot show "exactly zero" on a noisy machine;
# instruction counts can.
step "compiled out costs exactly nothing: identical instruction counts (callgrind)"
need valgrind
cargo bench -q --bench instructions

step "a release build links no registry code"
cargo build -q --release --example server --example leaky_server
assert_no_registry_symbols target/release/examples/server
assert_no_registry_symbols target/release/examples/leaky_server
cargo build -q --release --features tracking --example server
assert_registry_symbols target/release/examples/server

# tests/size-check: two programs, the same but for calls to every query.
step "compiled out, calling every query links at most 16 KiB more code"
need size binutils
tests/size-check/check.sh
# The control: with tracking on the check must fail, or it cannot see the
# registry code.
if tests/size-check/check.sh --features instrack/tracking >/dev/null 2>&1; then
  fail "with tracking on the check passed too: it cannot see the registry code"
fi
