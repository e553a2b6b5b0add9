//! The registry, compiled in when [`crate::ENABLED`] is true.
//!
//! Hot path (construct and drop of a `Tracked<T>`), in the common case:
//! one cached pointer load at the call site, one thread-local borrow, a pop
//! from the thread's free list of slots, five plain stores, one `rdtsc`, and
//! a plain load+store on this thread's own counter cell. No lock, no map
//! lookup, no read-modify-write on a line another thread writes.
//! See ARCHITECTURE.md for the invariants.

/// See [`crate::ENABLED`].
pub(crate) const ENABLED: bool = true;

mod shared;

use super::clock::{self, Epoch};
use crate::pattern::Pattern;
use crate::shared::TraceFn;
use crate::site::Site;
use crate::snapshot::{Counts, Instance, Snapshot, TypeCounts};
use dashmap::DashMap;
use std::any::TypeId;
use std::cell::RefCell;
use std::collections::HashMap;
use std::panic::Location;
use std::ptr::NonNull;
use std::rc::Rc;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::sync::atomic::{fence, AtomicI64, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use shared::{ArcWeak, DebugFn, Stamp, WeakList};

/// Slots are allocated this many at a time, and move between a thread and
/// the global pool in batches of this size.
const CHUNK: usize = 256;
/// Ids are handed to threads in blocks, so that making an id is a local add.
const ID_BLOCK: u64 = 1024;
/// Thread index used for registrations made while a thread's locals are gone.
pub(crate) const EXITING_THREAD: u32 = 0;

// ---------------------------------------------------------------------------
// Per-instance records

/// The record of one instance. Vacant when `id == 0`. Written by one thread
/// at a time (the one that owns the token), read by snapshots on any thread
/// with the seqlock protocol of [`Slot::read`].
pub(crate) struct Slot {
    id: AtomicU64,
    entry: AtomicPtr<TypeEntry>,
    site: AtomicPtr<Site>,
    created: AtomicU64,
    thread: AtomicU32,
}

struct Record {
    id: u64,
    entry: &'static TypeEntry,
    site: &'static Site,
    created: u64,
    thread: u32,
}

impl Record {
    fn stamp(&self) -> Stamp {
        Stamp { id: self.id, site: self.site, thread: self.thread, created: self.created }
    }
}

impl Slot {
    const fn vacant() -> Slot {
        Slot {
            id: AtomicU64::new(0),
            entry: AtomicPtr::new(std::ptr::null_mut()),
            site: AtomicPtr::new(std::ptr::null_mut()),
            created: AtomicU64::new(0),
            thread: AtomicU32::new(0),
        }
    }

    #[inline]
    fn fill(&self, id: u64, entry: &'static TypeEntry, site: &'static Site, thread: u32, created: u64) {
        // The slot is vacant. Keep the field stores after the `id = 0` that
        // vacated it, so a reader that sees a new field also sees id != its id.
        fence(Release);
        self.entry.store(entry as *const TypeEntry as *mut TypeEntry, Relaxed);
        self.site.store(site as *const Site as *mut Site, Relaxed);
        self.created.store(created, Relaxed);
        self.thread.store(thread, Relaxed);
        self.id.store(id, Release);
    }

    #[inline]
    fn entry(&self) -> &'static TypeEntry {
        // SAFETY: a slot owned by a token was filled with a pointer made from
        // a `&'static TypeEntry`, and entries are never freed.
        unsafe { &*self.entry.load(Relaxed) }
    }

    #[inline]
    fn site(&self) -> &'static Site {
        // SAFETY: as for `entry`: filled from a `&'static Site`.
        unsafe { &*self.site.load(Relaxed) }
    }

    /// A consistent copy of the record, or `None` if the slot is vacant or
    /// changed while being read.
    fn read(&self) -> Option<Record> {
        let id = self.id.load(Acquire);
        if id == 0 {
            return None;
        }
        let entry = self.entry.load(Relaxed);
        let site = self.site.load(Relaxed);
        let created = self.created.load(Relaxed);
        let thread = self.thread.load(Relaxed);
        fence(Acquire);
        if self.id.load(Relaxed) != id || entry.is_null() || site.is_null() {
            return None;
        }
        // SAFETY: non-null pointers in a slot come from `&'static` references.
        Some(Record { id, entry: unsafe { &*entry }, site: unsafe { &*site }, created, thread })
    }
}

