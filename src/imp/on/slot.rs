//! The record of one `Tracked` instance, and its seqlock.
//!
//! A [`Slot`] is vacant when its `id` is 0. It is written by one thread at a
//! time, the one that owns the token, and read by snapshots on any thread.
//!
//! **Invariant (seqlock).** The writer stores the fields after a release
//! fence that follows the `id = 0` which vacated the slot, then publishes the
//! new `id` with release ordering. A reader loads `id` (acquire), the fields,
//! an acquire fence, then `id` again: if both loads give the same non-zero id,
//! every field it read belongs to that id. Ids are never reused, so a slot
//! cleared and refilled between the two loads always shows a different id.

use super::entry::TypeEntry;
use super::stamp::Moment;
use super::stamp::Stamp;
use super::sync::{fence, Acquire, AtomicPtr, AtomicU32, AtomicU64, Relaxed, Release};
use super::task::{Task, TaskCell};
use crate::site::Site;

/// Slots are allocated this many at a time, and move between a thread and
/// the global pool in batches of this size.
pub(super) const CHUNK: usize = 256;

/// The record of one instance; see the module docs.
pub(crate) struct Slot {
    id: AtomicU64,
    entry: AtomicPtr<TypeEntry>,
    site: AtomicPtr<Site>,
    created: AtomicU64,
    thread: AtomicU32,
    /// For a clone, its id minus the original's, as `i32` bits (it fits in
    /// the padding after `thread`); 0 when not a clone or out of range.
    clone_of: AtomicU32,
    /// The tokio task that made it (feature `tokio`; no bytes without).
    task: TaskCell,
}

// The size a slot costs each live instance: one word more with the feature
// `tokio` (the task), and without it exactly what it was before the feature
// existed (40 bytes on 64-bit targets; README, "Tasks"). Loom's atomics are
// larger.
#[cfg(not(loom))]
const _: () = assert!(
    std::mem::size_of::<Slot>() == 24 + 2 * std::mem::size_of::<usize>() + if cfg!(feature = "tokio") { 8 } else { 0 }
);

/// A consistent copy of a filled slot.
pub(super) struct Record {
    pub(super) id: u64,
    pub(super) entry: &'static TypeEntry,
    pub(super) site: &'static Site,
    pub(super) created: u64,
    pub(super) thread: u32,
    pub(super) clone_of: Option<u64>,
    pub(super) task: Task,
}

impl Record {
    pub(super) fn stamp(&self) -> Stamp {
        Stamp { id: self.id, site: self.site, thread: self.thread, created: self.created, task: self.task }
    }
}

impl Slot {
    pub(super) fn vacant() -> Slot {
        Slot {
            id: AtomicU64::new(0),
            entry: AtomicPtr::new(std::ptr::null_mut()),
            site: AtomicPtr::new(std::ptr::null_mut()),
            created: AtomicU64::new(0),
            thread: AtomicU32::new(0),
            clone_of: AtomicU32::new(0),
            task: TaskCell::new(),
        }
    }

    #[inline]
    pub(super) fn fill(&self, id: u64, entry: &'static TypeEntry, site: &'static Site, thread: u32, made: Moment) {
        // The slot is vacant. Keep the field stores after the `id = 0` that
        // vacated it, so a reader that sees a new field also sees id != its id.
        fence(Release);
        self.entry.store(entry as *const TypeEntry as *mut TypeEntry, Relaxed);
        self.site.store(site as *const Site as *mut Site, Relaxed);
        self.created.store(made.ticks, Relaxed);
        self.thread.store(thread, Relaxed);
        self.clone_of.store(0, Relaxed);
        self.task.store(made.task);
        self.id.store(id, Release);
    }

    /// Marks a just-filled slot as a clone of the instance `original`; by its
    /// owner only. A reader may miss the mark for that instant, never see a
    /// wrong one: `fill` cleared it before publishing the id.
    pub(super) fn mark_clone_of(&self, original: u64) {
        if let Ok(delta) = i32::try_from(self.id() as i64 - original as i64) {
            self.clone_of.store(delta as u32, Relaxed);
        }
    }

