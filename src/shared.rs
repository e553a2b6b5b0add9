//! `track!(&value)` for values shared through `Arc` or `Rc`.

use crate::imp;
use crate::site::Site;
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
    fn __register(&self, site: &'static Site);
}

mod sealed {
    pub trait Sealed {}
    impl<T: ?Sized> Sealed for std::sync::Arc<T> {}
    impl<T: ?Sized> Sealed for std::rc::Rc<T> {}
}

impl<T: Debug + Send + Sync + 'static> Shared for Arc<T> {
    #[inline]
    fn __register(&self, site: &'static Site) {
        imp::share_arc(site, self);
    }
}

impl<T: Debug + 'static> Shared for Rc<T> {
    #[inline]
    fn __register(&self, site: &'static Site) {
        imp::share_rc(site, self);
    }
}
