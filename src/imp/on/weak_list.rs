//! Instances shared through `Arc` or `Rc`, held by weak reference.
//!
//! `Arc` instances live in one list per counter cell (so per thread and
//! type), behind the cell's spinlock; `Rc` instances cannot leave their
//! thread, so each thread keeps its own lists, indexed by the type's dense
//! index. A list prunes its dead entries whenever it has doubled since the
//! last pruning: amortized O(1) per registration, and a dead `Weak` (which
//! keeps its allocation) lives at most that long.
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

    /// Adds an entry; prunes first if the list has doubled since the last
    /// pruning. Returns by how much the list's length changed.
    pub(super) fn push(&mut self, entry: WeakEntry<W>) -> isize {
        // A value that lived and died since the last registration takes its
        // place: its allocation is freed now, while the allocator can still
        // reuse it, instead of at the next pruning.
        if let Some(last) = self.entries.last_mut() {
            if !last.weak.alive() {
                *last = entry;
                return 0;
            }
        }
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

    /// The weak reference of the live entry with this id.
    pub(super) fn weak_of(&self, id: u64) -> Option<W> {
        self.entries.iter().find(|h| h.stamp.id == id && h.weak.alive()).map(|h| h.weak.clone())
    }

    /// Whether a live entry refers to the value at `addr`.
    pub(super) fn holds(&self, addr: *const ()) -> bool {
        self.entries.iter().any(|h| h.weak.alive() && std::ptr::eq(h.weak.addr(), addr))
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

#[cfg(test)]
mod tests {
    use super::super::stamp::Stamp;
    use super::{ArcWeak, WeakEntry, WeakList};
    use crate::site::Site;
    use std::sync::Arc;

    static SITE: Site = Site::new("m", "w.rs", 1, 1);

    fn entry(id: u64, value: &Arc<u64>) -> WeakEntry<ArcWeak> {
        let weak: ArcWeak = Arc::downgrade(value) as std::sync::Weak<u64> as ArcWeak;
        WeakEntry { stamp: Stamp { id, site: &SITE, thread: 1, created: id }, weak }
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
}
