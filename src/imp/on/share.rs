//! Registration of shared values: `track!(&arc)` and `track!(&rc)`.
//!
//! A shared value is registered once: it gets an id and a [`Stamp`], is
//! counted in the registering thread's cell (before it is listed: see
//! "Consistent shared counts" in `counters.rs`), and is listed by weak
//! reference, an `Arc` in that cell's list, an `Rc` in the thread's own
//! (see `weak_list.rs`). Nothing tells the registry when it dies: queries
//! read its strong count.

use super::counters::CounterCell;
use super::entry::TypeEntry;
use super::registry::{entry_of, fast_entry, make_fast, site_of};
use super::stamp::{Moment, Stamp};
use super::sync::Relaxed;
use super::thread::{as_writer, writer};
use super::weak_list::{list_rc, with_rcs, ArcWeak, RcWeak, WeakEntry};
use crate::shared::{DebugFn, TraceFn};
use crate::site::Site;
use std::any::TypeId;
use std::mem::size_of;
use std::panic::Location;
use std::rc::{self, Rc};
use std::sync::{self as sync, Arc};

/// What a shared registration knows of its value's type, from the generic
/// shim in the caller's crate.
pub(crate) struct SharedType {
    pub(crate) id: TypeId,
    /// Its name (no size: `size` below is the value's own).
    pub(crate) describe: crate::static_size::Describe,
    /// `size_of` of the value, for the bytes-held estimate.
    pub(crate) size: usize,
    pub(crate) trace: Option<TraceFn>,
    pub(crate) debug: Option<DebugFn>,
}

/// `track!(&arc)`: the generic shim. Returns the new instance's id, `None`
/// if the value was already tracked. `new_arc` is told the id and the weak
/// reference when the site is not fast (the backtrace table's hook).
#[inline]
pub(crate) fn share_arc<T: Send + Sync + 'static>(
    site: &'static Site,
    caller: &'static Location<'static>,
    value: &Arc<T>,
    trace: Option<TraceFn>,
    debug: Option<DebugFn>,
    new_arc: fn(u64, &ArcWeak),
) -> Option<u64> {
    // Only a value that already has a weak reference can be listed: read
    // before this registration makes one.
    let had_weak = Arc::weak_count(value) > 0;
    let weak: ArcWeak = Arc::downgrade(value) as sync::Weak<T> as ArcWeak;
    let ty = SharedType {
        id: TypeId::of::<T>(),
        describe: crate::static_size::unsized_name::<T>,
        size: size_of::<T>(),
        trace,
        debug,
    };
    register_arc(site, caller, &ty, weak, had_weak, new_arc)
}

/// `track!(&rc)`: the generic shim; see [`share_arc`].
#[inline]
pub(crate) fn share_rc<T: 'static>(
    site: &'static Site,
    caller: &'static Location<'static>,
    value: &Rc<T>,
    trace: Option<TraceFn>,
    debug: Option<DebugFn>,
    new_rc: fn(u64, &RcWeak),
) -> Option<u64> {
    let had_weak = Rc::weak_count(value) > 0;
    let weak: RcWeak = Rc::downgrade(value) as rc::Weak<T> as RcWeak;
    let ty = SharedType {
        id: TypeId::of::<T>(),
        describe: crate::static_size::unsized_name::<T>,
        size: size_of::<T>(),
        trace,
        debug,
    };
    register_rc(site, caller, &ty, weak, had_weak, new_rc)
}

/// The site and type entry of a shared value being registered, and whether
/// the site was fast: one load and the type's check when it is (its first
/// registration recorded how to trace, print and weigh the type).
#[inline(always)]
fn shared_entry(
    site: &'static Site,
    caller: &'static Location<'static>,
    ty: &SharedType,
) -> (&'static Site, &'static TypeEntry, bool) {
    match fast_entry(site, ty.id) {
        Some(entry) => (site, entry, true),
        None => {
            let (site, entry) = shared_entry_cold(site, caller, ty);
            (site, entry, false)
        }
    }
}

/// Resolves the site and the entry, and records how to trace, print and
/// weigh the type. The caller makes the site fast once the backtrace hook
/// has run (see `Token::at_cold`).
#[cold]
#[inline(never)]
fn shared_entry_cold(
    site: &'static Site,
    caller: &'static Location<'static>,
    ty: &SharedType,
) -> (&'static Site, &'static TypeEntry) {
    let resolved = site_of(site, caller);
    let entry = entry_of(resolved, ty.id, ty.describe);
    if let Some(trace) = ty.trace {
        entry.trace.get_or_init(|| trace);
    }
    if let Some(debug) = ty.debug {
        entry.debug.get_or_init(|| debug);
    }
    if entry.value_size.load(Relaxed) == 0 {
        entry.value_size.store(ty.size, Relaxed);
    }
    (resolved, entry)
}

