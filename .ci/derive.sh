#!/usr/bin/env bash
# `#[derive(instrack::Trace)]` (feature `derive`, crate instrack-derive): the
# proc-macro crate linted and tested, the errors it gives, the example in both
# modes, and that compiled out a derived impl links nothing. The library's
# own tests use the derive in every mode (its dev-dependency on itself turns
# `derive` on), so tests/it/derive.rs already ran in .ci/modes.sh.
source "$(dirname "$0")/lib.sh"

step "instrack-derive: clippy and tests"
cargo clippy -p instrack-derive --all-targets -- -D warnings
cargo test -p instrack-derive

# Without dev-dependencies: the library as a user builds it with the feature.
step "the library with the derive feature alone: clippy, debug and release"
cargo clippy --lib --features derive -- -D warnings
cargo clippy --lib --release --features derive -- -D warnings

# tests/derive-errors has its own workspace: it must fail to build.
step "a field without Trace, a misspelt attribute, a union: errors at the field"
tests/derive-errors/check.sh

step "the session leak example: grouped, named cycles; compiled out in release"
out=$(cargo run -q --example session_leak --features derive 2>&1)
assert_contains "$out" "100 leaked cycles like this one, each of 1 instance kept alive only by itself:" \
  "session_leak did not group its 100 cycles"
assert_contains "$out" " .on_close → closure (examples/session_leak.rs:" "session_leak did not name the field and closure"
assert_contains "$out" "add #[derive(instrack::Trace)] to it" "session_leak did not name the type without Trace"
out=$(cargo run -q --release --example session_leak --features derive 2>&1)
assert_contains "$out" "compiled out" "release session_leak did not say tracking is compiled out"

# The derived `trace` is reached only through `track!`'s probe (shared::trace_of)
# and calls Edges: compiled out, neither is linked; the control sees both.
step "compiled out, a derived impl links nothing"
bin=target/release/examples/session_leak
cargo build -q --release --features derive --example session_leak
assert_no_registry_symbols "$bin"
traced=$(nm -C "$bin" | grep -cE 'instrack::trace::Edges|instrack::shared::trace_of' || true)
echo "$bin: Edges and trace_of symbols: $traced"
[ "$traced" -eq 0 ] || fail "compiled out, the derived impl still links tracing code"
cargo build -q --release --features derive,tracking --example session_leak
traced=$(nm -C "$bin" | grep -cE 'instrack::trace::Edges|instrack::shared::trace_of' || true)
echo "$bin (tracking on): Edges and trace_of symbols: $traced"
[ "$traced" -gt 0 ] || fail "the symbol check cannot see the derived impl"
