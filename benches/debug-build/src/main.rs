//! `debug-build <plain|tracked> <n>`: n construct+drop of a struct, plain or
//! with a `Tracked<Self>` field; counted under callgrind by
//! `benches/instructions.rs`, which builds this crate in the dev profile.

#[path = "../../common/mod.rs"]
mod common;

use common::{Marked, Plain};
use std::hint::black_box;

#[inline(never)]
fn plain_loop(n: u64) {
    for i in 0..n {
        drop(black_box(Plain { id: black_box(i), name: "x" }));
    }
}

#[inline(never)]
fn tracked_loop(n: u64) {
    for i in 0..n {
        drop(black_box(Marked { id: black_box(i), name: "x", _t: instrack::track!() }));
    }
}

fn main() {
    assert!(instrack::ENABLED, "a dev build has tracking on");
    let args: Vec<String> = std::env::args().collect();
    let n = args.get(2).and_then(|n| n.parse().ok()).expect("usage: debug-build <plain|tracked> <n>");
    match args[1].as_str() {
        "plain" => plain_loop(n),
        "tracked" => tracked_loop(n),
        other => panic!("unknown loop {other:?}"),
    }
}
