//! [`Stamp`]: what the registry records when an instance is made, whether a
//! `Tracked` instance (copied out of its slot) or a shared one (kept beside
//! its weak reference). Queries turn stamps into `Instance`s.

use crate::site::Site;

/// What was recorded when an instance was registered.
#[derive(Clone, Copy)]
pub(super) struct Stamp {
    pub(super) id: u64,
    pub(super) site: &'static Site,
    pub(super) thread: u32,
    pub(super) created: u64,
}