// ---------------------------------------------------------------------------
// Per-type counters

/// One thread's counters for one type. Exactly one writer at a time: the
/// thread that holds it in its `Local`, or whoever holds `Registry::exiting`
/// for a type's exiting cell. Padded so two threads' cells never share a line.
#[repr(align(128))]
struct Cell {
    created: AtomicU64,
    dropped: AtomicU64,
    /// The largest `created - dropped` this cell has seen.
    high: AtomicI64,
    /// `Arc`/`Rc` registrations made by this cell's writers.
    shared: AtomicU64,
    /// `Arc` instances registered by this cell's writers. Locked by the
    /// writer to add, and by queries to read; never held while user code runs.
    arcs: SpinLock<WeakList<ArcWeak>>,
    next: AtomicPtr<Cell>,
}

impl Cell {
    fn leak() -> &'static Cell {
        Box::leak(Box::new(Cell {
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
    fn bump(counter: &AtomicU64) -> u64 {
        let n = counter.load(Relaxed) + 1;
        counter.store(n, Release);
        n
    }
}

/// The registry's record of one type. Leaked: lives for the whole process.
pub(crate) struct TypeEntry {
    type_id: TypeId,
    name: &'static str,
    index: usize,
    /// Every cell of this type, ever: an append-only list.
    cells: AtomicPtr<Cell>,
    /// Cells of threads that have exited, for new threads to reuse.
    spare_cells: Mutex<Vec<&'static Cell>>,
    /// The cell written while a thread's locals are being destroyed.
    exiting: &'static Cell,
    /// Sum of every cell's `high`: an upper bound on `live` that moves rarely.
    sum_high: AtomicI64,
    peak: AtomicUsize,
    /// How to print a shared instance; set by its first registration.
    debug: OnceLock<DebugFn>,
    /// How to trace a shared instance, for types that implement `Trace`.
    trace: OnceLock<TraceFn>,
}

impl TypeEntry {
    fn leak(type_id: TypeId, name: &'static str, index: usize) -> &'static TypeEntry {
        let exiting = Cell::leak();
        Box::leak(Box::new(TypeEntry {
            type_id,
            name,
            index,
            cells: AtomicPtr::new(exiting as *const Cell as *mut Cell),
            spare_cells: Mutex::new(Vec::new()),
            exiting,
            sum_high: AtomicI64::new(0),
            peak: AtomicUsize::new(0),
            debug: OnceLock::new(),
            trace: OnceLock::new(),
        }))
    }

    fn cells(&self) -> impl Iterator<Item = &'static Cell> {
        let head = self.cells.load(Acquire);
        // SAFETY: cells are leaked and linked before being published with
        // `Release`; `next` never changes after that.
        std::iter::successors(unsafe { head.as_ref() }, |c| unsafe { c.next.load(Acquire).as_ref() })
    }

    /// A new or spare cell for a thread that has none for this type yet.
    #[cold]
    #[inline(never)]
    fn acquire_cell(&'static self) -> &'static Cell {
        if let Some(cell) = lock(&self.spare_cells).pop() {
            return cell;
        }
        let cell = Cell::leak();
        let mut head = self.cells.load(Relaxed);
        loop {
            cell.next.store(head, Relaxed);
            match self.cells.compare_exchange_weak(head, cell as *const Cell as *mut Cell, Release, Relaxed) {
                Ok(_) => return cell,
                Err(now) => head = now,
            }
        }
    }

    /// Counts a construction in `cell`, which the caller is the writer of,
    /// and keeps `peak` up to date.
    #[inline]
    fn note_created(&self, cell: &Cell) {
        let created = Cell::bump(&cell.created);
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
    fn counts(&self) -> Counts {
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
        let live = tokens + self.live_arcs() + shared::with_rcs(self, |l| l.live()).unwrap_or(0);
        let peak = self.peak.fetch_max(live, Relaxed).max(live);
        Counts { live, total: created + shared, peak }
    }
}

// ---------------------------------------------------------------------------
// The global registry (touched only on slow paths and queries)

struct Registry {
    types: DashMap<TypeId, &'static TypeEntry>,
    type_count: AtomicUsize,
    /// Sites of `Tracked::default()` callers, interned by location.
    caller_sites: DashMap<(&'static str, u32, u32), &'static Site>,
    chunks: Mutex<Vec<&'static [Slot]>>,
    pool: Mutex<Vec<Vec<&'static Slot>>>,
    threads: Mutex<Vec<Arc<str>>>,
    next_id: AtomicU64,
    /// Serializes registrations made while a thread's locals are gone.
    exiting: Mutex<()>,
    epoch: Epoch,
}

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| Registry {
        types: DashMap::new(),
        type_count: AtomicUsize::new(0),
        caller_sites: DashMap::new(),
        chunks: Mutex::new(Vec::new()),
        pool: Mutex::new(Vec::new()),
        threads: Mutex::new(vec![Arc::from("(exiting thread)")]),
        next_id: AtomicU64::new(1),
        exiting: Mutex::new(()),
        epoch: Epoch::now(),
    })
}

/// Locks a registry mutex. No user code runs under these locks, so a poisoned
/// one still holds consistent data.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
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
    fn take_slots(&self) -> Vec<&'static Slot> {
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

    fn give_slots(&self, batch: Vec<&'static Slot>) {
        if !batch.is_empty() {
            lock(&self.pool).push(batch);
        }
    }
}

// ---------------------------------------------------------------------------
// Thread-local state

pub(crate) struct Local {
    pub(crate) thread: u32,
    /// This thread's cell for each type, by `TypeEntry::index`.
    cells: Vec<Option<&'static Cell>>,
    entries: Vec<&'static TypeEntry>,
    free: Vec<&'static Slot>,
    next_id: u64,
    end_id: u64,
}

thread_local! {
    static LOCAL: RefCell<Local> = RefCell::new(Local::new());
}

impl Local {
    fn new() -> Local {
        let current = std::thread::current();
        let name: Arc<str> = match current.name() {
            Some(name) => Arc::from(name),
            None => Arc::from(format!("{:?}", current.id())),
        };
        let mut threads = lock(&registry().threads);
        threads.push(name);
        Local {
            thread: (threads.len() - 1) as u32,
            cells: Vec::new(),
            entries: Vec::new(),
            free: Vec::new(),
            next_id: 0,
            end_id: 0,
        }
    }

    #[inline]
    fn cell(&mut self, entry: &'static TypeEntry) -> &'static Cell {
        match self.cells.get(entry.index) {
            Some(Some(cell)) => cell,
            _ => self.add_cell(entry),
        }
    }

    #[cold]
    #[inline(never)]
    fn add_cell(&mut self, entry: &'static TypeEntry) -> &'static Cell {
        if self.cells.len() <= entry.index {
            self.cells.resize(entry.index + 1, None);
        }
        let cell = entry.acquire_cell();
        self.cells[entry.index] = Some(cell);
        self.entries.push(entry);
        cell
    }

    #[inline]
    fn register(&mut self, entry: &'static TypeEntry, site: &'static Site, now: u64) -> &'static Slot {
        let cell = self.cell(entry);
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => self.refill(),
        };
        let id = self.take_id();
        slot.fill(id, entry, site, self.thread, now);
        entry.note_created(cell);
        slot
    }

    /// The next id of this thread: ids of one thread only grow.
    #[inline]
    pub(crate) fn take_id(&mut self) -> u64 {
        if self.next_id == self.end_id {
            self.refill_ids();
        }
        self.next_id += 1;
        self.next_id - 1
    }

    #[inline]
    fn unregister(&mut self, entry: &'static TypeEntry, slot: &'static Slot) {
        let cell = self.cell(entry);
        Cell::bump(&cell.dropped);
        self.free.push(slot);
        if self.free.len() > 2 * CHUNK {
            self.spill();
        }
    }

    #[cold]
    #[inline(never)]
    fn refill(&mut self) -> &'static Slot {
        self.free = registry().take_slots();
        self.free.pop().expect("a batch of slots is never empty")
    }

    /// A thread that drops more than it makes (the consumer of a queue) would
    /// hoard slots; hand a batch back for the producers.
    #[cold]
    #[inline(never)]
    fn spill(&mut self) {
        let batch = self.free.split_off(self.free.len() - CHUNK);
        registry().give_slots(batch);
    }

    #[cold]
    #[inline(never)]
    fn refill_ids(&mut self) {
        self.next_id = registry().next_id.fetch_add(ID_BLOCK, Relaxed);
        self.end_id = self.next_id + ID_BLOCK;
    }
}

impl Drop for Local {
    fn drop(&mut self) {
        // Counts stay in the cells; a later thread continues them.
        for entry in &self.entries {
            if let Some(cell) = self.cells[entry.index] {
                lock(&entry.spare_cells).push(cell);
            }
        }
        registry().give_slots(std::mem::take(&mut self.free));
    }
}

/// Runs `f` on this thread's locals, or returns `None` while they are being
/// destroyed (drops during thread-local destruction) or already borrowed.
#[inline]
fn with_local<R>(f: impl FnOnce(&mut Local) -> R) -> Option<R> {
    LOCAL.try_with(|local| local.try_borrow_mut().ok().map(|mut l| f(&mut l))).ok().flatten()
}

/// Runs `f` as the single writer of the calling thread's cell for `entry`,
/// with a fresh id and the thread's index; while the thread's locals are
/// gone, as the writer of the type's exiting cell.
fn as_writer<R>(entry: &'static TypeEntry, f: impl FnOnce(&'static Cell, u64, u32) -> R) -> R {
    match with_local(|l| (l.cell(entry), l.take_id(), l.thread)) {
        Some((cell, id, thread)) => f(cell, id, thread),
        None => as_exiting_writer(entry, f),
    }
}

/// Runs `f` as the writer of the type's exiting cell, for a thread whose
/// locals are gone: under the registry's `exiting` mutex, with an id from the
/// global counter and the exiting thread's index.
#[cold]
fn as_exiting_writer<R>(entry: &'static TypeEntry, f: impl FnOnce(&'static Cell, u64, u32) -> R) -> R {
    let r = registry();
    let _writer = lock(&r.exiting);
    f(entry.exiting, r.next_id.fetch_add(1, Relaxed), EXITING_THREAD)
}

