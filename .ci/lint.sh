#!/usr/bin/env bash
# Format, and clippy with warnings as errors in every build mode and feature
# set: the mode decides which code exists, so each is linted on its own.
source "$(dirname "$0")/lib.sh"
# A minimal toolchain lacks them; already installed is fine.
rustup component add rustfmt clippy >/dev/null 2>&1 || true

step "format"
cargo fmt --all -- --check

# Debug compiles the registry in (tracking on), release compiles it out,
# release + `tracking` is the third mode.
step "clippy: debug (tracking on), release (compiled out), release + tracking"
cargo clippy --all-targets -- -D warnings
cargo clippy --release --all-targets -- -D warnings
cargo clippy --release --all-targets --features tracking -- -D warnings

step "clippy: every feature, debug and release"
cargo clippy --all-targets --all-features -- -D warnings
cargo clippy --release --all-targets --all-features -- -D warnings

# serde and signal without html/http: `http` turns `serde` on, so this is the
# only build where their code stands alone.
step "clippy: serde,signal, debug and release"
cargo clippy --all-targets --features serde,signal -- -D warnings
cargo clippy --release --all-targets --features serde,signal -- -D warnings
