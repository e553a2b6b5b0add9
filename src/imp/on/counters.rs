//! Per-thread counter cells, their two-pass sums, and the peak.
//!
//! **Invariant (one writer per cell).** A [`CounterCell`] is written only by
//! the thread whose state holds it (or, once a thread's locals are gone, by
//! whoever holds the registry's `exiting` mutex, for a type's exiting cell),
//! so `+= 1` is a plain load and store. Counters only grow, so a reader sums
//! the cells until two passes agree: nothing changed between them, and the
//! sum is the state at one moment. `live = Σ created − Σ dropped`.
//!
//! **Peak.** Each cell keeps its highest `created − dropped`; the type keeps
//! the sum of these, an upper bound on `live` that moves only at new highs. A
//! construction sums the cells only when that bound passes the recorded peak.

use super::registry::TypeEntry;
use super::spin_lock::SpinLock;
use super::sync::{Acquire, AtomicI64, AtomicPtr, AtomicU64, Relaxed, Release};
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
    pub(super) fn leak() -> &'static CounterCell {
        Box::leak(Box::new(CounterCell {
            created: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            high: AtomicI64::new(0),
            shared: AtomicU64::new(0),
            arcs: SpinLock::new(WeakList::new()),
            next: AtomicPtr::new(std::ptr::null_mut()),
        }))
    }

    /// `counter += 1` by the cell's single writer: a plain load and store.
    #[inline]
    pub(super) fn bump(counter: &AtomicU64) -> u64 {
        let n = counter.load(Relaxed) + 1;
        counter.store(n, Release);
        n
    }
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

    /// Records `live` now (tokens and `Arc`s) as a peak candidate: after a
    /// construction that may have set a new peak, or a pruning pass.
    #[cold]
    #[inline(never)]
    pub(crate) fn observe_peak(&self) {
        let (created, dropped, _) = self.collect();
        let tokens = (created.wrapping_sub(dropped) as i64).max(0) as usize;
        self.peak.fetch_max(tokens + self.live_arcs(), Relaxed);
    }

    /// Sums the cells once: (tokens created, tokens dropped, shared registrations).
    fn collect(&self) -> (u64, u64, u64) {
        self.cells().fold((0, 0, 0), |(c, d, s), cell| {
            (c + cell.created.load(Acquire), d + cell.dropped.load(Acquire), s + cell.shared.load(Acquire))
        })
    }

    /// Live `Arc` instances, over every cell's list, locking one at a time.
    fn live_arcs(&self) -> usize {
        self.cells().map(|cell| cell.arcs.lock().live()).sum()
    }

    /// Exact counts at one moment: the cells' counters only grow, so two
    /// equal passes in a row mean nothing changed between them.
    pub(super) fn counts(&self) -> Counts {
        let mut last = self.collect();
        for _ in 0..1000 {
            let again = self.collect();
            if again == last {
                break;
            }
            last = again;
            std::thread::yield_now();
        }
        let (created, dropped, shared) = last;
        let tokens = (created.wrapping_sub(dropped) as i64).max(0) as usize;
        let live = tokens + self.live_arcs() + with_rcs(self, |l| l.live()).unwrap_or(0);
        let peak = self.peak.fetch_max(live, Relaxed).max(live);
        Counts { live, total: created + shared, peak }
    }
}
