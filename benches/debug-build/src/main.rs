//! `debug-build <plain|tracked> <n>`: n construct+drop of a struct, plain or
//! with a `Tracked<Self>` field; counted under callgrind by
//! `benches/instructions.rs`, which builds this crate in the dev profile.

#[path = "../../common/mod.rs"]
mod common;

#[path = "../../common/loops.rs"]
mod loops;

use loops::{plain_loop, tracked_loop};

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