/// After the first registration at a site: tells the backtrace hook, then
/// makes the site fast if it records itself.
#[cold]
#[inline(never)]
fn after_cold(site: &'static Site, resolved: &'static Site, entry: &'static TypeEntry, hook: impl FnOnce()) {
    hook();
    if std::ptr::eq(site, resolved) {
        make_fast(site, entry);
    }
}

/// Registers an `Arc`: not generic, so that optimizing instrack alone makes
/// it fast in a debug build. Returns the new instance's id; `None` if the
/// value was already listed.
#[cfg_attr(debug_assertions, inline(never))]
fn register_arc(
    site: &'static Site,
    caller: &'static Location<'static>,
    ty: &SharedType,
    weak: ArcWeak,
    had_weak: bool,
    new_arc: fn(u64, &ArcWeak),
) -> Option<u64> {
    let (resolved, entry, fast) = shared_entry(site, caller, ty);
    // Tracking the same value twice keeps one instance; the lists are
    // searched only when the value had a weak reference. (Two threads
    // tracking one value at the same instant may both list it.)
    if had_weak && arc_listed(entry, weak.as_ptr() as *const ()) {
        return None;
    }
    let made = Moment::now();
    if fast {
        if let Some((cell, id, thread)) = writer(entry) {
            let grown = cell.list_arc(WeakEntry { stamp: Stamp::new(id, site, thread, made), weak });
            entry.note_shared(grown, 0); // after the list's lock is released
            return Some(id);
        }
    }
    register_arc_cold(site, resolved, entry, fast, weak, made, new_arc)
}

/// The rest of [`register_arc`]: the first registration at a site (the
/// backtrace hook, then the site made fast), or a thread without a cell
/// for the type yet, or out of ids, or exiting.
#[cold]
#[inline(never)]
fn register_arc_cold(
    site: &'static Site,
    resolved: &'static Site,
    entry: &'static TypeEntry,
    fast: bool,
    weak: ArcWeak,
    made: Moment,
    new_arc: fn(u64, &ArcWeak),
) -> Option<u64> {
    let list = |cell: &'static CounterCell, id: u64, thread: u32| {
        if !fast {
            after_cold(site, resolved, entry, || new_arc(id, &weak));
        }
        (id, cell.list_arc(WeakEntry { stamp: Stamp::new(id, resolved, thread, made), weak }))
    };
    let (id, grown) = as_writer(entry, list);
    entry.note_shared(grown, 0);
    Some(id)
}

#[cold]
#[inline(never)]
fn arc_listed(entry: &'static TypeEntry, addr: *const ()) -> bool {
    entry.cells().any(|cell| cell.arcs.lock().holds(addr))
}

/// Registers an `Rc`; see [`register_arc`].
#[cfg_attr(debug_assertions, inline(never))]
fn register_rc(
    site: &'static Site,
    caller: &'static Location<'static>,
    ty: &SharedType,
    weak: RcWeak,
    had_weak: bool,
    new_rc: fn(u64, &RcWeak),
) -> Option<u64> {
    let (resolved, entry, fast) = shared_entry(site, caller, ty);
    // Tracking the same value twice keeps one instance (see `register_arc`).
    if had_weak && with_rcs(entry.index, |l| l.holds(weak.as_ptr() as *const ())) == Some(true) {
        return None;
    }
    let made = Moment::now();
    let count = |cell: &'static CounterCell, id: u64, thread: u32| {
        CounterCell::bump(&cell.shared);
        (id, thread)
    };
    let (id, thread) = match writer(entry) {
        Some((cell, id, thread)) => count(cell, id, thread),
        None => as_writer(entry, count),
    };
    if !fast {
        after_cold(site, resolved, entry, || new_rc(id, &weak));
    }
    // While this thread's locals are being destroyed its `Rc`s cannot be
    // listed any more; they still count in `total`.
    if let Some(len) = list_rc(entry.index, WeakEntry { stamp: Stamp::new(id, resolved, thread, made), weak }) {
        entry.note_shared(0, len);
    }
    Some(id)
}