/// A lock whose release is a plain store: uncontended, it costs one
/// compare-and-swap. Held only for a few vector operations.
struct SpinLock<T> {
    locked: std::sync::atomic::AtomicBool,
    value: std::cell::UnsafeCell<T>,
}

// SAFETY: the lock gives one thread at a time access to the value.
unsafe impl<T: Send> Sync for SpinLock<T> {}

impl<T> SpinLock<T> {
    const fn new(value: T) -> Self {
        SpinLock { locked: std::sync::atomic::AtomicBool::new(false), value: std::cell::UnsafeCell::new(value) }
    }

    #[inline]
    fn lock(&self) -> SpinGuard<'_, T> {
        let mut spins = 0u32;
        while self.locked.compare_exchange_weak(false, true, Acquire, Relaxed).is_err() {
            spins += 1;
            if spins < 64 {
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
        SpinGuard { lock: self }
    }
}

struct SpinGuard<'a, T> {
    lock: &'a SpinLock<T>,
}

impl<T> std::ops::Deref for SpinGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds the lock.
        unsafe { &*self.lock.value.get() }
    }
}

impl<T> std::ops::DerefMut for SpinGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard holds the lock.
        unsafe { &mut *self.lock.value.get() }
    }
}

impl<T> Drop for SpinGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.locked.store(false, Release);
    }
}

