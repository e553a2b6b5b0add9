#!/usr/bin/env bash
# The optional features' tests: html + http (with the browser test), and
# serde + signal, each in the three build modes.
source "$(dirname "$0")/lib.sh"

step "html + http: chromium for the browser test"
need chromium
chromium --version

# INSTRACK_BROWSER_TESTS=1: a missing chromium or dashboard example fails the
# browser test instead of skipping it.
step "html + http: cargo test --features http  (debug: tracking on; browser test)"
INSTRACK_BROWSER_TESTS=1 cargo test --features http
step "html + http: cargo test --release --features http,tracking  (browser test)"
INSTRACK_BROWSER_TESTS=1 cargo test --release --features http,tracking
step "html + http: cargo test --release --features http  (compiled out: the pages say so)"
INSTRACK_BROWSER_TESTS=1 cargo test --release --features http

step "watch and JSON: features serde,signal in each mode"
cargo test --features serde,signal
cargo test --release --features serde,signal
cargo test --release --features tracking,serde,signal
