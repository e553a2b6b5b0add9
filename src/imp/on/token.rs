//! [`Token`], the handle inside each `Tracked<T>`: a pointer to the slot
//! that records the instance, from its registration to its drop.
//!
//! A layer above that keeps data by instance id (the backtrace table)
//! learns of drops through a hook it installs ([`on_token_drop`]): the
//! registry never calls up into it.

use super::registry::{entry_at, interned_site, site_of};
use super::slot::Slot;
use super::thread;
use crate::site::Site;
use std::panic::Location;
use std::ptr::NonNull;
use std::sync::OnceLock;

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
    /// Registers an instance made at `caller` (`Tracked::new`): its site is
    /// interned by location, since no `track!` gave one. `size`: see `at`.
    #[inline(never)]
    pub(crate) fn new<T: ?Sized + 'static>(caller: &'static Location<'static>, size: usize) -> Token {
        let site = interned_site(caller);
        Token::from(thread::register(entry_at::<T>(site, size), site))
    }

    /// Registers an instance made at the `track!` call `site`
    /// (`Tracked::__at`), or at `caller` when that `track!` is inside a
    /// `#[track_caller]` constructor. `size` is `size_of::<T>()` (0 if
    /// unknown), a constant read only when the site's cache misses.
    #[inline]
    pub(crate) fn at<T: ?Sized + 'static>(
        site: &'static Site,
        caller: &'static Location<'static>,
        size: usize,
    ) -> Token {
        let site = site_of(site, caller);
        Token::from(thread::register(entry_at::<T>(site, size), site))
    }

    #[inline]
    fn slot(&self) -> &'static Slot {
        // SAFETY: made from a `&'static Slot` in `Token::from`.
        unsafe { self.0.as_ref() }
    }

    #[inline]
    pub(crate) fn duplicate(&self) -> Token {
        let slot = thread::register(self.slot().entry(), self.slot().site());
        slot.mark_clone_of(self.slot().id());
        Token::from(slot)
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
        if let Some(hook) = DROP_HOOK.get() {
            hook(slot.id());
        }
        slot.clear();
        thread::unregister(entry, slot);
    }
}

/// Called with the id of each token that drops, once installed.
static DROP_HOOK: OnceLock<fn(u64)> = OnceLock::new();

/// Installs `hook`, to be called with the id of each token that drops from
/// now on; until then a drop pays one load. One hook: the first installed
/// stays (the backtrace table's, installed with its first token backtrace).
pub(crate) fn on_token_drop(hook: fn(u64)) {
    let _ = DROP_HOOK.set(hook);
}