// ---------------------------------------------------------------------------
// Tokens

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
    pub(crate) fn new<T: ?Sized + 'static>(site: &'static Site) -> Token {
        Token::from(register(entry_at::<T>(site), site))
    }

    #[inline]
    fn slot(&self) -> &'static Slot {
        // SAFETY: made from a `&'static Slot` in `Token::from`.
        unsafe { self.0.as_ref() }
    }

    #[inline(never)]
    pub(crate) fn at<T: ?Sized + 'static>(caller: &'static Location<'static>) -> Token {
        let key = (caller.file(), caller.line(), caller.column());
        let site: &'static Site = *registry()
            .caller_sites
            .entry(key)
            .or_insert_with(|| Box::leak(Box::new(Site::new("", caller.file(), caller.line(), caller.column()))));
        Token::new::<T>(site)
    }

    #[inline]
    pub(crate) fn duplicate(&self) -> Token {
        Token::from(register(self.slot().entry(), self.slot().site()))
    }

    pub(crate) fn id(&self) -> Option<u64> {
        Some(self.slot().id.load(Relaxed))
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
        slot.id.store(0, Release);
        if with_local(|l| l.unregister(entry, slot)).is_none() {
            unregister_exiting(entry, slot);
        }
    }
}

/// The entry of `T`, from the site's cache when it holds `T`'s.
#[inline]
fn entry_at<T: ?Sized + 'static>(site: &'static Site) -> &'static TypeEntry {
    let cached = site.cache.load(Acquire) as *const TypeEntry;
    // SAFETY: the cache holds null or a pointer from a `&'static TypeEntry`.
    match unsafe { cached.as_ref() } {
        Some(entry) if entry.type_id == TypeId::of::<T>() => entry,
        _ => entry_miss(site, TypeId::of::<T>(), std::any::type_name::<T>()),
    }
}

