//! [`Stamp`]: what the registry records when an instance is made, whether a
//! `Tracked` instance (copied out of its slot) or a shared one (kept beside
//! its weak reference). Queries turn stamps into `Instance`s. [`Moment`]:
//! the part of a stamp read at registration (time and task).

use super::task::Task;
use crate::site::Site;

/// What was recorded when an instance was registered.
#[derive(Clone, Copy)]
pub(super) struct Stamp {
    pub(super) id: u64,
    pub(super) site: &'static Site,
    pub(super) thread: u32,
    pub(super) created: u64,
    /// The tokio task it was made in (feature `tokio`; empty without).
    pub(super) task: Task,
}

impl Stamp {
    /// The stamp of the instance `id`, made by `thread` at `site` at `made`.
    #[inline(always)]
    pub(super) fn new(id: u64, site: &'static Site, thread: u32, made: Moment) -> Stamp {
        Stamp { id, site, thread, created: made.ticks, task: made.task }
    }
}

/// When, and in which task, an instance is made: read once per registration.
#[derive(Clone, Copy)]
pub(super) struct Moment {
    /// Raw ticks (see `clock.rs`).
    pub(super) ticks: u64,
    pub(super) task: Task,
}

impl Moment {
    #[inline(always)]
    pub(super) fn now() -> Moment {
        Moment { ticks: super::clock::ticks(), task: Task::current() }
    }

    /// A moment at `ticks` in no task, for the models and tests.
    #[cfg(test)]
    pub(super) fn at(ticks: u64) -> Moment {
        Moment::in_task(ticks, 0)
    }

    /// A moment at `ticks` in the task numbered `task` (with the feature
    /// `tokio`; in none without), for the models.
    #[cfg(test)]
    pub(super) fn in_task(ticks: u64, task: u64) -> Moment {
        Moment { ticks, task: Task::numbered(task) }
    }
}
