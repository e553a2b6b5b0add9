//! [`Token`], the handle inside each `Tracked<T>`: a pointer to the slot
//! that records the instance, from its registration to its drop.
//!
//! A layer above that keeps data by instance id (the backtrace table)
//! learns of drops through a hook it installs ([`on_token_drop`]): the
//! registry never calls up into it.

use super::registry::{entry_of, fast_entry, fast_path_open, interned_site, make_fast, site_of};
use super::slot::Slot;
use super::thread;
use crate::site::Site;
use crate::static_size::Describe;
use std::any::TypeId;
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
    /// Registers an instance of the type `type_id` made at `caller`
    /// (`Tracked::new`; `describe` names it and gives its size, on a cache miss): its site is interned by location, since no
    /// `track!` gave one. `new_token` is told the new id (the backtrace
    /// table's hook: it records one if this thread captures).
    #[inline(never)]
    pub(crate) fn new(
        type_id: TypeId,
        describe: Describe,
        caller: &'static Location<'static>,
        new_token: fn(u64),
    ) -> Token {
        let site = interned_site(caller);
        let token = Token::from(thread::register(entry_of(site, type_id, describe), site));
        new_token(token.slot().id());
        token
    }

    /// Registers an instance of the type `type_id` made at the `track!`
    /// call `site` (`Tracked::__at`), or at `caller` when that `track!` is
    /// inside a `#[track_caller]` constructor. The hot path: when the site
    /// is fast for this type (see `registry.rs`), one load and the type's
    /// check, then the thread's slot and counter; everything else in
    /// [`Token::at_cold`]. Not generic, and not inlined into the caller's
    /// crate in debug builds, so that optimizing instrack alone makes it fast.
    #[cfg_attr(debug_assertions, inline(never))]
    #[cfg_attr(not(debug_assertions), inline)]
    pub(crate) fn at(
        site: &'static Site,
        type_id: TypeId,
        describe: Describe,
        caller: &'static Location<'static>,
        new_token: fn(u64),
    ) -> Token {
        match fast_entry(site, type_id) {
            Some(entry) => Token::from(thread::register(entry, site)),
            None => Token::at_cold(site, type_id, describe, caller, new_token),
        }
    }

    /// Resolves the site (own line or the constructor's caller) and the
    /// type's entry, registers, tells `new_token`, then makes the site fast
    /// if it records itself and the backtrace gate is open.
    #[cold]
    #[inline(never)]
    fn at_cold(
        site: &'static Site,
        type_id: TypeId,
        describe: Describe,
        caller: &'static Location<'static>,
        new_token: fn(u64),
    ) -> Token {
        let resolved = site_of(site, caller);
        let entry = entry_of(resolved, type_id, describe);
        let token = Token::from(thread::register(entry, resolved));
        // Before `make_fast`: the hook learns whether any thread captures,
        // and opens the gate when none does.
        new_token(token.slot().id());
        if std::ptr::eq(resolved, site) {
            make_fast(site, entry);
        }
        token
    }

    /// Registers a clone of this token's instance: same type and site,
    /// marked as a clone. `new_token` is told the new id unless the
    /// backtrace gate is open (no thread captures).
    #[cfg_attr(debug_assertions, inline(never))]
    #[cfg_attr(not(debug_assertions), inline)]
    pub(crate) fn duplicate(&self, new_token: fn(u64)) -> Token {
        let original = self.slot();
        let slot = thread::register(original.entry(), original.site());
        slot.mark_clone_of(original.id());
        if !fast_path_open() {
            new_token(slot.id());
        }
        Token::from(slot)
    }

    #[inline]
    fn slot(&self) -> &'static Slot {
        // SAFETY: made from a `&'static Slot` in `Token::from`.
        unsafe { self.0.as_ref() }
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
    /// Not inlined into the caller's crate in debug builds (see `Token::at`).
    #[cfg_attr(debug_assertions, inline(never))]
    #[cfg_attr(not(debug_assertions), inline)]
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
