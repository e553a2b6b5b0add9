//! [`Task`]: the tokio task an instance is made in, as the registry records
//! it, and [`TaskCell`], where a slot keeps it.
//!
//! Without the feature `tokio` both are empty: a slot and a stamp are no
//! larger and a registration does no more than before the feature existed.
//! With it, a registration asks tokio once and stores one more word. On a
//! thread that never ran tokio, that first question sets up tokio's
//! thread-local context, as any call into tokio does there. The
//! model checks (`--cfg loom`, where tokio cannot be built: it has a loom
//! mode of its own) keep the word, always 0, so that the slot's model checks
//! the seqlock with the task in it.

use crate::task::TaskId;

cfg_if::cfg_if! {
    if #[cfg(any(feature = "tokio", loom))] {
        use super::sync::{AtomicU64, Relaxed};

        /// The task's number, 0 for "made outside a task".
        #[derive(Clone, Copy)]
        pub(super) struct Task(u64);

        impl Task {
            /// The task running on this thread now: one call into tokio,
            /// which reads its thread-local context.
            #[inline(always)]
            pub(super) fn current() -> Task {
                #[cfg(feature = "tokio")]
                return Task(tokio::task::try_id().map_or(0, crate::task::number_of));
                #[cfg(not(feature = "tokio"))]
                Task(0)
            }

            pub(super) fn id(self) -> Option<TaskId> {
                TaskId::from_u64(self.0)
            }

            /// The task numbered `n` (0: none), for the models.
            #[cfg(test)]
            pub(super) fn numbered(n: u64) -> Task {
                Task(n)
            }
        }

        /// A slot's task, written and read under the slot's seqlock.
        pub(super) struct TaskCell(AtomicU64);

        impl TaskCell {
            pub(super) fn new() -> TaskCell {
                TaskCell(AtomicU64::new(0))
            }

            #[inline(always)]
            pub(super) fn store(&self, task: Task) {
                self.0.store(task.0, Relaxed);
            }

            #[inline(always)]
            pub(super) fn load(&self) -> Task {
                Task(self.0.load(Relaxed))
            }
        }
    } else {
        /// Nothing: tasks are recorded with the feature `tokio` only.
        #[derive(Clone, Copy)]
        pub(super) struct Task;

        impl Task {
            #[inline(always)]
            pub(super) fn current() -> Task {
                Task
            }

            pub(super) fn id(self) -> Option<TaskId> {
                None
            }

            /// Nothing, for the models.
            #[cfg(test)]
            pub(super) fn numbered(_: u64) -> Task {
                Task
            }
        }

        /// Nothing to keep.
        pub(super) struct TaskCell;

        impl TaskCell {
            pub(super) fn new() -> TaskCell {
                TaskCell
            }

            #[inline(always)]
            pub(super) fn store(&self, _: Task) {}

            #[inline(always)]
            pub(super) fn load(&self) -> Task {
                Task
            }
        }
    }
}
