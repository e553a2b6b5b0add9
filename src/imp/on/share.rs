//! Registration of shared values: `track!(&arc)` and `track!(&rc)`.
//!
//! A shared value is registered once: it gets an id and a [`Stamp`], is
//! counted in the registering thread's cell (before it is listed: see
//! "Consistent shared counts" in `counters.rs`), and is listed by weak
//! reference, an `Arc` in that cell's list, an `Rc` in the thread's own
//! (see `weak_list.rs`). Nothing tells the registry when it dies: queries
//! read its strong count.

use super::clock::ticks;
use super::counters::CounterCell;
use super::entry::TypeEntry;
use super::registry::{entry_of, site_of};
use super::stamp::Stamp;
use super::sync::Relaxed;
use super::thread::as_writer;
use super::weak_list::{list_rc, with_rcs, ArcWeak, RcWeak, WeakEntry};
use crate::shared::{DebugFn, TraceFn};
use crate::site::Site;
use std::panic::Location;
use std::rc::{self, Rc};
use std::sync::{self as sync, Arc};

/// `track!(&arc)`: the new instance's id, `None` if the value was already tracked.
pub(crate) fn share_arc<T: Send + Sync + 'static>(
    site: &'static Site,
    caller: &'static Location<'static>,
    value: &Arc<T>,
    trace: Option<TraceFn>,
    debug: Option<DebugFn>,
) -> Option<u64> {
    let (site, entry) = shared_entry::<T>(site, caller, &**value, trace, debug);
    register_arc(entry, site, value)
}

/// `track!(&rc)`.
pub(crate) fn share_rc<T: 'static>(
    site: &'static Site,
    caller: &'static Location<'static>,
    value: &Rc<T>,
    trace: Option<TraceFn>,
    debug: Option<DebugFn>,
) -> Option<u64> {
    let (site, entry) = shared_entry::<T>(site, caller, &**value, trace, debug);
    register_rc(entry, site, value)
}

/// The site and type entry of a shared value being registered; the first
/// registration of a type also records how to trace, print and weigh it.
#[inline]
fn shared_entry<T: 'static>(
    site: &'static Site,
    caller: &'static Location<'static>,
    value: &T,
    trace: Option<TraceFn>,
    debug: Option<DebugFn>,
) -> (&'static Site, &'static TypeEntry) {
    let site = site_of(site, caller);
    let entry = entry_of(site, std::any::TypeId::of::<T>(), std::any::type_name::<T>);
    if let Some(trace) = trace {
        entry.trace.get_or_init(|| trace);
    }
    if let Some(debug) = debug {
        entry.debug.get_or_init(|| debug);
    }
    if entry.value_size.load(Relaxed) == 0 {
        entry.value_size.store(std::mem::size_of_val(value), Relaxed);
    }
    (site, entry)
}

/// Returns the new instance's id; `None` if the value was already listed.
fn register_arc<T: Send + Sync + 'static>(
    entry: &'static TypeEntry,
    site: &'static Site,
    value: &Arc<T>,
) -> Option<u64> {
    // Tracking the same value twice keeps one instance. Only a value that
    // already has a weak reference can be tracked; the lists are searched
    // only then. (Two threads tracking one value at the same instant may
    // both list it.)
    if Arc::weak_count(value) > 0 {
        let addr = Arc::as_ptr(value) as *const ();
        if entry.cells().any(|cell| cell.arcs.lock().holds(addr)) {
            return None;
        }
    }
    let created = ticks();
    let weak: ArcWeak = Arc::downgrade(value) as sync::Weak<T> as ArcWeak;
    let mut new_id = 0;
    let grown = as_writer(entry, |cell, id, thread| {
        new_id = id;
        cell.list_arc(WeakEntry { stamp: Stamp { id, site, thread, created }, weak })
    });
    entry.note_shared(grown, 0); // after the list's lock is released
    Some(new_id)
}

/// Returns the new instance's id; `None` if the value was already listed.
fn register_rc<T: 'static>(entry: &'static TypeEntry, site: &'static Site, value: &Rc<T>) -> Option<u64> {
    // Tracking the same value twice keeps one instance (see `register_arc`).
    if Rc::weak_count(value) > 0 && with_rcs(entry.index, |l| l.holds(Rc::as_ptr(value) as *const ())) == Some(true) {
        return None;
    }
    let created = ticks();
    let weak: RcWeak = Rc::downgrade(value) as rc::Weak<T> as RcWeak;
    let mut new_id = 0;
    let held = as_writer(entry, |cell, id, thread| {
        new_id = id;
        CounterCell::bump(&cell.shared);
        WeakEntry { stamp: Stamp { id, site, thread, created }, weak }
    });
    // While this thread's locals are being destroyed its `Rc`s cannot be
    // listed any more; they still count in `total`.
    if let Some(len) = list_rc(entry.index, held) {
        entry.note_shared(0, len);
    }
    Some(new_id)
}