#[cold]
#[inline(never)]
fn entry_miss(site: &'static Site, type_id: TypeId, name: &'static str) -> &'static TypeEntry {
    let entry = registry().entry(type_id, name);
    site.cache.store(entry as *const TypeEntry as *mut (), Release);
    entry
}

/// `track!(&arc)`.
pub(crate) fn share_arc<T: std::fmt::Debug + Send + Sync + 'static>(
    site: &'static Site,
    value: &Arc<T>,
    trace: Option<TraceFn>,
) {
    let entry = entry_at::<T>(site);
    if let Some(trace) = trace {
        entry.trace.get_or_init(|| trace);
    }
    shared::register_arc(entry, site, value);
}

/// `track!(&rc)`.
pub(crate) fn share_rc<T: std::fmt::Debug + 'static>(site: &'static Site, value: &Rc<T>, trace: Option<TraceFn>) {
    let entry = entry_at::<T>(site);
    if let Some(trace) = trace {
        entry.trace.get_or_init(|| trace);
    }
    shared::register_rc(entry, site, value);
}

#[inline]
fn register(entry: &'static TypeEntry, site: &'static Site) -> &'static Slot {
    let now = clock::ticks();
    match with_local(|l| l.register(entry, site, now)) {
        Some(slot) => slot,
        None => register_exiting(entry, site, now),
    }
}

#[cold]
#[inline(never)]
fn register_exiting(entry: &'static TypeEntry, site: &'static Site, now: u64) -> &'static Slot {
    as_exiting_writer(entry, |cell, id, thread| {
        let r = registry();
        let mut batch = r.take_slots();
        let slot = batch.pop().expect("a batch of slots is never empty");
        r.give_slots(batch);
        slot.fill(id, entry, site, thread, now);
        entry.note_created(cell);
        slot
    })
}

#[cold]
#[inline(never)]
fn unregister_exiting(entry: &'static TypeEntry, slot: &'static Slot) {
    let r = registry();
    let _writer = lock(&r.exiting);
    Cell::bump(&entry.exiting.dropped);
    r.give_slots(vec![slot]);
}

// ---------------------------------------------------------------------------
// Queries

/// The entry of a type, if it was ever registered. `get`, never `entry`:
/// a query must not create a type.
fn known(type_id: TypeId) -> Option<&'static TypeEntry> {
    registry().types.get(&type_id).map(|e| *e)
}

pub(crate) fn counts(type_id: TypeId) -> Counts {
    known(type_id).map_or_else(Counts::default, TypeEntry::counts)
}

/// The counts of every tracked type, from the counters and the weak lists
/// only: no instance record is read and no user code runs (for sampling).
pub(crate) fn all_counts() -> Vec<TypeCounts> {
    let entries: Vec<&'static TypeEntry> = registry().types.iter().map(|e| *e.value()).collect();
    entries.into_iter().map(|e| TypeCounts { key: e.index as u32, name: e.name, counts: e.counts() }).collect()
}

pub(crate) fn live_arcs<T: Send + Sync + 'static>() -> Vec<Arc<T>> {
    let Some(entry) = known(TypeId::of::<T>()) else { return Vec::new() };
    let mut strong: Vec<_> = entry.cells().flat_map(|cell| cell.arcs.lock().upgrade_all(&|_| true)).collect();
    strong.sort_by_key(|(stamp, _)| (stamp.created, stamp.id));
    strong.into_iter().filter_map(|(_, arc)| arc.downcast::<T>().ok()).collect()
}

