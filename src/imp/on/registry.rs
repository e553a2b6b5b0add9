//! The global registry: the type map (each type's record is in `entry.rs`),
//! the call-site cache, and the pools of slots. Touched only on slow paths
//! and queries.
//!
//! **Invariant (a cache is trusted once its type is checked).** Entries are
//! forever (see `entry.rs`), so a call site caches its `&'static TypeEntry`;
//! the cache is trusted only after its `TypeId` is checked: one `static`
//! serves every instantiation of a generic function.
//!
//! **Invariant (a fast site records itself, while no thread captures
//! backtraces).** `Site::fast`, the one word the hot path reads, holds a
//! type entry only if (1) that `track!` was seen to record its own line:
//! `Location::caller()` changes only with the `#[track_caller]` attribute of
//! the function around the `track!`, which is the same for every call, so
//! a site seen once recording itself always does; and (2) the backtrace gate
//! is open: `backtraces.rs` opens it when it knows that no thread captures
//! (the environment said off), and closes it for good when a thread turns
//! capture on. A site is made fast under the `FAST_SITES` lock after the gate
//! is checked; closing stores the gate before taking that lock to clear every
//! fast site, so each site is either cleared or sees the gate closed.
//! The entry is still checked against the `TypeId` on every use (one static,
//! every instantiation), and a site keeps the first type it was made fast
//! for: the others go through `cache`, without the lock.

use super::clock::Epoch;
use super::entry::TypeEntry;
use super::slot::{Slot, CHUNK};
use super::sync::{Acquire, AtomicU64, AtomicUsize, Relaxed, Release};
use super::thread_names::ThreadNames;
use crate::lock::lock;
use crate::site::Site;
use crate::static_size::Describe;
use dashmap::DashMap;
use std::any::TypeId;
use std::panic::Location;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Mutex, OnceLock};

/// The backtrace gate: not yet known, open (no thread captures), or closed
/// for good (a thread turned capture on). A std atomic: it is a `static`,
/// as the sites are, outside the loom models.
static GATE: AtomicU8 = AtomicU8::new(GATE_UNKNOWN);
const GATE_UNKNOWN: u8 = 0;
const GATE_OPEN: u8 = 1;
const GATE_CLOSED: u8 = 2;

/// Every site made fast, to be cleared when the gate closes.
static FAST_SITES: Mutex<Vec<&'static Site>> = Mutex::new(Vec::new());

pub(super) struct Registry {
    pub(super) types: DashMap<TypeId, &'static TypeEntry>,
    pub(super) type_count: AtomicUsize,
    /// Sites of `Tracked::default()` callers, interned by location.
    pub(super) caller_sites: DashMap<(&'static str, u32, u32), &'static Site>,
    pub(super) chunks: Mutex<Vec<&'static [Slot]>>,
    pool: Mutex<Vec<Vec<&'static Slot>>>,
    /// The names of running threads, and of exited ones that live
    /// instances still name.
    pub(super) threads: ThreadNames,
    pub(super) next_id: AtomicU64,
    /// Serializes registrations made while a thread's locals are gone.
    pub(super) exiting: Mutex<()>,
    pub(super) epoch: Epoch,
}

pub(super) fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| Registry {
        types: DashMap::new(),
        type_count: AtomicUsize::new(0),
        caller_sites: DashMap::new(),
        chunks: Mutex::new(Vec::new()),
        pool: Mutex::new(Vec::new()),
        threads: ThreadNames::new(),
        next_id: AtomicU64::new(1),
        exiting: Mutex::new(()),
        epoch: Epoch::now(),
    })
}

impl Registry {
    fn entry(&self, type_id: TypeId, name: &'static str) -> &'static TypeEntry {
        if let Some(e) = self.types.get(&type_id) {
            return *e;
        }
        *self
            .types
            .entry(type_id)
            .or_insert_with(|| TypeEntry::leak(type_id, name, self.type_count.fetch_add(1, Relaxed)))
    }

    /// A batch of vacant slots: recycled from exited or hoarding threads, else new.
    pub(super) fn take_slots(&self) -> Vec<&'static Slot> {
        if let Some(batch) = lock(&self.pool).pop() {
            return batch;
        }
        let chunk: &'static [Slot] = Box::leak((0..CHUNK).map(|_| Slot::vacant()).collect());
        lock(&self.chunks).push(chunk);
        // Reversed, so that popping hands slots out in address order: a scan
        // of the chunks then meets instances mostly in creation order, which
        // makes sorting a snapshot nearly free.
        chunk.iter().rev().collect()
    }

    pub(super) fn give_slots(&self, batch: Vec<&'static Slot>) {
        if !batch.is_empty() {
            lock(&self.pool).push(batch);
        }
    }

