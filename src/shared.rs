//! `track!(&value)` for values shared through `Arc` or `Rc`.

use crate::imp;
use crate::site::Site;
use crate::trace::{Edges, Trace};
use std::any::Any;
use std::fmt::Debug;
use std::rc::Rc;
use std::sync::Arc;

/// What `track!(&value)` accepts: `&Arc<T>` (with `T: Debug + Send + Sync`)
/// or `&Rc<T>` (with `T: Debug`). Sealed; not part of the public API.
#[diagnostic::on_unimplemented(
    message = "`track!(&value)` takes a `&Arc<T>` or an `&Rc<T>`, not `&{Self}`",
    label = "not an `Arc` or `Rc` of a `Debug + 'static` type",
    note = "for a value owned in one place, put a `Tracked<Self>` field in it and initialise it with `track!()`"
)]
pub trait Shared: sealed::Sealed {
    #[doc(hidden)]
    fn __register(&self, site: &'static Site, trace: Option<TraceFn>);
}

mod sealed {
    pub trait Sealed {}
    impl<T: ?Sized> Sealed for std::sync::Arc<T> {}
    impl<T: ?Sized> Sealed for std::rc::Rc<T> {}
}

impl<T: Debug + Send + Sync + 'static> Shared for Arc<T> {
    #[inline]
    fn __register(&self, site: &'static Site, trace: Option<TraceFn>) {
        imp::share_arc(site, self, trace);
    }
}

impl<T: Debug + 'static> Shared for Rc<T> {
    #[inline]
    fn __register(&self, site: &'static Site, trace: Option<TraceFn>) {
        imp::share_rc(site, self, trace);
    }
}

/// How to trace a type's values behind `&dyn Any`.
#[doc(hidden)]
pub type TraceFn = fn(&dyn Any, &mut Edges<'_>);

fn trace_of<T: Trace + 'static>(value: &dyn Any, edges: &mut Edges<'_>) {
    if let Some(v) = value.downcast_ref::<T>() {
        v.trace(edges);
    }
}

/// `track!(&value)` asks this of `&Probe(value)`: method resolution picks
/// [`ViaTrace`] when the pointee implements [`Trace`] (no autoref needed),
/// else [`ViaNoTrace`] (one autoref away). Not part of the public API.
#[doc(hidden)]
pub struct Probe<'a, P>(pub &'a P);

/// The probe's answer for a `Trace` type. Not part of the public API.
#[doc(hidden)]
pub trait ViaTrace {
    #[doc(hidden)]
    fn __instrack_trace(&self) -> Option<TraceFn>;
}

impl<T: Trace + 'static> ViaTrace for Probe<'_, Arc<T>> {
    fn __instrack_trace(&self) -> Option<TraceFn> {
        Some(trace_of::<T>)
    }
}

impl<T: Trace + 'static> ViaTrace for Probe<'_, Rc<T>> {
    fn __instrack_trace(&self) -> Option<TraceFn> {
        Some(trace_of::<T>)
    }
}

/// The probe's answer for any other type. Not part of the public API.
#[doc(hidden)]
pub trait ViaNoTrace {
    #[doc(hidden)]
    fn __instrack_trace(&self) -> Option<TraceFn>;
}

impl<P> ViaNoTrace for &Probe<'_, P> {
    fn __instrack_trace(&self) -> Option<TraceFn> {
        None
    }
}
