//! [`Tracked<T>`], the field that makes a type tracked.

use crate::backtraces;
use crate::imp::Token;
use crate::static_size::{sized, unsized_name, StaticSize};
use std::any::TypeId;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::panic::Location;

/// A field that registers its owner as a live instance of `T`.
///
/// Put a `Tracked<Self>` in a struct and initialise it with
/// [`track!()`](crate::track). Each value of the struct is then a tracked
/// instance, from its construction to its drop.
///
/// All `Tracked` values compare equal and hash to nothing, so deriving
/// `PartialEq`, `Eq`, `Hash`, `PartialOrd` or `Ord` on the owner is unaffected.
/// Cloning registers a new instance, made at the original's site and marked
/// as a clone of it (`clone of #N` in reports, [`Instance::clone_of`](crate::Instance::clone_of)).
///
/// # Size and alignment
/// When tracking is compiled out, `Tracked<T>` is zero-sized, has alignment 1
/// and no `Drop` impl: the owner's size, alignment, niches and `needs_drop`
/// are those it would have without the field. When compiled in, it is one
/// pointer (with a niche, so `Option<Owner>` costs no more than `Owner`).
///
/// # Examples
/// ```
/// use instrack::{track, Tracked};
///
/// #[derive(Debug, Clone, PartialEq)]
/// struct Session { user: String, _tracked: Tracked<Self> }
///
/// let a = Session { user: "ada".into(), _tracked: track!() };
/// let b = a.clone();
/// assert_eq!(a, b);
/// assert_eq!(instrack::counts::<Session>().live, if instrack::ENABLED { 2 } else { 0 });
/// ```
pub struct Tracked<T: ?Sized> {
    token: Token,
    _type: PhantomData<fn() -> T>,
}

impl<T: ?Sized + 'static> Tracked<T> {
    /// Registers a new instance of `T`, recording the caller's file and line.
    ///
    /// Prefer [`track!()`](crate::track), which also records the module and
    /// the size of `T` (for [`TypeCounts::estimated_bytes`](crate::TypeCounts::estimated_bytes)),
    /// and finds its type without a map lookup. `new` accepts any `T`, also
    /// an unsized one (`Tracked<dyn MyTrait>`), and records no size.
    ///
    /// # Examples
    /// ```
    /// trait Plugin {}
    /// struct Loaded { _t: instrack::Tracked<dyn Plugin> }
    ///
    /// let _p = Loaded { _t: instrack::Tracked::new() };
    /// ```
    /// `track!()` there would not compile: it records `size_of::<T>()`.
    /// ```compile_fail
    /// trait Plugin {}
    /// struct Loaded { _t: instrack::Tracked<dyn Plugin> }
    ///
    /// let _p = Loaded { _t: instrack::track!() };
    /// ```
    #[track_caller]
    pub fn new() -> Tracked<T> {
        let token = Token::new(TypeId::of::<T>(), unsized_name::<T>, Location::caller(), backtraces::for_token);
        Tracked { token, _type: PhantomData }
    }
}

impl<T: ?Sized + StaticSize + 'static> Tracked<T> {
    /// `track!()`. `#[track_caller]`, so that `Location::caller()` is the
    /// caller of a `#[track_caller]` constructor (else the `track!()` line).
    ///
    /// The only generic code of a registration, compiled in the caller's
    /// crate (unoptimized in its debug builds): it passes the site, the
    /// type's id, how to describe it (name and size, read on a cache miss
    /// only), the caller and the backtrace hook to the registry's one
    /// non-generic `Token::at`.
    #[doc(hidden)]
    #[inline]
    #[track_caller]
    pub fn __at(site: &'static crate::__private::Site) -> Tracked<T> {
        let token = Token::at(site, TypeId::of::<T>(), sized::<T>, Location::caller(), backtraces::for_token);
        Tracked { token, _type: PhantomData }
    }
}

impl<T: ?Sized> Tracked<T> {
    /// The instance's id, as reports and snapshots show it; `None` when
    /// tracking is compiled out.
    pub fn id(&self) -> Option<u64> {
        self.token.id()
    }
}

impl<T: ?Sized + StaticSize + 'static> Default for Tracked<T> {
    /// Same as [`Tracked::new`]: registers an instance made at the caller,
    /// and records `size_of::<T>()` for the bytes-held estimate as `track!()`
    /// does.
    #[track_caller]
    fn default() -> Self {
        let token = Token::new(TypeId::of::<T>(), sized::<T>, Location::caller(), backtraces::for_token);
        Tracked { token, _type: PhantomData }
    }
}

impl<T: ?Sized> Clone for Tracked<T> {
    /// Registers a new instance of `T`, with the original's creation site,
    /// marked as a clone of the original.
    #[inline]
    fn clone(&self) -> Self {
        Tracked { token: self.token.duplicate(backtraces::for_token), _type: PhantomData }
    }
}

impl<T: ?Sized> fmt::Debug for Tracked<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.id() {
            Some(id) => write!(f, "Tracked(#{id})"),
            None => f.write_str("Tracked"),
        }
    }
}

impl<T: ?Sized> PartialEq for Tracked<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl<T: ?Sized> Eq for Tracked<T> {}
impl<T: ?Sized> PartialOrd for Tracked<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<T: ?Sized> Ord for Tracked<T> {
    fn cmp(&self, _: &Self) -> Ordering {
        Ordering::Equal
    }
}
impl<T: ?Sized> Hash for Tracked<T> {
    fn hash<H: Hasher>(&self, _: &mut H) {}
}
