//! A global allocator that counts the bytes currently allocated, for the
//! memory tests. Each test binary that includes this module measures with it;
//! keep one test per such binary, so nothing else allocates meanwhile.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering::Relaxed};

struct Counting;
static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);
static ALLOCATED_BYTES: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards to `System`, only counting.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size() as isize, Relaxed);
        ALLOCATED_BYTES.fetch_add(layout.size() as isize, Relaxed);
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

/// Bytes allocated and not yet freed, by the whole test binary.
pub fn live_bytes() -> isize {
    LIVE_BYTES.load(Relaxed)
}

/// Bytes allocated by the whole test binary since it started, freed or not.
#[allow(dead_code)] // not every binary that counts needs it
pub fn allocated_bytes() -> isize {
    ALLOCATED_BYTES.load(Relaxed)
}
