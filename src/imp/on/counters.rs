//! Per-thread counter cells and their two-pass sums (what `entry.rs` turns
//! into counts and a peak).
//!
//! **Invariant (one writer per cell).** A [`CounterCell`] is written only by
//! the thread whose state holds it (or, once a thread's locals are gone, by
//! whoever holds the registry's `exiting` mutex, for a type's exiting cell),
//! so `+= 1` is a plain load and store. Counters only grow, so a reader sums
//! the cells until two passes agree: nothing changed between them, and the
//! sum is the state at one moment. `live = Σ created − Σ dropped`.
//!
//! **Consistent shared counts.** A shared registration is counted in its
//! cell's `shared` before it is listed, and a query reads a cell's `shared`
//! and its `Arc` list together under the list's lock, so the `live` it sums
//! never exceeds the `total`: each `Counts` is a state that existed.

use super::spin_lock::SpinLock;
use super::sync::{yield_now, Acquire, AtomicI64, AtomicPtr, AtomicU64, Relaxed, Release};
use super::weak_list::{ArcWeak, WeakEntry, WeakList};

/// One thread's counters for one type; see the module docs. Padded so two
/// threads' cells never share a line.
#[repr(align(128))]
pub(super) struct CounterCell {
    pub(super) created: AtomicU64,
    pub(super) dropped: AtomicU64,
    /// The largest `created - dropped` this cell has seen.
    pub(super) high: AtomicI64,
    /// `Arc`/`Rc` registrations made by this cell's writers.
    pub(super) shared: AtomicU64,
    /// `Arc` instances registered by this cell's writers. Locked by the
    /// writer to add, and by queries to read; never held while user code runs.
    pub(super) arcs: SpinLock<WeakList<ArcWeak>>,
    /// The next cell of the same type: see `TypeEntry::cells`.
    pub(super) next: AtomicPtr<CounterCell>,
}

impl CounterCell {
    fn new() -> CounterCell {
        CounterCell {
            created: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            high: AtomicI64::new(0),
            shared: AtomicU64::new(0),
            arcs: SpinLock::new(WeakList::new()),
            next: AtomicPtr::new(std::ptr::null_mut()),
        }
    }

    pub(super) fn leak() -> &'static CounterCell {
        Box::leak(Box::new(CounterCell::new()))
    }

    /// Counts and lists a new `Arc` instance, by the cell's single writer:
    /// counted before it is listed, so that a query reading the list and
    /// the count under the list's lock never sees more live than total.
    /// Returns by how much the list's length changed. Always inlined: the
    /// entry stays in registers (see the `instructions` bench's budget).
    #[inline(always)]
    pub(super) fn list_arc(&self, entry: WeakEntry<ArcWeak>) -> isize {
        CounterCell::bump(&self.shared);
        self.arcs.lock().push(entry)
    }

    /// `counter += 1` by the cell's single writer: a plain load and store.
    #[inline]
    pub(super) fn bump(counter: &AtomicU64) -> u64 {
        let n = counter.load(Relaxed) + 1;
        counter.store(n, Release);
        n
    }
}

/// One pass over `cells`: (created, dropped).
pub(super) fn sum_once<'a>(cells: impl Iterator<Item = &'a CounterCell>) -> (u64, u64) {
    cells.fold((0, 0), |(c, d), cell| (c + cell.created.load(Acquire), d + cell.dropped.load(Acquire)))
}

/// Passes over the cells until two in a row agree: the counters only grow,
/// so nothing changed between those passes, and the sums held at one moment.
pub(super) fn sum_until_stable<'a, I: Iterator<Item = &'a CounterCell>>(cells: impl Fn() -> I) -> (u64, u64) {
    let mut last = sum_once(cells());
    for _ in 0..1000 {
        let again = sum_once(cells());
        if again == last {
            break;
        }
        last = again;
        yield_now();
    }
    last
}

#[cfg(test)]
mod tests {
    use super::super::entry::TypeEntry;
    use super::super::slot::Slot;
    use super::super::sync::{model, thread, Acquire, AtomicBool, Release};
    use super::{sum_until_stable, CounterCell};
    use crate::site::Site;
    use std::any::TypeId;
    use std::sync::Arc;

    static SITE: Site = Site::new("m", "made.rs", 1, 1);

    /// The drop of an instance on another thread than its creator: the maker
    /// fills the slot and counts the construction in its cell, then hands the
    /// instance over; the dropper clears the slot and counts the drop in its
    /// own cell. A reader meanwhile sums both cells in passes (never dropped >
    /// created) and reads the slot (nothing, or the whole record).
    #[test]
    fn an_instance_dropped_on_another_thread_is_counted_once_and_never_early() {
        model(|| {
            let entry: &'static TypeEntry = TypeEntry::leak(TypeId::of::<u8>(), "u8", 0);
            let (maker, dropper) = (Arc::new(CounterCell::new()), Arc::new(CounterCell::new()));
            let slot = Arc::new(Slot::vacant());
            let handed = Arc::new(AtomicBool::new(false));
            let make = {
                let (handed, maker, slot) = (Arc::clone(&handed), Arc::clone(&maker), Arc::clone(&slot));
                thread::spawn(move || {
                    slot.fill(7, entry, &SITE, 1, super::super::stamp::Moment::at(70));
                    CounterCell::bump(&maker.created);
                    handed.store(true, Release);
                })
            };
            // The drop happens only once the instance was handed over: in the
            // interleavings where the hand-off is not seen yet, it is not dropped.
            let drop = {
                let (handed, dropper, slot) = (Arc::clone(&handed), Arc::clone(&dropper), Arc::clone(&slot));
                thread::spawn(move || {
                    if handed.load(Acquire) {
                        assert_eq!(slot.id(), 7, "the slot the dropper got is filled");
                        slot.clear();
                        CounterCell::bump(&dropper.dropped);
                    }
                })
            };
            // Loom explores a reader best on a thread of its own.
            let read = {
                let (maker, dropper, slot) = (Arc::clone(&maker), Arc::clone(&dropper), Arc::clone(&slot));
                thread::spawn(move || {
                    if let Some(r) = slot.read() {
                        assert_eq!((r.id, r.created, r.thread), (7, 70, 1));
                    }
                    let (created, dropped) = sum_until_stable(|| [&*maker, &*dropper].into_iter());
                    assert!(dropped <= created, "{dropped} dropped > {created} created");
                })
            };
            read.join().unwrap();
            make.join().unwrap();
            drop.join().unwrap();
            let (created, dropped) = sum_until_stable(|| [&*maker, &*dropper].into_iter());
            assert!(created == 1 && dropped <= 1);
            assert_eq!(slot.read().is_none(), dropped == 1);
        });
    }
}
