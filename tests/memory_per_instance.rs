//! Registry memory per live `Tracked` instance: at most 48 bytes beyond the
//! token itself, and one word more with the feature `tokio` (the task). Measured with a counting global allocator, in a test binary
//! of its own so that nothing else allocates meanwhile.

use instrack::{track, Tracked};

mod common;

#[test]
fn a_live_instance_costs_at_most_48_bytes_of_registry_memory() {
    struct Item {
        _t: Tracked<Self>,
    }
    drop(Item { _t: track!() }); // the registry and this thread's locals exist
    const N: usize = 1_000_000;
    let mut items: Vec<Item> = Vec::with_capacity(N);
    let before = common::live_bytes();
    items.extend((0..N).map(|_| Item { _t: track!() }));
    let registry_bytes = common::live_bytes() - before;
    let per_instance = registry_bytes as f64 / N as f64;
    println!(
        "{N} live instances: {registry_bytes} bytes of registry memory, {per_instance:.1} per instance \
         (the token itself: {} bytes, in the user's struct)",
        std::mem::size_of::<Tracked<Item>>()
    );
    if instrack::ENABLED {
        let limit = if cfg!(feature = "tokio") { 56.0 } else { 48.0 };
        assert!(per_instance <= limit, "{per_instance:.1} bytes per live instance, over {limit}");
        assert!(per_instance >= 8.0, "a record per instance must be somewhere: {per_instance:.1}");
    } else {
        assert_eq!(registry_bytes, 0);
    }
    drop(items);
}
