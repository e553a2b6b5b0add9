//! Issue 16, fault 2: a query's temporary reference is the last owner and
//! the value's `Drop` panics; afterwards a kept value at the same address
//! must still be a survivor. A binary of its own: the test needs the
//! allocator to hand the freed address out again, which only this thread
//! freeing it, with no other test's snapshot holding a weak reference to
//! it, makes dependable.

use instrack::track;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};

/// A value whose `Debug` drops its only other owner (so that the query's
/// temporary reference becomes the last one) and whose `Drop` panics when armed.
struct LastOwnerBomb {
    armed: bool,
}

static BOMB_OWNER: Mutex<Option<Arc<LastOwnerBomb>>> = Mutex::new(None);

impl std::fmt::Debug for LastOwnerBomb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.armed {
            drop(BOMB_OWNER.lock().unwrap_or_else(|e| e.into_inner()).take());
        }
        f.write_str("LastOwnerBomb")
    }
}

impl Drop for LastOwnerBomb {
    fn drop(&mut self) {
        if self.armed {
            panic!("LastOwnerBomb dropped");
        }
    }
}

/// Issue 16, fault 2: a query's temporary reference is the last owner and
/// the value's `Drop` panics. The ledger of temporaries must still forget
/// the temporary, or a later value at the same address is read as the
/// query's temporary, and a real survivor is missed.
#[test]
fn a_panicking_drop_of_a_querys_temporary_leaves_no_ghost_in_the_ledger() {
    let bomb = Arc::new(LastOwnerBomb { armed: true });
    track!(&bomb);
    let addr = Arc::as_ptr(&bomb) as usize;
    *BOMB_OWNER.lock().unwrap() = Some(bomb);
    let snap = instrack::snapshot().narrow("LastOwnerBomb");
    let formatted = catch_unwind(AssertUnwindSafe(|| snap.instances().next().map(|i| i.debug().map(str::to_owned))));
    if !instrack::ENABLED {
        assert!(matches!(formatted, Ok(None)));
        // Never formatted, so never dropped by a query: disarmed by forgetting it.
        std::mem::forget(BOMB_OWNER.lock().unwrap().take());
        return;
    }
    assert!(formatted.is_err(), "the temporary was the last owner: its Drop panics, and the query propagates it");
    assert!(BOMB_OWNER.lock().unwrap_or_else(|e| e.into_inner()).is_none());
    // The snapshot's weak reference, then the registry's (pruned by a query),
    // are all that keep the allocation: after them it is free for the next value.
    drop(snap);
    let _ = instrack::snapshot().narrow("LastOwnerBomb");

    let cp = instrack::checkpoint();
    let mut kept = Vec::new();
    let mut reused = false;
    for _ in 0..64 {
        let value = Arc::new(LastOwnerBomb { armed: false });
        track!(&value);
        reused |= Arc::as_ptr(&value) as usize == addr;
        kept.push(value);
        if reused {
            break;
        }
    }
    if !reused {
        // AddressSanitizer quarantines freed memory: nothing is allocated there again.
        assert!(std::env::var_os("ASAN_OPTIONS").is_some(), "the allocator never reused the freed address");
        return;
    }
    assert_eq!(cp.survivors().len(), kept.len(), "a kept value at the old address must be a survivor");
}