pub(crate) fn live_rcs<T: 'static>() -> Vec<Rc<T>> {
    let Some(entry) = known(TypeId::of::<T>()) else { return Vec::new() };
    let strong = shared::with_rcs(entry, |l| l.upgrade_all(&|_| true)).unwrap_or_default();
    strong.into_iter().filter_map(|(_, rc)| rc.downcast::<T>().ok()).collect()
}

/// This thread's index and the smallest id it can hand out from now on.
pub(crate) fn checkpoint() -> Option<(u32, u64)> {
    with_local(|l| (l.thread, l.take_id() + 1))
}

/// Every live instance of the types `select` selects (all if `None`), or with
/// `since = Some((thread, id))` only those made by that thread with ids from
/// `id` on (see `checkpoint`). Only the instances kept are upgraded and
/// formatted: a report runs the `Debug` code of the types it asks for only.
pub(crate) fn snapshot(since: Option<(u32, u64)>, select: Option<&Pattern>) -> Snapshot {
    let wanted = |stamp: &Stamp| since.is_none_or(|(thread, id)| stamp.thread == thread && stamp.id >= id);
    let r = registry();
    let entries: Vec<&'static TypeEntry> =
        r.types.iter().map(|e| *e.value()).filter(|e| select.is_none_or(|p| p.selects(e.name))).collect();
    let selected: Vec<bool> = {
        let mut by_index = vec![false; r.type_count.load(Relaxed)];
        for e in &entries {
            if let Some(b) = by_index.get_mut(e.index) {
                *b = true;
            }
        }
        by_index
    };
    // A checkpoint's survivors (`since`) need the instances only; the exact
    // counts of every type would be computed and thrown away.
    let types = match since {
        Some(_) => Vec::new(),
        None => entries.iter().map(|e| TypeCounts { key: e.index as u32, name: e.name, counts: e.counts() }).collect(),
    };
    let chunks: Vec<&'static [Slot]> = lock(&r.chunks).clone();
    let mut records: Vec<Record> = chunks
        .iter()
        .flat_map(|c| c.iter())
        .filter_map(Slot::read)
        .filter(|r| selected.get(r.entry.index).copied().unwrap_or(false) && wanted(&r.stamp()))
        .collect();
    // Oldest first. Sorting these small records (mostly in order already)
    // is much cheaper than sorting the `Instance`s built from them.
    records.sort_unstable_by_key(|r| (r.created, r.id));
    let shared = take_shared(&entries, &wanted);
    let instance = namer(r);
    let mut instances = Vec::with_capacity(records.len() + shared.len());
    instances.extend(records.iter().map(|r| instance(r.entry, r.stamp(), None)));
    instances.extend(shared.iter().map(|s| instance(s.entry, s.stamp, s.debug_text())));
    let snapshot = Snapshot::new(true, types, instances);
    // Last: this may drop the last owner of an instance and run its `Drop`.
    drop(shared);
    snapshot
}

/// The temporary strong references instrack itself holds, by address: a
/// reference-graph analysis subtracts them, so that a report or another
/// analysis running meanwhile does not pass for an owner. A reference is
/// counted here after it is taken and uncounted before it is dropped, so
/// every window errs towards "owned from outside", never towards a leak.
static TEMPORARIES: Mutex<Option<HashMap<usize, usize>>> = Mutex::new(None);

/// A temporary strong reference to a live shared instance. Formatting and
/// dropping it run user code: never while a registry lock is held.
pub(crate) struct SharedRef {
    entry: &'static TypeEntry,
    stamp: Stamp,
    value: Strong,
}

enum Strong {
    Arc(Arc<dyn std::any::Any + Send + Sync>),
    Rc(Rc<dyn std::any::Any>),
}

impl Drop for SharedRef {
    fn drop(&mut self) {
        // Uncount first; the strong reference itself drops after this, with
        // no lock held (it may be the last one and run a `Drop`).
        let addr = self.addr();
        if let Some(map) = lock(&TEMPORARIES).as_mut() {
            if let std::collections::hash_map::Entry::Occupied(mut e) = map.entry(addr) {
                *e.get_mut() -= 1;
                if *e.get() == 0 {
                    e.remove();
                }
            }
        }
    }
}

