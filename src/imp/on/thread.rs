//! Per-thread state: this thread's counter cell for each type, its free
//! slots, its block of ids; and the path for threads whose state is gone.
//!
//! **Invariant (nothing on the drop path needs the thread-local).** Drops
//! run during thread-local destruction, where `LocalKey::with` aborts: the
//! state is reached through [`STATE`], a pointer in a thread-local with no
//! destructor (always readable), non-null only while [`OWNER`], the lazy
//! thread-local that owns the state, is alive; when it is null and `OWNER`
//! can no longer be made, the registration or drop is counted in the type's
//! exiting cell, under the registry's `exiting` mutex, which makes its
//! holder that cell's single writer.
//!
//! **Invariant (one use of the state at a time).** The state is borrowed
//! `&mut` from the pointer only by [`with_thread_state`] and for the span of
//! its closure, and no closure passed to it registers or drops a token or
//! runs user code (they take slots, ids and cells, and at most a registry
//! lock): uses of one thread's state never nest, which a `RefCell` would
//! check at a cost of four instructions per use on the hot path.
//!
//! **Invariant (ids only grow per thread).** A thread's ids come from blocks
//! of [`ID_BLOCK`] taken from a global counter, so a thread's ids are
//! increasing and never reused: a checkpoint is (thread, next id).
//!
//! **Slots flow back.** A thread holding more than `2 * CHUNK` free slots
//! returns `CHUNK` of them to the global pool; an exiting thread returns all.

use super::counters::CounterCell;
use super::entry::TypeEntry;
use super::registry::registry;
use super::slot::{Slot, CHUNK};
use super::stamp::Moment;
use super::sync::Relaxed;
use super::thread_names::EXITING_THREAD;
use crate::lock::lock;
use crate::site::Site;
use std::cell::Cell;
use std::sync::Arc;

/// Ids are handed to threads in blocks, so that making an id is a local add.
const ID_BLOCK: u64 = 1024;

/// What one thread owns in the registry.
pub(super) struct ThreadState {
    pub(super) thread: u32,
    /// This thread's cell for each type, by `TypeEntry::index`.
    cells: Vec<Option<&'static CounterCell>>,
    entries: Vec<&'static TypeEntry>,
    free: Vec<&'static Slot>,
    next_id: u64,
    end_id: u64,
}

thread_local! {
    /// This thread's state while [`OWNER`] is alive, else null. No
    /// destructor and a constant initializer: reading it is one load.
    static STATE: Cell<*mut ThreadState> = const { Cell::new(std::ptr::null_mut()) };
    /// Owns this thread's state: made on first use, frees it at thread exit.
    static OWNER: Owner = Owner::new();
}

/// The owner of a thread's [`ThreadState`]; see the module docs.
struct Owner(*mut ThreadState);

impl Owner {
    fn new() -> Owner {
        let state = Box::into_raw(Box::new(ThreadState::new()));
        STATE.set(state);
        Owner(state)
    }
}

impl Drop for Owner {
    fn drop(&mut self) {
        // Unpublished first: drops that run after this (other thread-locals'
        // destructors) take the exiting path.
        STATE.set(std::ptr::null_mut());
        // SAFETY: made by `Box::into_raw` in `Owner::new`, freed only here;
        // no use of it is running (one use at a time, see the module docs).
        drop(unsafe { Box::from_raw(self.0) });
    }
}

impl ThreadState {
    fn new() -> ThreadState {
        let current = std::thread::current();
        let name: Arc<str> = match current.name() {
            Some(name) => Arc::from(name),
            None => Arc::from(unnamed(current.id())),
        };
        ThreadState {
            thread: registry().threads.add(name),
            cells: Vec::new(),
            entries: Vec::new(),
            free: Vec::new(),
            next_id: 0,
            end_id: 0,
        }
    }

