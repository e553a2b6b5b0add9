//! A caught panic's payload: how to let go of it.
//!
//! A payload is a value of the user's code: its own `Drop` may panic, and a
//! panic out of that drop would escape the `catch_unwind` that caught the
//! first one. So instrack never drops a payload bare: [`dispose`] drops it
//! under a second `catch_unwind` and forgets whatever that one catches (a
//! leak of one payload, only when a payload's drop has panicked).
//!
//! It lives at the crate root, beneath both build modes, like `lock.rs`: the
//! registry's `Debug` text and the cycle analysis's `Trace` calls use it
//! (the `Debug` text, which shows a payload's message, reads it itself).

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// What `catch_unwind` returns for a panic.
pub(crate) type Payload = Box<dyn Any + Send>;

/// Drops `payload` where a panic of its `Drop` cannot escape (see the module docs).
pub(crate) fn dispose(payload: Payload) {
    if let Err(second) = catch_unwind(AssertUnwindSafe(|| drop(payload))) {
        // Dropping this one could panic again: it is forgotten, not dropped.
        std::mem::forget(second);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_whose_drop_panics_is_disposed_of_without_a_panic() {
        struct Nasty;
        impl Drop for Nasty {
            fn drop(&mut self) {
                // resume_unwind: a panic without the hook's message.
                std::panic::resume_unwind(Box::new("the payload's drop panicked"));
            }
        }
        let caught = catch_unwind(|| std::panic::resume_unwind(Box::new(Nasty))).unwrap_err();
        dispose(caught); // returns: the second panic stays inside
    }
}
