//! A lock whose release is a plain store: uncontended, it costs one
//! compare-and-swap. Held only for a few vector operations, never while user
//! code runs.
//!
//! **Invariant.** `locked` goes from `false` to `true` only by a successful
//! acquire compare-and-swap, and back only by the guard's release store, so
//! at most one guard exists at a time and everything written under one guard
//! is visible to the next.

use super::sync::{spin_loop, yield_now, Acquire, AtomicBool, MutPtr, Relaxed, Release, UnsafeCell};

pub(super) struct SpinLock<T> {
    locked: AtomicBool,
    value: UnsafeCell<T>,
}

// SAFETY: the lock gives one thread at a time access to the value.
unsafe impl<T: Send> Sync for SpinLock<T> {}

impl<T> SpinLock<T> {
    pub(super) fn new(value: T) -> Self {
        SpinLock { locked: AtomicBool::new(false), value: UnsafeCell::new(value) }
    }

    #[inline]
    pub(super) fn lock(&self) -> SpinGuard<'_, T> {
        if self.locked.compare_exchange_weak(false, true, Acquire, Relaxed).is_err() {
            self.wait();
        }
        SpinGuard { lock: self, value: Some(self.value.get_mut()) }
    }

    /// Takes the lock another holder has: out of line, so that the
    /// uncontended `lock` keeps its caller's values in registers.
    #[cold]
    #[inline(never)]
    fn wait(&self) {
        let mut spins = 0u32;
        while self.locked.compare_exchange_weak(false, true, Acquire, Relaxed).is_err() {
            spins += 1;
            if spins < 64 {
                spin_loop();
            } else {
                yield_now();
            }
        }
    }
}

pub(super) struct SpinGuard<'a, T> {
    lock: &'a SpinLock<T>,
    /// `None` only while the guard drops: the access ends before the unlock.
    value: Option<MutPtr<T>>,
}

impl<T> std::ops::Deref for SpinGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds the lock, so no other guard (hence no
        // other reference to the value) exists; `&self` keeps `&mut self`
        // out while this reference lives.
        unsafe { self.value.as_ref().expect("set until drop").deref() }
    }
}

impl<T> std::ops::DerefMut for SpinGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as for `deref`; `&mut self` makes this reference unique.
        unsafe { self.value.as_ref().expect("set until drop").deref() }
    }
}

impl<T> Drop for SpinGuard<'_, T> {
    fn drop(&mut self) {
        drop(self.value.take());
        self.lock.locked.store(false, Release);
    }
}

#[cfg(test)]
mod tests {
    use super::super::sync::{model, thread, AtomicBool, Relaxed};
    use super::SpinLock;
    use std::sync::Arc;

    /// Mutual exclusion: two threads each add 1 with a read and a separate
    /// write under the lock while a third reads; no update is lost, and loom
    /// reports any access to the value outside the lock.
    #[test]
    fn the_lock_excludes() {
        model(|| {
            let lock = Arc::new(SpinLock::new(0u32));
            let inside = Arc::new(AtomicBool::new(false));
            let adders: Vec<_> = (0..2)
                .map(|_| {
                    let (lock, inside) = (Arc::clone(&lock), Arc::clone(&inside));
                    thread::spawn(move || {
                        let mut guard = lock.lock();
                        assert!(!inside.swap(true, Relaxed), "two guards at once");
                        let n = *guard;
                        *guard = n + 1;
                        inside.store(false, Relaxed);
                    })
                })
                .collect();
            for a in adders {
                a.join().unwrap();
            }
            assert_eq!(*lock.lock(), 2);
        });
    }
}
