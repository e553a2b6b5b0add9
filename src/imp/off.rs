//! Tracking compiled out: the same items as `on/mod.rs` exports, with
//! empty bodies.
//! Nothing here has a `Drop` impl, so `Tracked<T>` is zero-sized and leaves
//! `needs_drop` of the user's type unchanged.

/// See [`crate::ENABLED`].
pub(crate) const ENABLED: bool = false;

use crate::pattern::Pattern;
use crate::shared::{DebugFn, TraceFn};
use crate::site::Site;
use crate::snapshot::{Counts, Instance, Snapshot};
use crate::trace::Edges;
use std::any::TypeId;
use std::panic::Location;
use std::rc::Rc;
use std::sync::Arc;

/// The per-instance handle: nothing.
#[derive(Debug)]
pub(crate) struct Token;

impl Token {
    #[inline(always)]
    pub(crate) fn new(
        _type: TypeId,
        _describe: crate::static_size::Describe,
        _caller: &'static Location<'static>,
        _new_token: fn(u64),
    ) -> Token {
        Token
    }
    #[inline(always)]
    pub(crate) fn at(
        _site: &'static Site,
        _type: TypeId,
        _describe: crate::static_size::Describe,
        _caller: &'static Location<'static>,
        _new_token: fn(u64),
    ) -> Token {
        Token
    }
    #[inline(always)]
    pub(crate) fn duplicate(&self, _new_token: fn(u64)) -> Token {
        Token
    }
    #[inline(always)]
    pub(crate) fn id(&self) -> Option<u64> {
        None
    }
}

/// No token registers, so none drops: the hook is never called.
pub(crate) fn on_token_drop(_hook: fn(u64)) {}

/// No registration to hasten.
pub(crate) fn open_fast_path() {}

/// No registration to slow down.
pub(crate) fn close_fast_path() {}

#[inline(always)]
pub(crate) fn counts(_type: TypeId) -> Counts {
    Counts::default()
}

pub(crate) fn all_counts() -> Vec<crate::snapshot::TypeCounts> {
    Vec::new()
}

pub(crate) fn snapshot(_since: Option<Since>, _select: Option<&Pattern>) -> Snapshot {
    Snapshot::new(false, Vec::new(), Vec::new())
}

#[inline(always)]
pub(crate) fn share_arc<T: Send + Sync + 'static>(
    _site: &'static Site,
    _caller: &'static Location<'static>,
    _value: &Arc<T>,
    _trace: Option<TraceFn>,
    _debug: Option<DebugFn>,
    _new_arc: fn(u64, &std::sync::Weak<dyn std::any::Any + Send + Sync>),
) -> Option<u64> {
    None
}

#[inline(always)]
pub(crate) fn share_rc<T: 'static>(
    _site: &'static Site,
    _caller: &'static Location<'static>,
    _value: &Rc<T>,
    _trace: Option<TraceFn>,
    _debug: Option<DebugFn>,
    _new_rc: fn(u64, &std::rc::Weak<dyn std::any::Any>),
) -> Option<u64> {
    None
}

pub(crate) fn live_arcs<T: Send + Sync + 'static>() -> Vec<Arc<T>> {
    Vec::new()
}

pub(crate) fn live_rcs<T: 'static>() -> Vec<Rc<T>> {
    Vec::new()
}

/// Where a shared instance is registered: none exist when compiled out.
#[derive(Clone, Debug)]
pub(crate) enum ValueRef {}

pub(crate) fn debug_text_of(value: &ValueRef) -> Option<String> {
    match *value {}
}

/// What a checkpoint counts from: none exist when compiled out.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Since {}

#[inline(always)]
pub(crate) fn checkpoint(_all_threads: bool) -> Option<Since> {
    None
}

/// Strong references to the value at an address: with no registry, no
/// query holds any.
pub(crate) fn owners(_addr: usize, strong: &dyn Fn() -> usize) -> usize {
    strong()
}

/// A live shared instance held for the reference-graph analysis: none
/// exist when compiled out.
pub(crate) enum Held {}

impl Held {
    pub(crate) fn instance(&self) -> &Instance {
        match *self {}
    }
    pub(crate) fn addr(&self) -> usize {
        match *self {}
    }
    pub(crate) fn strong(&self) -> usize {
        match *self {}
    }
    pub(crate) fn trace(&self, _edges: &mut Edges<'_>) -> bool {
        match *self {}
    }
    pub(crate) fn debug(&self) -> Option<String> {
        match *self {}
    }
}

pub(crate) fn collect_graph() -> Vec<Held> {
    Vec::new()
}
