//! [`TypeEntry`]: the registry's record of one type, its counter cells, and
//! the counts and peak computed from them.
//!
//! **Invariant (entries are forever).** An entry is leaked when its type is
//! first registered and never freed, so `&'static TypeEntry` can be cached
//! in call sites and slots (see `registry.rs` for when a cache is trusted).
//!
//! **Invariant (cells outlive threads).** A type's cells form a push-only
//! linked list: a cell is linked before it is published with release
//! ordering and its `next` never changes. An exiting thread returns its cells
//! to the type's spare list, where the next thread continues their counts.
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

use super::counters::{sum_once, sum_until_stable, CounterCell};
use super::debug_text::DebugFn;
use super::stamp::Stamp;
use super::sync::{Acquire, AtomicI64, AtomicPtr, AtomicUsize, Relaxed, Release};
use super::weak_list::{with_rcs, ArcWeak, WeakList};
use crate::lock::lock;
use crate::shared::TraceFn;
use crate::snapshot::Counts;
use std::any::TypeId;
use std::sync::{Mutex, OnceLock};

/// The registry's record of one type. Leaked: lives for the whole process.
pub(crate) struct TypeEntry {
    pub(super) type_id: TypeId,
    pub(super) name: &'static str,
    pub(super) index: usize,
    /// Every cell of this type, ever: an append-only list.
    cells: AtomicPtr<CounterCell>,
    /// Cells of threads that have exited, for new threads to reuse.
    pub(super) spare_cells: Mutex<Vec<&'static CounterCell>>,
    /// The cell written while a thread's locals are being destroyed.
    pub(super) exiting: &'static CounterCell,
    /// Sum of every cell's `high`: an upper bound on `live` that moves rarely.
    pub(super) sum_high: AtomicI64,
    pub(super) peak: AtomicUsize,
    /// Entries in this type's `Arc` lists, dead ones included.
    pub(super) arc_entries: AtomicUsize,
    /// The bound on `live` past which a shared registration rescans.
    pub(super) rescan_at: AtomicUsize,
    /// How to print a shared instance; set by its first registration.
    pub(super) debug: OnceLock<DebugFn>,
    /// How to trace a shared instance, for types that implement `Trace`.
    pub(super) trace: OnceLock<TraceFn>,
    /// The size of one shared value (`size_of_val` at registration), for
    /// the bytes-held estimate; 0 until one is registered.
    pub(super) value_size: AtomicUsize,
}

impl TypeEntry {
    pub(super) fn leak(type_id: TypeId, name: &'static str, index: usize) -> &'static TypeEntry {
        let exiting = CounterCell::leak();
        Box::leak(Box::new(TypeEntry {
            type_id,
            name,
            index,
            cells: AtomicPtr::new(exiting as *const CounterCell as *mut CounterCell),
            spare_cells: Mutex::new(Vec::new()),
            exiting,
            sum_high: AtomicI64::new(0),
            peak: AtomicUsize::new(0),
            arc_entries: AtomicUsize::new(0),
            rescan_at: AtomicUsize::new(0),
            debug: OnceLock::new(),
            trace: OnceLock::new(),
            value_size: AtomicUsize::new(0),
        }))
    }

    pub(super) fn cells(&self) -> impl Iterator<Item = &'static CounterCell> {
        let head = self.cells.load(Acquire);
        // SAFETY: cells are leaked and linked before being published with
        // `Release`; `next` never changes after that.
        std::iter::successors(unsafe { head.as_ref() }, |c| unsafe { c.next.load(Acquire).as_ref() })
    }

