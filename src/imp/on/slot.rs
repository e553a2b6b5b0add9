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

use super::registry::TypeEntry;
use super::sync::{fence, Acquire, AtomicPtr, AtomicU32, AtomicU64, Relaxed, Release};
use super::weak_list::Stamp;
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
}

/// A consistent copy of a filled slot.
pub(super) struct Record {
    pub(super) id: u64,
    pub(super) entry: &'static TypeEntry,
    pub(super) site: &'static Site,
    pub(super) created: u64,
    pub(super) thread: u32,
}

impl Record {
    pub(super) fn stamp(&self) -> Stamp {
        Stamp { id: self.id, site: self.site, thread: self.thread, created: self.created }
    }
}

impl Slot {
    pub(super) const fn vacant() -> Slot {
        Slot {
            id: AtomicU64::new(0),
            entry: AtomicPtr::new(std::ptr::null_mut()),
            site: AtomicPtr::new(std::ptr::null_mut()),
            created: AtomicU64::new(0),
            thread: AtomicU32::new(0),
        }
    }

    #[inline]
    pub(super) fn fill(&self, id: u64, entry: &'static TypeEntry, site: &'static Site, thread: u32, created: u64) {
        // The slot is vacant. Keep the field stores after the `id = 0` that
        // vacated it, so a reader that sees a new field also sees id != its id.
        fence(Release);
        self.entry.store(entry as *const TypeEntry as *mut TypeEntry, Relaxed);
        self.site.store(site as *const Site as *mut Site, Relaxed);
        self.created.store(created, Relaxed);
        self.thread.store(thread, Relaxed);
        self.id.store(id, Release);
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
        fence(Acquire);
        if self.id.load(Relaxed) != id || entry.is_null() || site.is_null() {
            return None;
        }
        // SAFETY: non-null pointers in a slot come from `&'static` references.
        Some(Record { id, entry: unsafe { &*entry }, site: unsafe { &*site }, created, thread })
    }
}
