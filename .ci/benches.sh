#!/usr/bin/env bash
# The benches compile in both modes (their timings on a shared CI machine
# would be noise), and the watch bench runs once: it prints the memory of a
# day-long timeline that the README quotes.
source "$(dirname "$0")/lib.sh"

step "benches compile in both modes"
cargo bench --no-run -q
cargo bench --no-run -q --features tracking
cargo bench --no-run -q --features tracking,tokio
cargo bench --no-run -q --features html,tracking --bench html

# Fails if a report, the by-site text or the page costs more than 10x the
# snapshot it reads (10,000 types x 10 instances; a ratio in one run, so the
# machine's load cancels out).
step "the report_cost bench runs: each text at most 10x its snapshot"
cargo bench -q --bench report_cost --features html,tracking

# Fails if printing one leaked cycle of 10,000 members (with no Debug, and
# with a derived Debug), or graph_dot of a 10,000-node tree, costs more than
# 30x the 1,000-node case: instructions under callgrind, deterministic where
# times are not (times of one run without valgrind). Linear work gives 10.
step "the cycle_print bench runs: printing a cycle is linear in its size"
need valgrind
cargo bench -q --bench cycle_print --features tracking

step "the watch bench runs: cost of a sample, memory of a day-long timeline"
cargo bench -q --bench watch --features tracking

# Instruction counts (callgrind) are deterministic where times are not. The
# hot paths must stay within the budgets of `BUDGETS` in
# benches/instructions.rs: Tracked construct+drop and clone, track!(&arc),
# track!(&rc), and a debug build with and without
# `[profile.dev.package.instrack] opt-level = 3` (benches/debug-build).
step "the hot paths within their instruction budgets (callgrind)"
need valgrind
cargo bench -q --bench instructions --features tracking

# With the feature `tokio` a registration asks tokio for the current task:
# each path, outside a task and inside one, within its budget plus
# TOKIO_ALLOWANCE (20, issue 19); compiled out, still exactly nothing.
step "the hot paths with the feature tokio: budget + 20, in and out of a task (callgrind)"
cargo bench -q --bench instructions --features tracking,tokio
cargo bench -q --bench instructions --features tokio