impl SharedRef {
    fn value(&self) -> &dyn std::any::Any {
        match &self.value {
            Strong::Arc(a) => &**a,
            Strong::Rc(r) => &**r,
        }
    }

    fn strong_count(&self) -> usize {
        match &self.value {
            Strong::Arc(a) => Arc::strong_count(a),
            Strong::Rc(r) => Rc::strong_count(r),
        }
    }

    /// The value's address, as `Edges` reports it.
    fn addr(&self) -> usize {
        self.value() as *const dyn std::any::Any as *const () as usize
    }

    fn debug_text(&self) -> Option<String> {
        self.entry.debug.get().map(|d| shared::debug_text(*d, self.value()))
    }
}

impl crate::cycles::HeldValue for SharedRef {
    fn trace(&self, edges: &mut crate::trace::Edges<'_>) -> bool {
        match self.entry.trace.get() {
            Some(trace) => {
                trace(self.value(), edges);
                true
            }
            None => false,
        }
    }

    fn debug(&self) -> Option<String> {
        self.debug_text()
    }
}

/// Strong references to the live shared instances of `entries` that
/// `wanted` keeps: every thread's `Arc`s, and this thread's `Rc`s. Each list's
/// lock is held only while it is pruned and upgraded.
fn take_shared(entries: &[&'static TypeEntry], wanted: &dyn Fn(&Stamp) -> bool) -> Vec<SharedRef> {
    let mut taken = Vec::new();
    for &entry in entries {
        for cell in entry.cells() {
            let arcs = {
                let mut list = cell.arcs.lock();
                list.prune();
                list.upgrade_all(wanted)
            };
            taken.extend(arcs.into_iter().map(|(stamp, a)| SharedRef { entry, stamp, value: Strong::Arc(a) }));
        }
        let rcs = shared::with_rcs(entry, |l| {
            l.prune();
            l.upgrade_all(wanted)
        });
        taken.extend(rcs.into_iter().flatten().map(|(stamp, r)| SharedRef { entry, stamp, value: Strong::Rc(r) }));
    }
    let mut temporaries = lock(&TEMPORARIES);
    let map = temporaries.get_or_insert_with(HashMap::new);
    for t in &taken {
        *map.entry(t.addr()).or_insert(0) += 1;
    }
    taken
}

/// Builds `Instance`s from records. Made after the records are read, so that
/// every thread a record names is in the copied table.
fn namer(r: &Registry) -> impl Fn(&'static TypeEntry, Stamp, Option<String>) -> Instance {
    let threads: Vec<Arc<str>> = lock(&r.threads).clone();
    let age = Epoch::now().ager(r.epoch);
    move |entry, stamp, debug| Instance {
        id: stamp.id,
        type_key: entry.index as u32,
        type_name: entry.name,
        site: stamp.site,
        thread: threads.get(stamp.thread as usize).cloned().unwrap_or_else(|| Arc::from("?")),
        age: age(stamp.created),
        debug: debug.map(String::into_boxed_str),
    }
}

/// Every live shared instance with a temporary strong reference, for the
/// reference-graph analysis.
pub(crate) fn collect_graph() -> Vec<crate::cycles::Held> {
    let r = registry();
    let entries: Vec<&'static TypeEntry> = r.types.iter().map(|e| *e.value()).collect();
    let taken = take_shared(&entries, &|_| true);
    let instance = namer(r);
    // Strong counts read under the ledger's lock, less every temporary
    // reference instrack holds (this analysis's own included).
    let strong: Vec<usize> = {
        let temporaries = lock(&TEMPORARIES);
        let map = temporaries.as_ref();
        taken
            .iter()
            .map(|s| s.strong_count().saturating_sub(map.and_then(|m| m.get(&s.addr())).copied().unwrap_or(0)))
            .collect()
    };
    taken
        .into_iter()
        .zip(strong)
        .map(|(s, strong)| crate::cycles::Held {
            instance: instance(s.entry, s.stamp, None),
            addr: s.addr(),
            strong,
            value: Box::new(s),
        })
        .collect()
}