    /// Vacates the slot; by its owner only.
    #[inline]
    pub(super) fn clear(&self) {
        self.id.store(0, Release);
    }

    /// The id of a filled slot; by its owner only.
    #[inline]
    pub(super) fn id(&self) -> u64 {
        self.id.load(Relaxed)
    }

    #[inline]
    pub(super) fn entry(&self) -> &'static TypeEntry {
        // SAFETY: a slot owned by a token was filled with a pointer made from
        // a `&'static TypeEntry`, and entries are never freed.
        unsafe { &*self.entry.load(Relaxed) }
    }

    #[inline]
    pub(super) fn site(&self) -> &'static Site {
        // SAFETY: as for `entry`: filled from a `&'static Site`.
        unsafe { &*self.site.load(Relaxed) }
    }

    /// A consistent copy of the record, or `None` if the slot is vacant or
    /// changed while being read.
    pub(super) fn read(&self) -> Option<Record> {
        let id = self.id.load(Acquire);
        if id == 0 {
            return None;
        }
        let entry = self.entry.load(Relaxed);
        let site = self.site.load(Relaxed);
        let created = self.created.load(Relaxed);
        let thread = self.thread.load(Relaxed);
        let delta = self.clone_of.load(Relaxed) as i32;
        let task = self.task.load();
        fence(Acquire);
        if self.id.load(Relaxed) != id || entry.is_null() || site.is_null() {
            return None;
        }
        // SAFETY: non-null pointers in a slot come from `&'static` references.
        let clone_of = (delta != 0).then(|| (id as i64 - delta as i64) as u64);
        // SAFETY: as above.
        Some(Record { id, entry: unsafe { &*entry }, site: unsafe { &*site }, created, thread, clone_of, task })
    }
}

#[cfg(test)]
mod tests {
    use super::super::entry::TypeEntry;
    use super::super::sync::{model, thread};
    use super::{Moment, Slot};
    use crate::site::Site;
    use std::any::TypeId;
    use std::sync::Arc;

    static SITES: [Site; 3] =
        [Site::new("m", "zero.rs", 0, 0), Site::new("m", "one.rs", 1, 1), Site::new("m", "two.rs", 2, 2)];

    /// The writer fills the slot with id 1, clears it, refills it with id 2,
    /// while another thread reads it: every read is vacant or gives fields
    /// that all belong to one id, the task's too (kept under loom and with
    /// the feature `tokio`, see `task.rs`).
    ///
    /// Fails when the protocol is weakened: a field (the task, say) stored
    /// after the id is published is read with the new id and the old value.
    #[test]
    fn a_read_sees_nothing_or_one_whole_record() {
        model(|| {
            let entry: &'static TypeEntry = TypeEntry::leak(TypeId::of::<u8>(), "u8", 0);
            let slot = Arc::new(Slot::vacant());
            let writer = {
                let slot = Arc::clone(&slot);
                thread::spawn(move || {
                    slot.fill(1, entry, &SITES[1], 1, Moment::in_task(10, 1));
                    slot.clear();
                    slot.fill(2, entry, &SITES[2], 2, Moment::in_task(20, 2));
                })
            };
            for _ in 0..2 {
                if let Some(r) = slot.read() {
                    assert!(r.id == 1 || r.id == 2, "id {}", r.id);
                    assert_eq!((r.thread as u64, r.created, r.site.line as u64), (r.id, 10 * r.id, r.id));
                    assert!(std::ptr::eq(r.entry, entry));
                    assert_eq!(r.task.id().map(|t| t.as_u64()), cfg!(any(feature = "tokio", loom)).then_some(r.id));
                }
            }
            writer.join().unwrap();
            let last = slot.read().expect("filled");
            assert_eq!((last.id, last.created), (2, 20));
        });
    }
}
