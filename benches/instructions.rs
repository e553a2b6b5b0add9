//! Instruction counts, which unlike nanoseconds do not depend on what else
//! the machine is doing: a construct + drop loop of a struct with a
//! `Tracked<Self>` field against the same loop over its plain twin, each run
//! under `valgrind --tool=callgrind`.
//!
//!     cargo bench --bench instructions                     # compiled out: must be identical
//!     cargo bench --bench instructions --features tracking # the cost of tracking
//!
//! Each loop runs twice, N and 2N times; the difference of the two counts is
//! the loop's own cost, free of process start-up. With tracking compiled out
//! the program exits non-zero unless the tracked loop costs exactly what the
//! plain one does.

use common::{Marked, Plain};
use instrack::track;

mod common;
use std::hint::black_box;
use std::process::Command;

const N: u64 = 1_000;

#[inline(never)]
fn plain_loop(n: u64) {
    for i in 0..n {
        drop(black_box(Plain { id: black_box(i), name: "x" }));
    }
}

#[inline(never)]
fn tracked_loop(n: u64) {
    for i in 0..n {
        drop(black_box(Marked { id: black_box(i), name: "x", _t: track!() }));
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let (Some(which), Some(n)) = (args.get(1), args.get(2).and_then(|n| n.parse().ok())) {
        match which.as_str() {
            "plain" => plain_loop(n),
            "tracked" => tracked_loop(n),
            _ => {}
        }
        return;
    }
    if Command::new("valgrind").arg("--version").output().is_err() {
        eprintln!("valgrind is not installed: no instruction counts (apt-get install valgrind)");
        std::process::exit(if std::env::var_os("CI").is_some() { 1 } else { 0 });
    }
    let exe = std::env::current_exe().expect("the bench knows its own path");
    let count = |which: &str, n: u64| -> u64 {
        let out = Command::new("valgrind")
            .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
            .arg(&exe)
            .args([which, &n.to_string()])
            .output()
            .expect("valgrind runs");
        let text = String::from_utf8_lossy(&out.stderr);
        text.lines()
            .find_map(|l| l.split("Collected :").nth(1))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no instruction count in valgrind's output:\n{text}"))
    };
    println!("instrack::ENABLED = {}", instrack::ENABLED);
    let mut per_op = Vec::new();
    for which in ["plain", "tracked"] {
        let (once, twice) = (count(which, N), count(which, 2 * N));
        let loop_cost = twice - once;
        println!(
            "{which:>8}: {once} instructions for {N} construct+drop, {twice} for {}: {loop_cost} for {N} more",
            2 * N
        );
        per_op.push((once, loop_cost));
    }
    let (plain, tracked) = (per_op[0], per_op[1]);
    println!(
        "per construct+drop: plain {:.2}, tracked {:.2} instructions",
        plain.1 as f64 / N as f64,
        tracked.1 as f64 / N as f64
    );
    if !instrack::ENABLED {
        // Compare the loops' own costs: the totals also hold start-up and
        // argument handling, which are not what is being measured.
        if plain.1 != tracked.1 {
            eprintln!("FAIL: with tracking compiled out, the tracked loop must cost exactly what the plain one does");
            std::process::exit(1);
        }
        println!("identical per construct+drop: tracking compiled out costs nothing");
    }
}
