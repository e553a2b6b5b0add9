//! Instances shared through `Arc` or `Rc`, held by weak reference.
//!
//! `Arc` instances live in one list per type, behind the type's mutex; `Rc`
//! instances cannot leave their thread, so each thread keeps its own lists,
//! indexed by the type's dense index. A list prunes its dead entries whenever
//! it has doubled since the last pruning: amortized O(1) per registration,
//! and a dead `Weak` (which keeps its allocation) lives at most that long.

use super::{as_writer, TypeEntry};
use crate::site::Site;
use std::any::Any;
use std::cell::RefCell;
use std::fmt::{self, Write as _};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::{self, Rc};
use std::sync::{self as sync, Arc};

/// How a type's values print: `Debug` of the value behind `&dyn Any`.
pub(crate) type DebugFn = fn(&dyn Any, &mut fmt::Formatter<'_>) -> fmt::Result;

/// The longest `Debug` text a report shows of one instance.
pub(crate) const DEBUG_LIMIT: usize = 200;

pub(crate) fn debug_of<T: fmt::Debug + 'static>(value: &dyn Any, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match value.downcast_ref::<T>() {
        Some(v) => fmt::Debug::fmt(v, f),
        None => f.write_str("<?>"),
    }
}

/// A weak reference of either kind, type-erased.
pub(crate) trait WeakRef {
    type Strong;
    fn alive(&self) -> bool;
    fn upgrade(&self) -> Option<Self::Strong>;
}

pub(crate) type ArcWeak = sync::Weak<dyn Any + Send + Sync>;
pub(crate) type RcWeak = rc::Weak<dyn Any>;

impl WeakRef for ArcWeak {
    type Strong = Arc<dyn Any + Send + Sync>;
    fn alive(&self) -> bool {
        self.strong_count() > 0
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
    fn upgrade(&self) -> Option<Self::Strong> {
        rc::Weak::upgrade(self)
    }
}

/// What was recorded when a shared instance was registered.
#[derive(Clone, Copy)]
pub(crate) struct Stamp {
    pub(crate) id: u64,
    pub(crate) site: &'static Site,
    pub(crate) thread: u32,
    pub(crate) created: u64,
}

pub(crate) struct Held<W> {
    pub(crate) stamp: Stamp,
    pub(crate) weak: W,
}

pub(crate) struct WeakList<W> {
    pub(crate) entries: Vec<Held<W>>,
    prune_at: usize,
}

impl<W: WeakRef> WeakList<W> {
    pub(crate) const fn new() -> Self {
        WeakList { entries: Vec::new(), prune_at: 64 }
    }

    /// Adds an entry; prunes first if the list has doubled since the last
    /// pruning. Returns the number of live entries when it pruned.
    pub(crate) fn push(&mut self, held: Held<W>) -> Option<usize> {
        // A value that lived and died since the last registration takes its
        // place: its allocation is freed now, while the allocator can still
        // reuse it, instead of at the next pruning.
        if let Some(last) = self.entries.last_mut() {
            if !last.weak.alive() {
                *last = held;
                return None;
            }
        }
        let pruned = (self.entries.len() >= self.prune_at).then(|| self.prune());
        self.entries.push(held);
        pruned
    }

    /// Drops the dead entries (their `Weak`s free allocations whose values
    /// are already dropped: no user code runs). Returns how many are alive.
    pub(crate) fn prune(&mut self) -> usize {
        self.entries.retain(|h| h.weak.alive());
        self.prune_at = (2 * self.entries.len()).max(64);
        self.entries.len()
    }

    pub(crate) fn live(&self) -> usize {
        self.entries.iter().filter(|h| h.weak.alive()).count()
    }

    /// Strong references to the live entries, oldest first. The caller must
    /// release the list's lock before dropping them.
    pub(crate) fn upgrade_all(&self, wanted: &dyn Fn(&Stamp) -> bool) -> Vec<(Stamp, W::Strong)> {
        self.entries.iter().filter(|h| wanted(&h.stamp)).filter_map(|h| Some((h.stamp, h.weak.upgrade()?))).collect()
    }
}

thread_local! {
    /// This thread's `Rc` lists, by `TypeEntry::index`.
    static RCS: RefCell<Vec<WeakList<RcWeak>>> = const { RefCell::new(Vec::new()) };
}

pub(crate) fn register_arc<T: fmt::Debug + Send + Sync + 'static>(
    entry: &'static TypeEntry,
    site: &'static Site,
    value: &Arc<T>,
) {
    entry.debug.get_or_init(|| debug_of::<T>);
    let created = super::clock::ticks();
    let weak: ArcWeak = Arc::downgrade(value) as sync::Weak<T> as ArcWeak;
    let pruned = as_writer(entry, |cell, id, thread| {
        super::Cell::bump(&cell.shared);
        let pruned = cell.arcs.lock().push(Held { stamp: Stamp { id, site, thread, created }, weak });
        pruned.is_some()
    });
    if pruned {
        entry.observe_peak(); // after the list's lock is released
    }
}

pub(crate) fn register_rc<T: fmt::Debug + 'static>(entry: &'static TypeEntry, site: &'static Site, value: &Rc<T>) {
    entry.debug.get_or_init(|| debug_of::<T>);
    let created = super::clock::ticks();
    let weak: RcWeak = Rc::downgrade(value) as rc::Weak<T> as RcWeak;
    let held = as_writer(entry, |cell, id, thread| {
        super::Cell::bump(&cell.shared);
        Held { stamp: Stamp { id, site, thread, created }, weak }
    });
    // While this thread's locals are being destroyed its `Rc`s cannot be
    // listed any more; they still count in `total`.
    let _ = RCS.try_with(|lists| {
        if let Ok(mut lists) = lists.try_borrow_mut() {
            if lists.len() <= entry.index {
                lists.resize_with(entry.index + 1, WeakList::new);
            }
            lists[entry.index].push(held);
        }
    });
}

/// Runs `f` on this thread's `Rc` list for `entry`, if it has one.
pub(crate) fn with_rcs<R>(entry: &TypeEntry, f: impl FnOnce(&mut WeakList<RcWeak>) -> R) -> Option<R> {
    RCS.try_with(|lists| lists.try_borrow_mut().ok()?.get_mut(entry.index).map(f)).ok().flatten()
}

/// `Debug` text of a value, cut to [`DEBUG_LIMIT`] characters; a panicking
/// `Debug` is reported as such. Call with no registry lock held: it runs user code.
pub(crate) fn debug_text(debug: DebugFn, value: &dyn Any) -> String {
    struct Via<'a>(DebugFn, &'a dyn Any);
    impl fmt::Debug for Via<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            (self.0)(self.1, f)
        }
    }
    struct Bounded {
        text: String,
        chars: usize,
        cut: bool,
    }
    impl fmt::Write for Bounded {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            for c in s.chars() {
                if self.chars == DEBUG_LIMIT {
                    self.cut = true;
                    return Err(fmt::Error); // stops a long Debug early
                }
                self.text.push(c);
                self.chars += 1;
            }
            Ok(())
        }
    }
    let mut out = Bounded { text: String::new(), chars: 0, cut: false };
    let result = catch_unwind(AssertUnwindSafe(|| write!(out, "{:?}", Via(debug, value))));
    match result {
        Ok(Ok(())) => out.text,
        Ok(Err(_)) if out.cut => out.text + "…",
        Ok(Err(_)) => format!("<Debug returned an error after {:?}>", out.text),
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "non-string payload".to_owned());
            format!("<Debug panicked: {message}>")
        }
    }
}
