//! The atomics, cells, mutexes, threads and hints every protocol of the
//! registry is built from, in one place: from `std`, or from `loom` when built with
//! `--cfg loom`, so that the model checker sees every access (the pattern of
//! sharded-slab's `sync.rs`).
//!
//! [`model`] runs a test body: once with `std`, under every interleaving
//! loom explores with loom. The models beside each protocol therefore run as
//! plain unit tests in every `cargo test`, and as model checks with
//! `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test --release --lib`.

pub(super) use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};

// The two sources are named for where the primitives come from, not `imp`:
// that is the crate's name for the build mode (`imp/on/` or `imp/off.rs`).
#[cfg(not(loom))]
mod from_std {
    pub(crate) use std::hint::spin_loop;
    pub(crate) use std::sync::atomic::{fence, AtomicBool, AtomicI64, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize};
    pub(crate) use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard};
    #[cfg(test)]
    pub(crate) use std::thread;
    pub(crate) use std::thread::yield_now;

    /// `std::cell::UnsafeCell` with loom's API: access goes through a
    /// pointer guard, which loom tracks and `std` compiles away.
    #[derive(Debug)]
    pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        pub(crate) fn new(value: T) -> Self {
            UnsafeCell(std::cell::UnsafeCell::new(value))
        }

        pub(crate) fn get_mut(&self) -> MutPtr<T> {
            MutPtr(self.0.get())
        }
    }

    /// A pointer to the inside of an [`UnsafeCell`].
    pub(crate) struct MutPtr<T>(*mut T);

    impl<T> MutPtr<T> {
        /// # Safety
        /// As for dereferencing the raw pointer: no other reference to the
        /// value may be live.
        #[allow(clippy::mut_from_ref)]
        pub(crate) unsafe fn deref(&self) -> &mut T {
            // SAFETY: the caller's obligation, above.
            unsafe { &mut *self.0 }
        }
    }

    /// Runs a model's body once.
    #[cfg(test)]
    pub(crate) fn model(f: impl Fn() + Sync + Send + 'static) {
        f();
    }
}

#[cfg(loom)]
mod from_loom {
    pub(crate) use loom::cell::{MutPtr, UnsafeCell};
    pub(crate) use loom::hint::spin_loop;
    pub(crate) use loom::model;
    pub(crate) use loom::sync::atomic::{fence, AtomicBool, AtomicI64, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize};
    pub(crate) use loom::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard};
    pub(crate) use loom::thread;
    pub(crate) use loom::thread::yield_now;
}

#[cfg(loom)]
pub(super) use from_loom::*;
#[cfg(not(loom))]
pub(super) use from_std::*;
