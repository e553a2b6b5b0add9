//! [`Task`]: the tokio task an instance is made in, as the registry records
//! it, and [`TaskCell`], where a slot keeps it.
//!
//! Without the feature `tokio` both are empty: a slot and a stamp are no
//! larger and a registration does no more than before the feature existed.
//! With it, a registration asks tokio once (`crate::task::current`) and
//! stores one more word.

use crate::task::TaskId;

cfg_if::cfg_if! {
    if #[cfg(feature = "tokio")] {
        use super::sync::{AtomicU64, Relaxed};

        /// The task's number, 0 for "made outside a task".
        #[derive(Clone, Copy)]
        pub(super) struct Task(u64);

        impl Task {
            #[cfg(test)]
            pub(super) const NONE: Task = Task(0);

            /// The task running on this thread now: one call into tokio,
            /// which reads its thread-local context.
            #[inline(always)]
            pub(super) fn current() -> Task {
                Task(tokio::task::try_id().map_or(0, crate::task::number_of))
            }

            pub(super) fn id(self) -> Option<TaskId> {
                TaskId::from_u64(self.0)
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
            #[cfg(test)]
            pub(super) const NONE: Task = Task;

            #[inline(always)]
            pub(super) fn current() -> Task {
                Task
            }

            pub(super) fn id(self) -> Option<TaskId> {
                None
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
