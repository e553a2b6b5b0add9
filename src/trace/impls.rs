//! `Trace` for the standard library's types. Pointers report themselves,
//! containers trace what they contain, locks and cells trace without waiting,
//! and leaves (numbers, text, times, paths, …) hold no reference and report
//! nothing, so that a derive needs nothing for the fields made of them.

use super::{Edges, Trace};
use std::cell::{Cell, OnceCell, RefCell};
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap, HashSet, LinkedList, VecDeque};
use std::ops::Deref;
use std::rc::{self, Rc};
use std::sync::{self, Arc, Mutex, OnceLock, RwLock, TryLockError, TryLockResult};

impl<T: ?Sized> Trace for Arc<T> {
    fn trace(&self, edges: &mut Edges<'_>) {
        edges.arc(self);
    }
}

impl<T: ?Sized> Trace for Rc<T> {
    fn trace(&self, edges: &mut Edges<'_>) {
        edges.rc(self);
    }
}

/// A weak reference keeps nothing alive: not an edge.
impl<T: ?Sized> Trace for sync::Weak<T> {
    fn trace(&self, _: &mut Edges<'_>) {}
}

/// A weak reference keeps nothing alive: not an edge.
impl<T: ?Sized> Trace for rc::Weak<T> {
    fn trace(&self, _: &mut Edges<'_>) {}
}

impl<T: Trace + ?Sized> Trace for Box<T> {
    fn trace(&self, edges: &mut Edges<'_>) {
        (**self).trace(edges);
    }
}

impl<T: Trace + ?Sized> Trace for &T {
    fn trace(&self, edges: &mut Edges<'_>) {
        (**self).trace(edges);
    }
}

impl<T: Trace> Trace for Option<T> {
    fn trace(&self, edges: &mut Edges<'_>) {
        if let Some(v) = self {
            v.trace(edges);
        }
    }
}

impl<T: Trace> Trace for [T] {
    fn trace(&self, edges: &mut Edges<'_>) {
        for v in self {
            v.trace(edges);
        }
    }
}

impl<T: Trace, const N: usize> Trace for [T; N] {
    fn trace(&self, edges: &mut Edges<'_>) {
        self.as_slice().trace(edges);
    }
}

impl<T: Trace> Trace for Vec<T> {
    fn trace(&self, edges: &mut Edges<'_>) {
        self.as_slice().trace(edges);
    }
}

impl<T: Trace> Trace for VecDeque<T> {
    fn trace(&self, edges: &mut Edges<'_>) {
        for v in self {
            v.trace(edges);
        }
    }
}

/// Traces the values; keys are not traced.
impl<K, V: Trace, S> Trace for HashMap<K, V, S> {
    fn trace(&self, edges: &mut Edges<'_>) {
        for v in self.values() {
            v.trace(edges);
        }
    }
}

/// Traces the values; keys are not traced.
impl<K, V: Trace> Trace for BTreeMap<K, V> {
    fn trace(&self, edges: &mut Edges<'_>) {
        for v in self.values() {
            v.trace(edges);
        }
    }
}

/// Borrows with `try_borrow`; while mutably borrowed, reports the value as not traced.
impl<T: Trace + ?Sized> Trace for RefCell<T> {
    fn trace(&self, edges: &mut Edges<'_>) {
        match self.try_borrow() {
            Ok(v) => v.trace(edges),
            Err(_) => edges.untraced("RefCell mutably borrowed"),
        }
    }
}

/// Locks with `try_lock`, never waiting; while the lock is held, reports the
/// value as not traced.
impl<T: Trace + ?Sized> Trace for Mutex<T> {
    fn trace(&self, edges: &mut Edges<'_>) {
        trace_locked(self.try_lock(), edges, "Mutex held");
    }
}

/// Reads with `try_read`, never waiting; while write-locked, reports the
/// value as not traced.
impl<T: Trace + ?Sized> Trace for RwLock<T> {
    fn trace(&self, edges: &mut Edges<'_>) {
        trace_locked(self.try_read(), edges, "RwLock write-locked");
    }
}

/// Traces what a lock's `try_lock` or `try_read` gave: the value, also
/// behind a poisoned lock (tracing only reads it); nothing while the lock is
/// held, only the reason it could not be traced.
fn trace_locked<T: Trace + ?Sized>(
    locked: TryLockResult<impl Deref<Target = T>>,
    edges: &mut Edges<'_>,
    held: &'static str,
) {
    match locked {
        Ok(v) => (*v).trace(edges),
        Err(TryLockError::Poisoned(p)) => (**p.get_ref()).trace(edges),
        Err(TryLockError::WouldBlock) => edges.untraced(held),
    }
}

/// Traces the value, which is a copy: a `Cell` can hold only `Copy` values
/// here, and no `Copy` value owns an `Arc` or `Rc`.
impl<T: Trace + Copy> Trace for Cell<T> {
    fn trace(&self, edges: &mut Edges<'_>) {
        self.get().trace(edges);
    }
}

impl<T: Trace> Trace for OnceCell<T> {
    fn trace(&self, edges: &mut Edges<'_>) {
        if let Some(v) = self.get() {
            v.trace(edges);
        }
    }
}

impl<T: Trace> Trace for OnceLock<T> {
    fn trace(&self, edges: &mut Edges<'_>) {
        if let Some(v) = self.get() {
            v.trace(edges);
        }
    }
}

impl<T: Trace, E: Trace> Trace for Result<T, E> {
    fn trace(&self, edges: &mut Edges<'_>) {
        match self {
            Ok(v) => v.trace(edges),
            Err(e) => e.trace(edges),
        }
    }
}

/// Traces every item of the collections that iterate by reference.
macro_rules! trace_items {
    ($($ty:ident),*) => {$(
        impl<T: Trace> Trace for $ty<T> {
            fn trace(&self, edges: &mut Edges<'_>) {
                for v in self {
                    v.trace(edges);
                }
            }
        }
    )*};
}
trace_items!(BTreeSet, BinaryHeap, LinkedList);

impl<T: Trace, S> Trace for HashSet<T, S> {
    fn trace(&self, edges: &mut Edges<'_>) {
        for v in self {
            v.trace(edges);
        }
    }
}

/// Tuples trace each element, unnamed.
macro_rules! trace_tuples {
    ($(($($name:ident)+))*) => {$(
        impl<$($name: Trace),+> Trace for ($($name,)+) {
            #[allow(non_snake_case)]
            fn trace(&self, edges: &mut Edges<'_>) {
                let ($($name,)+) = self;
                $($name.trace(edges);)+
            }
        }
    )*};
}
trace_tuples! { (A) (A B) (A B C) (A B C D) (A B C D E) (A B C D E F) }

/// Types that hold no `Arc` or `Rc`: nothing to report.
macro_rules! leaves {
    ($($ty:ty),* $(,)?) => {$(
        /// Holds no `Arc` or `Rc`: reports nothing.
        impl Trace for $ty {
            #[inline(always)]
            fn trace(&self, _: &mut Edges<'_>) {}
        }
    )*};
}
leaves! {
    (), bool, char, str, String,
    u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize, f32, f64,
    std::num::NonZeroU8, std::num::NonZeroU16, std::num::NonZeroU32, std::num::NonZeroU64,
    std::num::NonZeroU128, std::num::NonZeroUsize, std::num::NonZeroI8, std::num::NonZeroI16,
    std::num::NonZeroI32, std::num::NonZeroI64, std::num::NonZeroI128, std::num::NonZeroIsize,
    std::sync::atomic::AtomicBool, std::sync::atomic::AtomicU8, std::sync::atomic::AtomicU16,
    std::sync::atomic::AtomicU32, std::sync::atomic::AtomicU64, std::sync::atomic::AtomicUsize,
    std::sync::atomic::AtomicI8, std::sync::atomic::AtomicI16, std::sync::atomic::AtomicI32,
    std::sync::atomic::AtomicI64, std::sync::atomic::AtomicIsize,
    std::time::Duration, std::time::Instant, std::time::SystemTime,
    std::path::Path, std::path::PathBuf, std::ffi::OsStr, std::ffi::OsString, std::ffi::CStr, std::ffi::CString,
    std::net::IpAddr, std::net::Ipv4Addr, std::net::Ipv6Addr, std::net::SocketAddr,
    std::any::TypeId, std::thread::ThreadId, std::cmp::Ordering,
}

/// Marks a type without holding one: reports nothing.
impl<T: ?Sized> Trace for std::marker::PhantomData<T> {
    #[inline(always)]
    fn trace(&self, _: &mut Edges<'_>) {}
}

/// The token of a tracked value holds no `Arc` or `Rc`: reports nothing.
impl<T: ?Sized> Trace for crate::Tracked<T> {
    #[inline(always)]
    fn trace(&self, _: &mut Edges<'_>) {}
}
