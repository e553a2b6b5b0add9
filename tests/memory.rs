//! Memory stays flat: dead weak entries are pruned, so a million short-lived
//! tracked `Arc`s do not leave a million allocations behind, and slots freed
//! by tokens are reused. Measured with a counting global allocator.

use instrack::{track, Tracked};
use std::sync::Arc;

mod common;

/// One test in this file, so no other test allocates while it measures.
#[test]
fn a_million_short_lived_values_leave_memory_flat() {
    #[derive(Debug)]
    struct Blob(#[allow(dead_code)] [u64; 8]);
    struct Token {
        _t: Tracked<Self>,
    }

    // Warm up: the registry, this thread's locals, the lists.
    for i in 0..1_000u64 {
        let a = Arc::new(Blob([i; 8]));
        track!(&a);
        drop(Token { _t: track!() });
    }
    let before = common::live_bytes();
    const N: u64 = 1_000_000;
    for i in 0..N {
        let a = Arc::new(Blob([i; 8]));
        track!(&a);
        drop(a);
        drop(Token { _t: track!() });
    }
    let grown = common::live_bytes() - before;
    let per_arc = std::mem::size_of::<Blob>() + 16; // value + the two counts
    println!("grew by {grown} bytes over {N} tracked Arcs (each {per_arc} bytes)");
    // Without pruning this would be N * per_arc = 80 MB; allow for the list
    // having doubled once since its last pruning, and the token slab.
    assert!(grown < 64 * 1024, "memory grew by {grown} bytes over {N} short-lived tracked values");
    let n = instrack::counts::<Blob>();
    if instrack::ENABLED {
        assert_eq!((n.live, n.total), (0, N + 1_000));
    }
}