    /// Every registered type's entry.
    pub(super) fn entries(&self) -> Vec<&'static TypeEntry> {
        self.types.iter().map(|e| *e.value()).collect()
    }

    /// Lists an exited thread, after its last stamp, and sweeps the names of
    /// exited threads when due (see `thread_names.rs`).
    pub(super) fn thread_exited(&self, thread: u32) {
        self.threads.exited(thread, |visit| self.visit_stamps(visit));
    }

    /// Calls `visit` with the thread index of every stamp a query on another
    /// thread can read: filled slots, and the live entries of every `Arc`
    /// list (under its lock). Returns how many slots and entries it read.
    fn visit_stamps(&self, visit: &mut dyn FnMut(u32)) -> usize {
        // A copy, so that threads needing a new chunk do not wait for the
        // visit. A chunk added after the copy holds no stamp of a thread
        // listed as exited before it.
        let chunks: Vec<&'static [Slot]> = lock(&self.chunks).clone();
        let mut read = 0;
        for slot in chunks.iter().flat_map(|c| c.iter()) {
            read += 1;
            if let Some(record) = slot.read() {
                visit(record.thread);
            }
        }
        for entry in self.entries() {
            for cell in entry.cells() {
                let list = cell.arcs.lock();
                read += list.len();
                list.live_threads().for_each(&mut *visit);
            }
        }
        read
    }
}

/// The entry of the type `type_id` (described by `describe()`: its name
/// and size), from the site's cache when it holds that type's. A miss also
/// records the size (0 if unknown) in the entry, once: the hit path never
/// calls `describe`.
#[inline]
pub(super) fn entry_of(site: &'static Site, type_id: TypeId, describe: Describe) -> &'static TypeEntry {
    let cached = site.cache.load(Acquire) as *const TypeEntry;
    // SAFETY: the cache holds null or a pointer from a `&'static TypeEntry`.
    match unsafe { cached.as_ref() } {
        Some(entry) if entry.type_id == type_id => entry,
        _ => entry_miss(site, type_id, describe),
    }
}

/// The entry a fast site holds for `type_id`: one load and the type's check.
#[inline(always)]
pub(super) fn fast_entry(site: &'static Site, type_id: TypeId) -> Option<&'static TypeEntry> {
    let fast = site.fast.load(Acquire) as *const TypeEntry;
    // SAFETY: `fast` holds null or a pointer from a `&'static TypeEntry`.
    unsafe { fast.as_ref() }.filter(|entry| entry.type_id == type_id)
}

/// Makes `site` fast for `entry`, if the gate is open and the site holds
/// no other type yet; `site` must record itself (see the module docs).
#[cold]
pub(super) fn make_fast(site: &'static Site, entry: &'static TypeEntry) {
    if GATE.load(Ordering::Relaxed) != GATE_OPEN || !site.fast.load(Ordering::Relaxed).is_null() {
        return;
    }
    let mut sites = lock(&FAST_SITES);
    // Checked again under the lock: see the module docs.
    if GATE.load(Ordering::Relaxed) == GATE_OPEN && site.fast.load(Ordering::Relaxed).is_null() {
        sites.push(site);
        site.fast.store(entry as *const TypeEntry as *mut (), Release);
    }
}

/// Whether no thread captures backtraces: fast sites may exist.
#[inline(always)]
pub(crate) fn fast_path_open() -> bool {
    GATE.load(Ordering::Relaxed) == GATE_OPEN
}

/// Opens the gate, unless it was closed: no thread captures backtraces.
pub(crate) fn open_fast_path() {
    let _ = GATE.compare_exchange(GATE_UNKNOWN, GATE_OPEN, Ordering::Relaxed, Ordering::Relaxed);
}

/// Closes the gate for good and clears every fast site: a thread may
/// capture backtraces, so every registration takes the cold path, which
/// asks.
pub(crate) fn close_fast_path() {
    if GATE.swap(GATE_CLOSED, Ordering::Relaxed) == GATE_CLOSED {
        return;
    }
    for site in lock(&FAST_SITES).drain(..) {
        site.fast.store(std::ptr::null_mut(), Ordering::Relaxed);
    }
}

#[cold]
#[inline(never)]
fn entry_miss(site: &'static Site, type_id: TypeId, describe: Describe) -> &'static TypeEntry {
    let (name, size) = describe();
    let entry = registry().entry(type_id, name);
    if size > 0 {
        // First writer wins: a shared value's `size_of_val` or this size.
        let _ = entry.value_size.compare_exchange(0, size, Relaxed, Relaxed);
    }
    site.cache.store(entry as *const TypeEntry as *mut (), Release);
    entry
}

/// The entry of a type, if it was ever registered. `get`, never `entry`:
/// a query must not create a type.
pub(super) fn known(type_id: TypeId) -> Option<&'static TypeEntry> {
    registry().types.get(&type_id).map(|e| *e)
}

/// The site to record for an instance registered at `site` by a call whose
/// `Location::caller()` is `caller`: `site` itself, unless `track!` is inside
/// a `#[track_caller]` constructor, whose caller is then the site.
#[inline]
pub(super) fn site_of(site: &'static Site, caller: &'static Location<'static>) -> &'static Site {
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
pub(super) fn interned_site(caller: &'static Location<'static>) -> &'static Site {
    let key = (caller.file(), caller.line(), caller.column());
    *registry()
        .caller_sites
        .entry(key)
        .or_insert_with(|| Box::leak(Box::new(Site::new("", caller.file(), caller.line(), caller.column()))))
}
