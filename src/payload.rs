//! A caught panic's payload: what it says, and how to let go of it.
//!
//! A payload is a value of the user's code: its own `Drop` may panic, and a
//! panic out of that drop would escape the `catch_unwind` that caught the
//! first one. So instrack never drops a payload bare: [`dispose`] drops it
//! under a second `catch_unwind` and forgets whatever that one catches (a
//! leak of one payload, only when a payload's drop has panicked).
//!
//! It lives at the crate root, beneath both build modes, like `lock.rs`: the
//! registry's `Debug` text and the cycle analysis's `Trace` calls use it.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// What `catch_unwind` returns for a panic.
pub(crate) type Payload = Box<dyn Any + Send>;

/// The payload's message, when it is one (`panic!` gives a `&str` or a
/// `String`); `"non-string payload"` otherwise. Unbounded and unescaped:
/// the caller bounds and escapes it for its output.
pub(crate) fn message(payload: &Payload) -> &str {
    match payload.downcast_ref::<&str>() {
        Some(s) => s,
        None => payload.downcast_ref::<String>().map_or("non-string payload", String::as_str),
    }
}

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
    fn a_message_is_read_from_either_string_type() {
        assert_eq!(message(&(Box::new("static") as Payload)), "static");
        assert_eq!(message(&(Box::new(String::from("owned")) as Payload)), "owned");
        assert_eq!(message(&(Box::new(7u8) as Payload)), "non-string payload");
    }

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
