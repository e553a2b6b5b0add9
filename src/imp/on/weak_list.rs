//! Instances shared through `Arc` or `Rc`, held by weak reference.
//!
//! `Arc` instances live in one list per counter cell (so per thread and
//! type), behind the cell's spinlock; `Rc` instances cannot leave their
//! thread, so each thread keeps its own lists, indexed by the type's dense
//! index.
//!
//! **Invariant (one entry per value, read under the lock).** An `Arc` list
//! changes only under its lock: pushed to by the cell's writer, pruned by
//! that writer and by queries. A query prunes and copies a list under one
//! guard, so it sees each live entry exactly once, and none that died before
//! it took the lock (model check at the bottom).
//!
//! **Invariant (dead entries go).** A list prunes its dead entries whenever
//! it has doubled since the last pruning: amortized O(1) per registration,
//! and a dead `Weak` (which keeps its allocation) lives at most that long. A
//! dead last entry is replaced in place by the next push.
//!
//! A thread that registers and then stays idle never pushes again, so its
//! `Arc` list is pruned by readers instead: every query that reads the type's
//! lists (`counts`, and so periodic sampling, `snapshot`, reports, leak
//! checks, cycle finding) and every peak recount prunes each list it reads,
//! under that list's lock. An idle thread's `Rc` lists can be read only by
//! that thread, and are pruned when it queries or registers again.

use super::stamp::Stamp;
use std::any::Any;
use std::cell::RefCell;
use std::rc::{self, Rc};
use std::sync::{self as sync, Arc};

/// A weak reference of either kind, type-erased.
pub(super) trait WeakRef: Clone {
    type Strong;
    fn alive(&self) -> bool;
    /// The address of the value, as `Edges` reports it.
    fn addr(&self) -> *const ();
    fn upgrade(&self) -> Option<Self::Strong>;
}

pub(super) type ArcWeak = sync::Weak<dyn Any + Send + Sync>;
pub(super) type RcWeak = rc::Weak<dyn Any>;

impl WeakRef for ArcWeak {
    type Strong = Arc<dyn Any + Send + Sync>;
    fn alive(&self) -> bool {
        self.strong_count() > 0
    }
    fn addr(&self) -> *const () {
        self.as_ptr() as *const ()
    }
    fn upgrade(&self) -> Option<Self::Strong> {
        sync::Weak::upgrade(self)
    }
}

impl WeakRef for RcWeak {
    type Strong = Rc<dyn Any>;
    fn alive(&self) -> bool {
        self.strong_count() > 0
    }
    fn addr(&self) -> *const () {
        self.as_ptr() as *const ()
    }
    fn upgrade(&self) -> Option<Self::Strong> {
        rc::Weak::upgrade(self)
    }
}

/// One registered shared instance: its stamp and a weak reference to it.
pub(super) struct WeakEntry<W> {
    pub(super) stamp: Stamp,
    pub(super) weak: W,
}

pub(super) struct WeakList<W> {
    entries: Vec<WeakEntry<W>>,
    prune_at: usize,
}

impl<W: WeakRef> WeakList<W> {
    pub(super) const fn new() -> Self {
        WeakList { entries: Vec::new(), prune_at: 64 }
    }

    /// A list that first prunes at `first` entries instead of 64: for a
    /// model check to reach the pruning with a few entries.
    #[cfg(test)]
    const fn pruning_from(first: usize) -> Self {
        WeakList { entries: Vec::new(), prune_at: first }
    }

    /// Adds an entry; prunes first if the list has doubled since the last
    /// pruning. Returns by how much the list's length changed.
    #[inline(always)]
    pub(super) fn push(&mut self, entry: WeakEntry<W>) -> isize {
        // A value that lived and died since the last registration takes its
        // place: its allocation is freed now, while the allocator can still
        // reuse it, instead of at the next pruning.
        if let Some(last) = self.entries.last_mut() {
            if !last.weak.alive() {
                // Written first, dropped after: the new entry stays in registers.
                drop(std::mem::replace(last, entry));
                return 0;
            }
        }
        let before = self.entries.len();
        if before >= self.prune_at || before == self.entries.capacity() {
            return self.push_cold(entry);
        }
        self.entries.push(entry);
        1
    }

    /// [`push`](Self::push) when the list must prune or grow first.
    #[cold]
    #[inline(never)]
    fn push_cold(&mut self, entry: WeakEntry<W>) -> isize {
        let before = self.entries.len();
        if before >= self.prune_at {
            self.prune();
        }
        self.entries.push(entry);
        self.entries.len() as isize - before as isize
    }

