//! [`TaskId`]: the tokio task an instance was made in (feature `tokio`).
//!
//! tokio's `task::Id` shows its number (`Display`) but gives no way to read
//! it without formatting. Its `Hash` writes exactly that number (a derived
//! `Hash` of one `NonZeroU64`), so [`number_of`] reads it through a
//! `Hasher` that keeps what it is given: a few instructions, where
//! formatting would allocate on every registration. `tests/tasks.rs` holds
//! the two to the same text, so a tokio that hashed differently fails there.

use std::fmt;
use std::num::NonZeroU64;

/// The tokio task an instance was made in: see [`Instance::task`](crate::Instance::task).
///
/// Its `Display` is tokio's (`17`, as `tokio::task::Id` prints), and with
/// the feature `tokio` a `tokio::task::Id` converts into it, so an instance
/// can be matched to the task that made it:
///
/// ```
/// # #[cfg(feature = "tokio")]
/// # fn check(instance: &instrack::Instance) -> bool {
/// instance.task() == tokio::task::try_id().map(instrack::TaskId::from)
/// # }
/// ```
///
/// tokio documents that an ended task's id may be given to a later task:
/// an instance that outlived its task names a task that has ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(NonZeroU64);

impl TaskId {
    /// The number tokio gave the task, as its `Display` prints it.
    pub fn as_u64(self) -> u64 {
        self.0.get()
    }

    /// The id of the number `n`; `None` for 0, which no task has (read back
    /// from JSON, and the registry's "made outside a task").
    // Unused in builds with neither the registry's tasks nor `serde`.
    #[allow(dead_code)]
    pub(crate) fn from_u64(n: u64) -> Option<TaskId> {
        NonZeroU64::new(n).map(TaskId)
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
impl From<tokio::task::Id> for TaskId {
    fn from(id: tokio::task::Id) -> TaskId {
        TaskId(NonZeroU64::new(number_of(id)).unwrap_or(NonZeroU64::MIN))
    }
}

/// The number a `tokio::task::Id` prints: what its `Hash` writes (see the
/// module docs).
#[cfg(feature = "tokio")]
#[inline(always)]
pub(crate) fn number_of(id: tokio::task::Id) -> u64 {
    use std::hash::{Hash, Hasher};

    /// Keeps the number it is given.
    struct Number(u64);

    impl Hasher for Number {
        fn write_u64(&mut self, n: u64) {
            self.0 = n;
        }
        // Not called by today's tokio; kept deterministic for any other.
        fn write(&mut self, bytes: &[u8]) {
            for &b in bytes {
                self.0 = self.0.rotate_left(8) ^ u64::from(b);
            }
        }
        fn finish(&self) -> u64 {
            self.0
        }
    }

    let mut number = Number(0);
    id.hash(&mut number);
    number.0
}
