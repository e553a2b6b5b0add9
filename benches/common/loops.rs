//! The construct+drop loops both instruction counts run: `benches/instructions.rs`
//! (release) and `benches/debug-build` (the dev profile) include this file,
//! so the two builds count the same code.

use crate::common::{Marked, Plain};
use std::hint::black_box;

/// n construct+drop of the plain struct: the baseline.
#[inline(never)]
pub fn plain_loop(n: u64) {
    for i in 0..n {
        drop(black_box(Plain { id: black_box(i), name: "x" }));
    }
}

/// n construct+drop of the struct with a `Tracked<Self>` field.
#[inline(never)]
pub fn tracked_loop(n: u64) {
    for i in 0..n {
        drop(black_box(Marked { id: black_box(i), name: "x", _t: instrack::track!() }));
    }
}
