#!/usr/bin/env bash
# The benches compile in both modes (their timings on a shared CI machine
# would be noise), and the watch bench runs once: it prints the memory of a
# day-long timeline that the README quotes.
source "$(dirname "$0")/lib.sh"

step "benches compile in both modes"
cargo bench --no-run -q
cargo bench --no-run -q --features tracking
cargo bench --no-run -q --features html,tracking --bench html

step "the watch bench runs: cost of a sample, memory of a day-long timeline"
cargo bench -q --bench watch --features tracking