    /// Entries, dead ones included: an upper bound on the live ones.
    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Drops the dead entries (their `Weak`s free allocations whose values
    /// are already dropped: no user code runs). Returns how many are alive.
    pub(super) fn prune(&mut self) -> usize {
        self.entries.retain(|h| h.weak.alive());
        self.prune_at = (2 * self.entries.len()).max(64);
        self.entries.len()
    }

    /// The weak reference of the live entry with this id, in a thread's `Rc`
    /// list: a binary search, since such a list is in id order (a thread's ids
    /// only grow; a push appends or replaces the last entry; pruning keeps
    /// the order), so that formatting each of 100k cycle members stays linear.
    pub(super) fn weak_of(&self, id: u64) -> Option<W> {
        let at = self.entries.partition_point(|h| h.stamp.id < id);
        self.entries.get(at).filter(|h| h.stamp.id == id && h.weak.alive()).map(|h| h.weak.clone())
    }

    /// Whether a live entry refers to the value at `addr`.
    pub(super) fn holds(&self, addr: *const ()) -> bool {
        self.entries.iter().any(|h| h.weak.alive() && std::ptr::eq(h.weak.addr(), addr))
    }

    /// The thread index in each live entry's stamp.
    pub(super) fn live_threads(&self) -> impl Iterator<Item = u32> + '_ {
        self.entries.iter().filter(|h| h.weak.alive()).map(|h| h.stamp.thread)
    }

    pub(super) fn live(&self) -> usize {
        self.entries.iter().filter(|h| h.weak.alive()).count()
    }

    /// Strong references to the live entries, oldest first. The caller must
    /// release the list's lock before dropping them.
    pub(super) fn upgrade_all(&self, wanted: &dyn Fn(&Stamp) -> bool) -> Vec<(Stamp, W::Strong)> {
        self.entries.iter().filter(|h| wanted(&h.stamp)).filter_map(|h| Some((h.stamp, h.weak.upgrade()?))).collect()
    }

    /// Copies of the weak references to the live entries `wanted` keeps:
    /// what a query takes under the lock, to upgrade (or only to check) later.
    pub(super) fn live_weaks(&self, wanted: &dyn Fn(&Stamp) -> bool) -> Vec<(Stamp, W)> {
        self.entries.iter().filter(|h| h.weak.alive() && wanted(&h.stamp)).map(|h| (h.stamp, h.weak.clone())).collect()
    }
}

thread_local! {
    /// This thread's `Rc` lists, by `TypeEntry::index`.
    static RCS: RefCell<Vec<WeakList<RcWeak>>> = const { RefCell::new(Vec::new()) };
}

/// Lists `held` in this thread's `Rc` list for the type of dense index
/// `index`; returns the list's length. `None` while this thread's locals are
/// being destroyed: its `Rc`s cannot be listed any more.
///
/// `#[inline]`: its one caller, `share::register_rc`, is the `track!(&rc)`
/// hot path, and LLVM's choice without the hint changed with unrelated
/// edits there (16 instructions per registration, see `benches/instructions.rs`).
#[inline]
pub(super) fn list_rc(index: usize, held: WeakEntry<RcWeak>) -> Option<usize> {
    let listed = RCS.try_with(|lists| {
        let mut lists = lists.try_borrow_mut().ok()?;
        if lists.len() <= index {
            lists.resize_with(index + 1, WeakList::new);
        }
        let list = &mut lists[index];
        list.push(held);
        Some(list.len())
    });
    listed.ok().flatten()
}

/// Runs `f` on this thread's `Rc` list for the type of dense index `index`
/// (`TypeEntry::index`), if it has one.
pub(super) fn with_rcs<R>(index: usize, f: impl FnOnce(&mut WeakList<RcWeak>) -> R) -> Option<R> {
    RCS.try_with(|lists| lists.try_borrow_mut().ok()?.get_mut(index).map(f)).ok().flatten()
}

/// Unit tests of a list alone, then the model check of its protocol on the
/// real registration and query paths: the values are std `Arc`s (loom's
/// `Arc` has no `Weak`), whose strong counts loom does not see; what it
/// explores is the cell's counter and the list's lock, which the protocol is
/// made of.
#[cfg(test)]
mod tests {
    use super::super::entry::TypeEntry;
    use super::super::stamp::{Moment, Stamp};
    use super::super::sync::{model, thread, Acquire, AtomicU32, Release};
    use super::{ArcWeak, WeakEntry, WeakList};
    use crate::site::Site;
    use std::any::TypeId;
    use std::sync::Arc;

    static SITE: Site = Site::new("m", "w.rs", 1, 1);

    fn entry(id: u64, value: &Arc<u64>) -> WeakEntry<ArcWeak> {
        let weak: ArcWeak = Arc::downgrade(value) as std::sync::Weak<u64> as ArcWeak;
        WeakEntry { stamp: Stamp::new(id, &SITE, 1, Moment::at(id)), weak }
    }