    /// A new or spare cell for a thread that has none for this type yet.
    #[cold]
    #[inline(never)]
    pub(super) fn acquire_cell(&'static self) -> &'static CounterCell {
        if let Some(cell) = lock(&self.spare_cells).pop() {
            return cell;
        }
        let cell = CounterCell::leak();
        let mut head = self.cells.load(Relaxed);
        loop {
            cell.next.store(head, Relaxed);
            match self.cells.compare_exchange_weak(
                head,
                cell as *const CounterCell as *mut CounterCell,
                Release,
                Relaxed,
            ) {
                Ok(_) => return cell,
                Err(now) => head = now,
            }
        }
    }

    /// Counts a construction in `cell`, which the caller is the writer of,
    /// and keeps `peak` up to date.
    #[inline(always)]
    pub(super) fn note_created(&self, cell: &CounterCell) {
        let created = CounterCell::bump(&cell.created);
        let here = created.wrapping_sub(cell.dropped.load(Relaxed)) as i64;
        let high = cell.high.load(Relaxed);
        if here > high {
            return self.note_high(cell, here, high);
        }
        // `live <= here + (sum of the other cells' highs)`. Only when that
        // bound passes the peak can this construction have set a new peak.
        if here - high + self.sum_high.load(Relaxed) > self.peak.load(Relaxed) as i64 {
            self.observe_peak();
        }
    }

    /// A construction that lifted its cell's high (`here > high`): the
    /// bound on `live` is then the new sum of highs.
    #[cold]
    #[inline(never)]
    fn note_high(&self, cell: &CounterCell, here: i64, high: i64) {
        cell.high.store(here, Relaxed);
        let bound = self.sum_high.fetch_add(here - high, Relaxed) + (here - high);
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
    #[inline(always)]
    pub(super) fn note_shared(&self, grown: isize, own_rcs: usize) {
        if grown == 0 && own_rcs == 0 {
            return;
        }
        self.note_shared_growth(grown, own_rcs);
    }

    #[inline(never)]
    fn note_shared_growth(&self, grown: isize, own_rcs: usize) {
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
        let rcs = with_rcs(self.index, |l| l.prune()).unwrap_or(0);
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
    pub(super) fn shared_counts(&self) -> (u64, usize) {
        self.cells().fold((0, 0), |(registered, live), cell| {
            let mut list = cell.arcs.lock();
            let alive = self.prune_arcs(&mut list);
            (registered + cell.shared.load(Acquire), live + alive)
        })
    }

    /// Copies of the weak references to the live `Arc` instances `wanted`
    /// keeps, oldest first in each list; each list pruned and copied under
    /// its lock, to be upgraded (or only checked) after.
    pub(super) fn live_arcs(&self, wanted: &dyn Fn(&Stamp) -> bool) -> Vec<(Stamp, ArcWeak)> {
        let mut arcs = Vec::new();
        for cell in self.cells() {
            let mut list = cell.arcs.lock();
            self.prune_arcs(&mut list);
            arcs.extend(list.live_weaks(wanted));
        }
        arcs
    }

    /// Counts that existed: tokens at one moment (the cells' counters only
    /// grow, so two equal passes in a row mean nothing changed between
    /// them), and each cell's shared values read with their count.
    pub(super) fn counts(&self) -> Counts {
        let (created, dropped) = sum_until_stable(|| self.cells());
        let tokens = (created.wrapping_sub(dropped) as i64).max(0) as usize;
        let (shared, arcs) = self.shared_counts();
        let live = tokens + arcs + with_rcs(self.index, |l| l.live()).unwrap_or(0);
        let peak = self.peak.fetch_max(live, Relaxed).max(live);
        Counts { live, total: created + shared, peak }
    }
}

#[cfg(test)]
mod tests {
    use super::super::sync::{model, thread};
    use super::{CounterCell, TypeEntry};
    use std::any::TypeId;

    /// Two threads add a cell each to a type's list while a third walks it:
    /// the walk reaches the exiting cell (the list's first) through whatever
    /// was pushed since, and meets no cell twice; at the end, all three are
    /// linked.
    ///
    /// Fails when the protocol is weakened: a cell linked (`next` set) after
    /// it is published stops the walk short; one published with a relaxed
    /// compare-and-swap is reached before its contents are visible.
    #[test]
    fn a_walk_of_the_cells_meets_each_once_while_threads_add_theirs() {
        model(|| {
            let ty: &'static TypeEntry = TypeEntry::leak(TypeId::of::<u8>(), "u8", 0);
            let addr = |c: &CounterCell| c as *const CounterCell as usize;
            let adders: Vec<_> = (0..2).map(|_| thread::spawn(move || addr(ty.acquire_cell()))).collect();
            // Loom explores a reader best on a thread of its own.
            let walk = thread::spawn(move || {
                let seen: Vec<usize> = ty.cells().map(addr).collect();
                assert_eq!(seen.last().copied(), Some(addr(ty.exiting)), "the walk stopped short");
                let mut unique = seen.clone();
                unique.sort_unstable();
                unique.dedup();
                assert_eq!(unique.len(), seen.len(), "a cell met twice");
            });
            walk.join().unwrap();
            let added: Vec<usize> = adders.into_iter().map(|a| a.join().unwrap()).collect();
            assert_eq!(ty.cells().count(), 3);
            assert!(added.iter().all(|&a| ty.cells().any(|c| addr(c) == a)));
        });
    }
}
