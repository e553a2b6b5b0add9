//! `track!(&value)` for values shared through `Arc` or `Rc`, and [`live`]
//! and [`live_rc`], which hand the live ones back.

use crate::imp;
use crate::site::Site;
use crate::trace::{Edges, Trace};
use std::any::Any;
use std::fmt::{self, Debug};
use std::panic::Location;
use std::rc::Rc;
use std::sync::Arc;

/// What `track!(&value)` accepts: `&Arc<T>` (with `T: Send + Sync`) or
/// `&Rc<T>`. Sealed; not part of the public API.
#[diagnostic::on_unimplemented(
    message = "`track!(&value)` takes a `&Arc<T>` or an `&Rc<T>`, not `&{Self}`",
    label = "not an `Arc` or `Rc` of a `'static` type",
    note = "for a value owned in one place, put a `Tracked<Self>` field in it and initialise it with `track!()`"
)]
pub trait Shared: sealed::Sealed {
    #[doc(hidden)]
    #[track_caller]
    fn __register(&self, site: &'static Site, trace: Option<TraceFn>, debug: Option<DebugFn>);
}

mod sealed {
    pub trait Sealed {}
    impl<T: ?Sized> Sealed for std::sync::Arc<T> {}
    impl<T: ?Sized> Sealed for std::rc::Rc<T> {}
}

impl<T: Send + Sync + 'static> Shared for Arc<T> {
    #[inline]
    #[track_caller]
    fn __register(&self, site: &'static Site, trace: Option<TraceFn>, debug: Option<DebugFn>) {
        imp::share_arc(site, Location::caller(), self, trace, debug, crate::backtraces::for_arc);
    }
}

impl<T: 'static> Shared for Rc<T> {
    #[inline]
    #[track_caller]
    fn __register(&self, site: &'static Site, trace: Option<TraceFn>, debug: Option<DebugFn>) {
        imp::share_rc(site, Location::caller(), self, trace, debug, crate::backtraces::for_rc);
    }
}

/// How to format a type's values behind `&dyn Any`: its `Debug`.
#[doc(hidden)]
pub type DebugFn = fn(&dyn Any, &mut fmt::Formatter<'_>) -> fmt::Result;

fn debug_of<T: Debug + 'static>(value: &dyn Any, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match value.downcast_ref::<T>() {
        Some(v) => Debug::fmt(v, f),
        None => f.write_str("<?>"),
    }
}

/// The probe's answer for a `Debug` type: reports print its values. Not
/// part of the public API.
#[doc(hidden)]
pub trait ViaDebug {
    #[doc(hidden)]
    fn __instrack_debug(&self) -> Option<DebugFn>;
}

impl<T: Debug + 'static> ViaDebug for Probe<'_, Arc<T>> {
    fn __instrack_debug(&self) -> Option<DebugFn> {
        Some(debug_of::<T>)
    }
}

impl<T: Debug + 'static> ViaDebug for Probe<'_, Rc<T>> {
    fn __instrack_debug(&self) -> Option<DebugFn> {
        Some(debug_of::<T>)
    }
}

/// The probe's answer for a type without `Debug`: reports print the
/// instance without value text. Not part of the public API.
#[doc(hidden)]
pub trait ViaNoDebug {
    #[doc(hidden)]
    fn __instrack_debug(&self) -> Option<DebugFn>;
}

impl<P> ViaNoDebug for &Probe<'_, P> {
    fn __instrack_debug(&self) -> Option<DebugFn> {
        None
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
/// else [`ViaNoTrace`] (one autoref away); likewise [`ViaDebug`] and
/// [`ViaNoDebug`] for `Debug`. Not part of the public API.
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

/// The live `Arc<T>` instances registered with `track!(&arc)`, oldest first.
///
/// The returned `Arc`s are strong references: the instances stay alive at
/// least until you drop them. Empty when tracking is compiled out.
///
/// # Examples
/// ```
/// use std::sync::Arc;
///
/// #[derive(Debug)]
/// struct Config { name: &'static str }
///
/// let a = Arc::new(Config { name: "a" });
/// instrack::track!(&a);
/// let b = Arc::new(Config { name: "b" });
/// instrack::track!(&b);
/// drop(b);
/// # if !instrack::ENABLED { return; }
/// let live = instrack::live::<Config>();
/// assert_eq!(live.len(), 1);
/// assert!(Arc::ptr_eq(&live[0], &a));
/// ```
pub fn live<T: Send + Sync + 'static>() -> Vec<Arc<T>> {
    imp::live_arcs()
}

/// The live `Rc<T>` instances that this thread registered with
/// `track!(&rc)`, oldest first. Other threads' `Rc`s are not visible: an
/// `Rc` cannot be touched outside its thread. Empty when tracking is compiled out.
///
/// # Examples
/// ```
/// use std::rc::Rc;
///
/// #[derive(Debug)]
/// struct Node { name: &'static str }
///
/// let a = Rc::new(Node { name: "a" });
/// instrack::track!(&a);
/// let live = instrack::live_rc::<Node>();
/// if instrack::ENABLED {
///     assert_eq!(live.len(), 1);
///     assert_eq!(live[0].name, "a");
/// }
/// let on_another_thread = std::thread::spawn(|| instrack::live_rc::<Node>().len()).join().unwrap();
/// assert_eq!(on_another_thread, 0);
/// ```
pub fn live_rc<T: 'static>() -> Vec<Rc<T>> {
    imp::live_rcs()
}
