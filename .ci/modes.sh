#!/usr/bin/env bash
# The tests in every build mode, and the proof that the mode is instrack's
# own decision.
source "$(dirname "$0")/lib.sh"

# The README's test command first, then the other two modes.
step "cargo test  (the README's command; debug: tracking on)"
cargo test
step "cargo test --release  (tracking compiled out)"
cargo test --release
step "cargo test --release --features tracking"
cargo test --release --features tracking

# One process per test: no test may lean on what another left in the global
# registry.
step "cargo nextest (one process per test)"
need_cargo cargo-nextest cargo-nextest
cargo nextest run

# tests/mode-caller has its own root manifest so that its profiles apply.
step "the mode is instrack's own, whatever the caller's cfgs"
(
  cd tests/mode-caller
  cargo run -q --release -- off
  cargo run -q --release --features tracking -- off          # the caller's own `tracking`
  cargo run -q --release --features instrack/tracking -- on
  cargo run -q --release --config 'profile.release.package.instrack.debug-assertions=true' -- on
  cargo run -q --config 'profile.dev.package.instrack.debug-assertions=false' -- off
  cargo run -q -- on
)

step "off by a dev-profile override, the report says how to turn it back on"
(
  cd tests/size-check
  out=$(cargo run -q --bin with-queries --config 'profile.dev.package.instrack.debug-assertions=false' 2>&1)
  assert_contains "$out" "[profile.dev.package.instrack] debug-assertions = true" \
    "the report does not say how to turn tracking back on"
)