    #[inline]
    fn cell(&mut self, entry: &'static TypeEntry) -> &'static CounterCell {
        match self.cells.get(entry.index) {
            Some(Some(cell)) => cell,
            _ => self.add_cell(entry),
        }
    }

    #[cold]
    #[inline(never)]
    fn add_cell(&mut self, entry: &'static TypeEntry) -> &'static CounterCell {
        if self.cells.len() <= entry.index {
            self.cells.resize(entry.index + 1, None);
        }
        let cell = entry.acquire_cell();
        self.cells[entry.index] = Some(cell);
        self.entries.push(entry);
        cell
    }

    /// The registration when everything it needs is at hand (a cell for
    /// the type, a free slot, an id left in the block); `None` otherwise,
    /// having changed nothing. Calls nothing: no register is saved.
    #[inline(always)]
    fn try_register(&mut self, entry: &'static TypeEntry, site: &'static Site, made: Moment) -> Option<&'static Slot> {
        let cell = (*self.cells.get(entry.index)?)?;
        if self.next_id == self.end_id {
            return None;
        }
        let slot = self.free.pop()?;
        let id = self.next_id;
        self.next_id += 1;
        slot.fill(id, entry, site, self.thread, made);
        entry.note_created(cell);
        Some(slot)
    }

    #[cold]
    #[inline(never)]
    fn register(&mut self, entry: &'static TypeEntry, site: &'static Site, made: Moment) -> &'static Slot {
        let cell = self.cell(entry);
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => self.refill(),
        };
        let id = self.take_id();
        slot.fill(id, entry, site, self.thread, made);
        entry.note_created(cell);
        slot
    }

    /// The next id of this thread: ids of one thread only grow.
    #[inline]
    pub(super) fn take_id(&mut self) -> u64 {
        if self.next_id == self.end_id {
            self.refill_ids();
        }
        self.next_id += 1;
        self.next_id - 1
    }

    /// The drop's count when the thread has a cell for the type and room
    /// for the slot; `false` otherwise, having changed nothing.
    #[inline(always)]
    fn try_unregister(&mut self, entry: &'static TypeEntry, slot: &'static Slot) -> bool {
        let Some(Some(cell)) = self.cells.get(entry.index) else { return false };
        if self.free.len() >= 2 * CHUNK || self.free.len() == self.free.capacity() {
            return false;
        }
        CounterCell::bump(&cell.dropped);
        self.free.push(slot);
        true
    }

    #[cold]
    #[inline(never)]
    fn unregister(&mut self, entry: &'static TypeEntry, slot: &'static Slot) {
        let cell = self.cell(entry);
        CounterCell::bump(&cell.dropped);
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

impl Drop for ThreadState {
    fn drop(&mut self) {
        // Counts stay in the cells; a later thread continues them.
        for entry in &self.entries {
            if let Some(cell) = self.cells[entry.index] {
                lock(&entry.spare_cells).push(cell);
            }
        }
        let r = registry();
        r.give_slots(std::mem::take(&mut self.free));
        // Its last stamp is made: its name stays only while instances need it.
        r.thread_exited(self.thread);
    }
}

/// Runs `f` on this thread's state, or returns `None` while it is being
/// destroyed or after (drops during thread-local destruction). `f` must not
/// register or drop a token, nor run user code (see the module docs).
#[inline]
pub(super) fn with_thread_state<R>(f: impl FnOnce(&mut ThreadState) -> R) -> Option<R> {
    let state = STATE.get();
    if state.is_null() {
        return with_new_thread_state(f);
    }
    // SAFETY: non-null only while `OWNER` owns the state; `&mut` for the
    // span of `f`, and uses never nest (see the module docs).
    Some(f(unsafe { &mut *state }))
}

/// [`with_thread_state`] on a thread whose state is not made yet, or gone.
#[cold]
#[inline(never)]
fn with_new_thread_state<R>(f: impl FnOnce(&mut ThreadState) -> R) -> Option<R> {
    // Makes the state on first use; fails while the thread's locals are
    // being destroyed, or after.
    let state = OWNER.try_with(|owner| owner.0).ok()?;
    // SAFETY: as in `with_thread_state`.
    Some(f(unsafe { &mut *state }))
}

/// The calling thread's cell for `entry`, a fresh id and the thread's
/// index, when all are at hand (the caller is then the cell's single
/// writer); `None` otherwise, having changed nothing: use [`as_writer`].
#[inline]
pub(super) fn writer(entry: &'static TypeEntry) -> Option<(&'static CounterCell, u64, u32)> {
    let state = STATE.get();
    if state.is_null() {
        return None;
    }
    // SAFETY: as in `with_thread_state`.
    let s = unsafe { &mut *state };
    let cell = (*s.cells.get(entry.index)?)?;
    if s.next_id == s.end_id {
        return None;
    }
    s.next_id += 1;
    Some((cell, s.next_id - 1, s.thread))
}

/// Runs `f` as the single writer of the calling thread's cell for `entry`,
/// with a fresh id and the thread's index; while the thread's state is
/// gone, as the writer of the type's exiting cell.
pub(super) fn as_writer<R>(entry: &'static TypeEntry, f: impl FnOnce(&'static CounterCell, u64, u32) -> R) -> R {
    match with_thread_state(|s| (s.cell(entry), s.take_id(), s.thread)) {
        Some((cell, id, thread)) => f(cell, id, thread),
        None => as_exiting_writer(entry, f),
    }
}

