#!/usr/bin/env bash
# The programs run, and print what the docs say they print.
source "$(dirname "$0")/lib.sh"

step "the examples run in both modes; in release they say tracking is compiled out"
for example in server leak_hunt widget_tree; do
  assert_runs "$example"
  assert_says_compiled_out "$example"
done
out=$(cargo run -q --example leaky_server 2>&1)
assert_contains "$out" "suspect: leaky_server::Session" "leaky_server named no Session suspect"
assert_says_compiled_out leaky_server

step "INSTRACK_BACKTRACE=1 turns creation backtraces on"
(
  cd tests/size-check
  cargo build -q --bin with-queries
  with=$(INSTRACK_BACKTRACE=1 ./target/debug/with-queries 2>&1)
  assert_contains "$with" "        at with_queries::common::work" "no backtrace with INSTRACK_BACKTRACE=1"
  without=$(./target/debug/with-queries 2>&1)
  assert_lacks "$without" "        at " "backtraces without INSTRACK_BACKTRACE"
)

# tests/readme-check copies the README's blocks into a program and compares
# what they print with the sample outputs beside them.
step "README sample outputs are what the code beside them prints"
(cd tests/readme-check && cargo run -q && cargo run -q --release)
