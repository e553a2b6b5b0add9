//! [`StaticSize`]: the size of a `Tracked<T>`'s `T`, known where `track!()`
//! is written, for the bytes-held estimate of types tracked by a field.
//!
//! A `Tracked<T>` accepts any `T: ?Sized`, and stable Rust cannot ask
//! `size_of::<T>()` of such a `T`. The bound below can be: a blanket impl
//! for every sized type, and impls for the unsized types a token may name
//! (`str`, slices, `dyn Any` and its `Send`/`Sync` forms), which have no
//! size to record. The impls do not overlap: the blanket one needs `Sized`.
//!
//! The size is read once per call site and type, when the site's cache
//! misses (a cold path): the per-instance path never reads it.

/// The size of one value of a type that a `Tracked` field names; `0` for
/// unsized types. **Not part of the public API**: `track!()` and
/// `Tracked::default()` require it, `Tracked::new()` does not.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`track!()` needs the size of `{Self}`, which is unsized",
    note = "build the token with `Tracked::new()`, which accepts any type (its instances then show no size)"
)]
pub trait StaticSize {
    /// `size_of::<Self>()`, or 0 when `Self` is unsized.
    const SIZE: usize;
}

impl<T> StaticSize for T {
    const SIZE: usize = std::mem::size_of::<T>();
}

/// Unsized types a token may name: nothing to record.
macro_rules! unsized_types {
    ($($ty:ty),* $(,)?) => {$(
        impl StaticSize for $ty {
            const SIZE: usize = 0;
        }
    )*};
}

unsized_types!(
    str,
    std::ffi::CStr,
    std::ffi::OsStr,
    std::path::Path,
    dyn std::any::Any,
    dyn std::any::Any + Send,
    dyn std::any::Any + Send + Sync,
);

impl<T> StaticSize for [T] {
    const SIZE: usize = 0;
}

/// What the registry's cold path learns of a type: its name, as
/// [`std::any::type_name`] spells it, and its size (0 when unknown). A
/// function, called only when a call site's cache misses, so that the
/// per-instance path passes one pointer and computes neither.
pub(crate) type Describe = fn() -> (&'static str, usize);

/// [`Describe`] for a `T` whose size is known where `track!()` is written.
pub(crate) fn sized<T: ?Sized + StaticSize>() -> (&'static str, usize) {
    (std::any::type_name::<T>(), T::SIZE)
}

/// [`Describe`] for any `T`: its name, no size (`Tracked::new`, and shared
/// values, whose size is seen from the value itself).
pub(crate) fn unsized_name<T: ?Sized>() -> (&'static str, usize) {
    (std::any::type_name::<T>(), 0)
}