/// Runs `f` as the writer of the type's exiting cell, for a thread whose
/// state is gone: under the registry's `exiting` mutex, with an id from the
/// global counter and the exiting thread's index.
#[cold]
fn as_exiting_writer<R>(entry: &'static TypeEntry, f: impl FnOnce(&'static CounterCell, u64, u32) -> R) -> R {
    let r = registry();
    let _writer = lock(&r.exiting);
    f(entry.exiting, r.next_id.fetch_add(1, Relaxed), EXITING_THREAD)
}

/// Registers a new `Tracked` instance: fills a slot and counts it. The
/// common case calls nothing; the rest is in [`register_cold`].
#[inline]
pub(super) fn register(entry: &'static TypeEntry, site: &'static Site) -> &'static Slot {
    let made = Moment::now();
    let state = STATE.get();
    if !state.is_null() {
        // SAFETY: as in `with_thread_state`.
        if let Some(slot) = unsafe { &mut *state }.try_register(entry, site, made) {
            return slot;
        }
    }
    register_cold(entry, site, made)
}

#[cold]
#[inline(never)]
fn register_cold(entry: &'static TypeEntry, site: &'static Site, made: Moment) -> &'static Slot {
    match with_thread_state(|s| s.register(entry, site, made)) {
        Some(slot) => slot,
        None => register_exiting(entry, site, made),
    }
}

#[cold]
#[inline(never)]
fn register_exiting(entry: &'static TypeEntry, site: &'static Site, made: Moment) -> &'static Slot {
    as_exiting_writer(entry, |cell, id, thread| {
        let r = registry();
        let mut batch = r.take_slots();
        let slot = batch.pop().expect("a batch of slots is never empty");
        r.give_slots(batch);
        slot.fill(id, entry, site, thread, made);
        entry.note_created(cell);
        slot
    })
}

/// Counts the drop of the instance in `slot` (already cleared) in the
/// dropping thread's cell, and gives the slot back. The common case calls
/// nothing; the rest is in [`unregister_cold`].
#[inline]
pub(super) fn unregister(entry: &'static TypeEntry, slot: &'static Slot) {
    let state = STATE.get();
    // SAFETY: as in `with_thread_state`.
    if state.is_null() || !unsafe { &mut *state }.try_unregister(entry, slot) {
        unregister_cold(entry, slot);
    }
}

#[cold]
#[inline(never)]
fn unregister_cold(entry: &'static TypeEntry, slot: &'static Slot) {
    if with_thread_state(|s| s.unregister(entry, slot)).is_none() {
        unregister_exiting(entry, slot);
    }
}

#[cold]
#[inline(never)]
fn unregister_exiting(entry: &'static TypeEntry, slot: &'static Slot) {
    let r = registry();
    let _writer = lock(&r.exiting);
    CounterCell::bump(&entry.exiting.dropped);
    r.give_slots(vec![slot]);
}

/// How an unnamed thread is shown: `#5` (reports read `thread #5`), the
/// number of its `ThreadId`, whose `Debug` text is `ThreadId(5)`.
fn unnamed(id: std::thread::ThreadId) -> String {
    let debug = format!("{id:?}");
    match debug.strip_prefix("ThreadId(").and_then(|n| n.strip_suffix(')')) {
        Some(n) => format!("#{n}"),
        None => debug,
    }
}
