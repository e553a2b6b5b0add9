//! The one way instrack takes its own mutexes: ignoring poison.
//!
//! No user code runs under these locks (user `Debug` and `Drop` run after
//! every lock is released; see "Safety and correctness" in the crate docs),
//! so a mutex poisoned by a panic elsewhere still guards consistent data, and
//! a debugging aid must not take the program down for it.
//!
//! It lives at the crate root, beneath both build modes: the registry
//! (`imp/on/`) locks with it, and so do modules that exist whether tracking
//! is compiled in or out (`backtraces`, `watch`, `cycles`, `http`). It
//! imports nothing from the crate, so reaching it never calls up a layer.

use std::sync::{LockResult, Mutex, MutexGuard, PoisonError};

/// Locks `mutex`, ignoring poison (see the module docs).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    unpoisoned(mutex.lock())
}

/// The guard of a lock, poisoned or not: for a lock other than std's
/// `Mutex` (loom's, in the registry's model checks), whose `lock` returns
/// the same `LockResult`.
pub(crate) fn unpoisoned<G>(result: LockResult<G>) -> G {
    result.unwrap_or_else(PoisonError::into_inner)
}
