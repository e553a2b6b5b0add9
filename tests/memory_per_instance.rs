//! Registry memory per live `Tracked` instance: at most 48 bytes beyond the
//! token itself. Measured with a counting global allocator, in a test binary
//! of its own so that nothing else allocates meanwhile.

use instrack::{track, Tracked};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering::Relaxed};

struct Counting;
static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards to `System`, only counting.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size() as isize, Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size() as isize, Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn a_live_instance_costs_at_most_48_bytes_of_registry_memory() {
    struct Item {
        _t: Tracked<Self>,
    }
    drop(Item { _t: track!() }); // the registry and this thread's locals exist
    const N: usize = 1_000_000;
    let mut items: Vec<Item> = Vec::with_capacity(N);
    let before = LIVE_BYTES.load(Relaxed);
    items.extend((0..N).map(|_| Item { _t: track!() }));
    let registry_bytes = LIVE_BYTES.load(Relaxed) - before;
    let per_instance = registry_bytes as f64 / N as f64;
    println!(
        "{N} live instances: {registry_bytes} bytes of registry memory, {per_instance:.1} per instance \
         (the token itself: {} bytes, in the user's struct)",
        std::mem::size_of::<Tracked<Item>>()
    );
    if instrack::ENABLED {
        assert!(per_instance <= 48.0, "{per_instance:.1} bytes per live instance");
        assert!(per_instance >= 8.0, "a record per instance must be somewhere: {per_instance:.1}");
    } else {
        assert_eq!(registry_bytes, 0);
    }
    drop(items);
}