    #[test]
    fn a_dead_last_entry_is_replaced_in_place_and_frees_its_allocation() {
        let mut list = WeakList::new();
        let first = Arc::new(1);
        assert_eq!(list.push(entry(1, &first)), 1);
        let watch = Arc::downgrade(&first);
        drop(first);
        let second = Arc::new(2);
        assert_eq!(list.push(entry(2, &second)), 0, "replaced, not grown");
        assert_eq!(watch.weak_count(), 0, "the dead value's allocation is no longer held");
        assert_eq!((list.len(), list.live()), (1, 1));
    }

    #[test]
    fn a_list_prunes_its_dead_entries_when_it_has_doubled() {
        let mut list = WeakList::new();
        let mut values: Vec<Arc<u64>> = (0..64).map(Arc::new).collect();
        for (i, v) in values.iter().enumerate() {
            list.push(entry(i as u64, v));
        }
        let first = values.remove(0);
        drop(values); // 63 die, the last entry among them
        let newcomer = Arc::new(99);
        assert_eq!(list.push(entry(99, &newcomer)), 0, "the dead last entry is replaced");
        let another = Arc::new(100);
        // 64 entries reach the pruning point: 62 dead ones go, this one is added.
        assert_eq!(list.push(entry(100, &another)), 3 - 64);
        assert_eq!((list.len(), list.live()), (3, 3), "0, 99 and 100");
        drop(first);
        assert_eq!((list.prune(), list.len()), (2, 2));
    }

    /// The owner registers #1 and #2, lets #1 die, registers #3 (the list
    /// has doubled: #1 is pruned), lets #3 die and registers #4 (it takes
    /// #3's place), while a query reads the type's shared counts and copies
    /// its live entries, each under the list's lock, pruning as it goes.
    /// The query sees each entry at most once, every entry listed before it
    /// began that stays alive (#2, #4), none that had died before it began,
    /// and never more live than registered.
    ///
    /// Fails when the protocol is weakened: an entry listed before it is
    /// counted, or a query that reads a cell's count before taking its
    /// list's lock, shows more live than registered; a lock whose acquire
    /// is relaxed lets the query read the list without seeing the push.
    #[test]
    fn a_query_sees_each_live_entry_once_while_the_owner_pushes_and_prunes() {
        model(|| {
            let ty: &'static TypeEntry = TypeEntry::leak(TypeId::of::<u64>(), "u64", 0);
            let cell = ty.exiting; // the type's one cell
            *cell.arcs.lock() = WeakList::pruning_from(2);
            // Bit `id` set once #id is listed (`listed`), or has died (`dead`).
            let (listed, dead) = (Arc::new(AtomicU32::new(0)), Arc::new(AtomicU32::new(0)));
            let owner = {
                let (listed, dead) = (Arc::clone(&listed), Arc::clone(&dead));
                thread::spawn(move || {
                    let register = |id: u64, value: &Arc<u64>| {
                        cell.list_arc(entry(id, value));
                        listed.fetch_or(1 << id, Release);
                    };
                    let (first, second) = (Arc::new(1), Arc::new(2));
                    register(1, &first);
                    register(2, &second);
                    drop(first);
                    dead.fetch_or(1 << 1, Release);
                    let third = Arc::new(3);
                    register(3, &third);
                    drop(third);
                    dead.fetch_or(1 << 3, Release);
                    let fourth = Arc::new(4);
                    register(4, &fourth);
                    (second, fourth)
                })
            };
            let (listed_before, dead_before) = (listed.load(Acquire), dead.load(Acquire));
            let (registered, live) = ty.shared_counts();
            let mut seen: Vec<u64> = ty.live_arcs(&|_| true).iter().map(|(stamp, _)| stamp.id).collect();
            assert!(live as u64 <= registered, "{live} live > {registered} registered");
            seen.sort_unstable();
            assert!(seen.windows(2).all(|w| w[0] != w[1]), "an entry seen twice: {seen:?}");
            for id in [2, 4] {
                assert!(listed_before & (1 << id) == 0 || seen.contains(&id), "#{id} missed: {seen:?}");
            }
            for id in [1, 3] {
                assert!(dead_before & (1 << id) == 0 || !seen.contains(&id), "#{id} seen dead: {seen:?}");
            }
            let kept = owner.join().unwrap();
            assert_eq!(ty.shared_counts(), (4, 2));
            assert_eq!(ty.live_arcs(&|_| true).iter().map(|(s, _)| s.id).collect::<Vec<_>>(), [2, 4]);
            drop(kept);
        });
    }
}
