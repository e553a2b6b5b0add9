//! The registry, compiled in when [`crate::ENABLED`] is true.
//!
//! Hot path (construct and drop of a `Tracked<T>`), in the common case:
//! one cached pointer load at the call site, one thread-local borrow, a pop
//! from the thread's free list of slots, five plain stores, one `rdtsc`, and
//! a plain load+store on this thread's own counter cell. No lock, no map
//! lookup, no read-modify-write on a line another thread writes.
//!
//! This module is the contract that `imp/off.rs` mirrors; each protocol lives
//! in its own module, with its invariant in that module's docs:
//!
//! | module | what it holds |
//! |---|---|
//! | [`slot`] | the record of a `Tracked` instance and its seqlock |
//! | [`spin_lock`] | the lock of each cell's `Arc` list |
//! | [`counters`] | per-thread counter cells, their two-pass sums, the peak |
//! | [`registry`] | the type map, type entries, the call-site cache, slot pools |
//! | [`thread`] | per-thread state, id blocks, the exiting-thread path |
//! | [`weak_list`] | `Arc`/`Rc` instances held by weak reference |
//! | [`query`] | counts, snapshots, live lists, the ledger of temporaries |
//! | [`debug_text`] | bounded, panic-safe `Debug` text |
//! | [`clock`] | creation stamps |
//! | [`sync`] | the atomics all of the above use |

/// See [`crate::ENABLED`].
pub(crate) const ENABLED: bool = true;

mod clock;
mod counters;
mod debug_text;
mod query;
mod registry;
mod slot;
mod spin_lock;
mod sync;
mod thread;
mod weak_list;

#[allow(unused_imports)] // `all_counts` is for the sampler
pub(crate) use query::{
    all_counts, checkpoint, collect_graph, counts, debug_text_of, live_arcs, live_rcs, owners, snapshot, ValueRef,
};

use crate::shared::{DebugFn, TraceFn};
use crate::site::Site;
use registry::{entry_at, registry};
use slot::Slot;
use std::panic::Location;
use std::ptr::NonNull;
use std::rc::Rc;
use std::sync::Arc;

/// The per-instance handle inside `Tracked<T>`: the instance's slot.
///
/// A pointer rather than `&'static Slot` so that lints looking for interior
/// mutability in hash keys (clippy's `mutable_key_type`) do not flag user
/// types that derive `Hash`: a `Tracked` hashes to nothing.
pub(crate) struct Token(NonNull<Slot>);

// SAFETY: the pointer comes from a `&'static Slot`; `Slot` is `Sync` (only
// atomics), so sharing or sending the pointer is as safe as the reference.
unsafe impl Send for Token {}
// SAFETY: as above.
unsafe impl Sync for Token {}
impl std::panic::RefUnwindSafe for Token {}

impl Token {
    #[inline]
    pub(crate) fn new<T: ?Sized + 'static>(site: &'static Site, caller: &'static Location<'static>) -> Token {
        let site = site_of(site, caller);
        Token::from(thread::register(entry_at::<T>(site), site))
    }

    #[inline]
    fn slot(&self) -> &'static Slot {
        // SAFETY: made from a `&'static Slot` in `Token::from`.
        unsafe { self.0.as_ref() }
    }

    #[inline(never)]
    pub(crate) fn at<T: ?Sized + 'static>(caller: &'static Location<'static>) -> Token {
        let site = interned_site(caller);
        Token::from(thread::register(entry_at::<T>(site), site))
    }

    #[inline]
    pub(crate) fn duplicate(&self) -> Token {
        Token::from(thread::register(self.slot().entry(), self.slot().site()))
    }

    pub(crate) fn id(&self) -> Option<u64> {
        Some(self.slot().id())
    }
}

impl From<&'static Slot> for Token {
    #[inline]
    fn from(slot: &'static Slot) -> Token {
        Token(NonNull::from(slot))
    }
}

impl Drop for Token {
    #[inline]
    fn drop(&mut self) {
        let slot = self.slot();
        let entry = slot.entry();
        slot.clear();
        thread::unregister(entry, slot);
    }
}

/// The site to record for an instance registered at `site` by a call whose
/// `Location::caller()` is `caller`: `site` itself, unless `track!` is inside
/// a `#[track_caller]` constructor, whose caller is then the site.
#[inline]
fn site_of(site: &'static Site, caller: &'static Location<'static>) -> &'static Site {
    if std::ptr::eq(site.own.load(std::sync::atomic::Ordering::Relaxed), caller) {
        site
    } else {
        caller_site(site, caller)
    }
}

#[cold]
#[inline(never)]
fn caller_site(site: &'static Site, caller: &'static Location<'static>) -> &'static Site {
    use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
    if caller.line() == site.line && caller.column() == site.column && caller.file() == site.file {
        // This `track!` itself: remembered for the pointer comparison.
        site.own.store(caller as *const Location<'static> as *mut Location<'static>, Relaxed);
        return site;
    }
    let last = site.caller.load(Acquire);
    // SAFETY: the cache holds null or a pointer from a `&'static Site`.
    if let Some(last) = unsafe { last.as_ref() } {
        if last.line == caller.line() && last.column == caller.column() && last.file == caller.file() {
            return last;
        }
    }
    let interned = interned_site(caller);
    site.caller.store(interned as *const Site as *mut Site, Release);
    interned
}

/// One leaked `Site` per caller location, shared by `Tracked::new` and
/// `#[track_caller]` constructors. The caller's module is not known.
fn interned_site(caller: &'static Location<'static>) -> &'static Site {
    let key = (caller.file(), caller.line(), caller.column());
    *registry()
        .caller_sites
        .entry(key)
        .or_insert_with(|| Box::leak(Box::new(Site::new("", caller.file(), caller.line(), caller.column()))))
}

/// `track!(&arc)`.
pub(crate) fn share_arc<T: Send + Sync + 'static>(
    site: &'static Site,
    caller: &'static Location<'static>,
    value: &Arc<T>,
    trace: Option<TraceFn>,
    debug: Option<DebugFn>,
) {
    let site = site_of(site, caller);
    let entry = entry_at::<T>(site);
    if let Some(trace) = trace {
        entry.trace.get_or_init(|| trace);
    }
    if let Some(debug) = debug {
        entry.debug.get_or_init(|| debug);
    }
    weak_list::register_arc(entry, site, value);
}

/// `track!(&rc)`.
pub(crate) fn share_rc<T: 'static>(
    site: &'static Site,
    caller: &'static Location<'static>,
    value: &Rc<T>,
    trace: Option<TraceFn>,
    debug: Option<DebugFn>,
) {
    let site = site_of(site, caller);
    let entry = entry_at::<T>(site);
    if let Some(trace) = trace {
        entry.trace.get_or_init(|| trace);
    }
    if let Some(debug) = debug {
        entry.debug.get_or_init(|| debug);
    }
    weak_list::register_rc(entry, site, value);
}
