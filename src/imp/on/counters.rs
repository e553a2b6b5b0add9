//! Per-thread counter cells, their two-pass sums, and the peak.
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
//!
//! **Peak.** Each cell keeps its highest `created − dropped`; the type keeps
//! the sum of these, an upper bound on live tokens that moves only at new
//! highs. A construction sums the cells only when that bound passes the
//! recorded peak. Shared values die without telling us, so their bound is
//! the length of their lists (dead entries included), kept in
//! `TypeEntry::arc_entries`: a registration that lifts the bound past the
//! peak (and past `rescan_at`) prunes the lists and records the exact count.
//! `rescan_at` is the exact count plus 1/16, so that a type whose values pile
//! up rescans at geometric steps (O(1) amortized); below 16 live values every
//! registration that may set a peak rescans, and a query records its `live`.

use super::registry::TypeEntry;
use super::spin_lock::SpinLock;
use super::sync::{yield_now, Acquire, AtomicI64, AtomicPtr, AtomicU64, Relaxed, Release};
use super::weak_list::{with_rcs, ArcWeak, WeakList};
use crate::snapshot::Counts;

/// One thread's counters for one type; see the module docs. Padded so two
/// threads' cells never share a line.
#[repr(align(128))]
pub(super) struct CounterCell {
    pub(super) created: AtomicU64,
    pub(super) dropped: AtomicU64,
    /// The largest `created - dropped` this cell has seen.
    high: AtomicI64,
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

    /// `counter += 1` by the cell's single writer: a plain load and store.
    #[inline]
    pub(super) fn bump(counter: &AtomicU64) -> u64 {
        let n = counter.load(Relaxed) + 1;
        counter.store(n, Release);
        n
    }
}

/// One pass over `cells`: (created, dropped).
fn sum_once<'a>(cells: impl Iterator<Item = &'a CounterCell>) -> (u64, u64) {
    cells.fold((0, 0), |(c, d), cell| (c + cell.created.load(Acquire), d + cell.dropped.load(Acquire)))
}

/// Passes over the cells until two in a row agree: the counters only grow,
/// so nothing changed between those passes, and the sums held at one moment.
fn sum_until_stable<'a, I: Iterator<Item = &'a CounterCell>>(cells: impl Fn() -> I) -> (u64, u64) {
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

impl TypeEntry {
    /// Counts a construction in `cell`, which the caller is the writer of,
    /// and keeps `peak` up to date.
    #[inline]
    pub(super) fn note_created(&self, cell: &CounterCell) {
        let created = CounterCell::bump(&cell.created);
        let here = created.wrapping_sub(cell.dropped.load(Relaxed)) as i64;
        let high = cell.high.load(Relaxed);
        if here > high {
            cell.high.store(here, Relaxed);
            self.sum_high.fetch_add(here - high, Relaxed);
        }
        // `live <= here + (sum of the other cells' highs)`. Only when that
        // bound passes the peak can this construction have set a new peak.
        let bound = here - here.max(high) + self.sum_high.load(Relaxed);
        if bound > self.peak.load(Relaxed) as i64 {
            self.observe_peak();
        }
    }

    /// After a shared registration that changed the `Arc` lists' length by
    /// `grown` (`own_rcs`: the length of this thread's `Rc` list, if it grew):
    /// records the peak when the upper bound on `live` may pass it.
    ///
    /// An `Arc` registration that replaced a dead entry in place (`grown ==
    /// 0`, `own_rcs == 0`: values that come and go) leaves the bound as the
    /// last check saw it, and returns at once.
    #[inline]
    pub(super) fn note_shared(&self, grown: isize, own_rcs: usize) {
        if grown == 0 && own_rcs == 0 {
            return;
        }
        let arcs = match grown {
            0 => self.arc_entries.load(Relaxed),
            _ => self.arc_entries.fetch_add(grown as usize, Relaxed).wrapping_add(grown as usize),
        };
        let bound = (self.sum_high.load(Relaxed).max(0) as usize).saturating_add(arcs).saturating_add(own_rcs);
        if bound > self.peak.load(Relaxed).max(self.rescan_at.load(Relaxed)) {
            self.observe_peak();
        }
    }

    /// Records `live` now (tokens, `Arc`s, this thread's `Rc`s) as a peak
    /// candidate, pruning the shared lists on the way (see the module docs).
    #[cold]
    #[inline(never)]
    pub(crate) fn observe_peak(&self) {
        let (created, dropped) = self.collect();
        let tokens = (created.wrapping_sub(dropped) as i64).max(0) as usize;
        let mut arcs = 0;
        for cell in self.cells() {
            arcs += self.prune_arcs(&mut cell.arcs.lock());
        }
        let rcs = with_rcs(self, |l| l.prune()).unwrap_or(0);
        let live = tokens + arcs + rcs;
        self.peak.fetch_max(live, Relaxed);
        self.rescan_at.store(live + live / 16, Relaxed);
    }

    /// Prunes one of this type's `Arc` lists (its lock held by the caller),
    /// keeping `arc_entries` exact. Returns how many entries are alive.
    pub(super) fn prune_arcs(&self, list: &mut WeakList<ArcWeak>) -> usize {
        let before = list.len();
        let alive = list.prune();
        self.arc_entries.fetch_sub(before - alive, Relaxed);
        alive
    }

    /// Sums the cells' token counters once: (created, dropped).
    fn collect(&self) -> (u64, u64) {
        sum_once(self.cells())
    }

    /// (shared registrations, live `Arc`s), each cell's pair read at one
    /// moment, under its list's lock. Prunes the lists on the way (see
    /// `weak_list`: how an idle thread's dead entries go).
    fn shared_counts(&self) -> (u64, usize) {
        self.cells().fold((0, 0), |(registered, live), cell| {
            let mut list = cell.arcs.lock();
            let alive = self.prune_arcs(&mut list);
            (registered + cell.shared.load(Acquire), live + alive)
        })
    }

    /// Counts that existed: tokens at one moment (the cells' counters only
    /// grow, so two equal passes in a row mean nothing changed between
    /// them), and each cell's shared values read with their count.
    pub(super) fn counts(&self) -> Counts {
        let (created, dropped) = sum_until_stable(|| self.cells());
        let tokens = (created.wrapping_sub(dropped) as i64).max(0) as usize;
        let (shared, arcs) = self.shared_counts();
        let live = tokens + arcs + with_rcs(self, |l| l.live()).unwrap_or(0);
        let peak = self.peak.fetch_max(live, Relaxed).max(live);
        Counts { live, total: created + shared, peak }
    }
}

#[cfg(test)]
mod tests {
    use super::super::registry::TypeEntry;
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
                    slot.fill(7, entry, &SITE, 1, 70);
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
