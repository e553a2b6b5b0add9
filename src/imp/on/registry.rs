//! The global registry: the type map, each type's entry, the call-site
//! cache, and the pools of slots. Touched only on slow paths and queries.
//!
//! **Invariant (entries are forever).** A [`TypeEntry`] is leaked when its
//! type is first registered and never freed, so `&'static TypeEntry` can be
//! cached in call sites and slots. A call site's cache is trusted only after
//! its `TypeId` is checked: one `static` serves every instantiation of a
//! generic function.
//!
//! **Invariant (cells outlive threads).** A type's cells form a push-only
//! linked list: a cell is linked before it is published with release
//! ordering and its `next` never changes. An exiting thread returns its cells
//! to the type's spare list, where the next thread continues their counts.

use super::clock::Epoch;
use super::counters::CounterCell;
use super::debug_text::DebugFn;
use super::slot::{Slot, CHUNK};
use super::sync::{Acquire, AtomicI64, AtomicPtr, AtomicU64, AtomicUsize, Relaxed, Release};
use crate::lock::lock;
use crate::shared::TraceFn;
use crate::site::Site;
use dashmap::DashMap;
use std::any::TypeId;
use std::sync::{Arc, Mutex, OnceLock};

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
}

pub(super) struct Registry {
    pub(super) types: DashMap<TypeId, &'static TypeEntry>,
    pub(super) type_count: AtomicUsize,
    /// Sites of `Tracked::default()` callers, interned by location.
    pub(super) caller_sites: DashMap<(&'static str, u32, u32), &'static Site>,
    pub(super) chunks: Mutex<Vec<&'static [Slot]>>,
    pool: Mutex<Vec<Vec<&'static Slot>>>,
    pub(super) threads: Mutex<Vec<Arc<str>>>,
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
        threads: Mutex::new(vec![Arc::from("(exiting thread)")]),
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
}

/// The entry of `T`, from the site's cache when it holds `T`'s.
#[inline]
pub(super) fn entry_at<T: ?Sized + 'static>(site: &'static Site) -> &'static TypeEntry {
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

/// The entry of a type, if it was ever registered. `get`, never `entry`:
/// a query must not create a type.
pub(super) fn known(type_id: TypeId) -> Option<&'static TypeEntry> {
    registry().types.get(&type_id).map(|e| *e)
}
