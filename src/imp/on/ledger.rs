//! The ledger of temporaries: the strong references instrack's own queries
//! hold for a moment (to format a value, or to trace it), so that strong
//! counts can be read less them.
//!
//! **Invariant (the ledger of temporaries).** Every temporary strong
//! reference a query holds is entered in the [`Ledger`] as `held` under the
//! ledger's lock in the same step as its upgrade, and moves to `releasing`
//! before it drops, leaving the ledger after. So, under the ledger's lock,
//! `held ≤ temporaries ≤ held + releasing`:
//! - a reference-graph analysis subtracts `held` only, so it can see an
//!   instance as owned from outside too often: it may miss a leak, never
//!   invent one;
//! - a leak check ([`owners`]) reads `Weak::strong_count` (never upgrading)
//!   and counts as owned only what exceeds `held + releasing`, so another
//!   thread's query can never make a value look alive to it.
//!
//! A temporary is dropped with no lock held: it may be the last reference,
//! and its drop runs the user's `Drop`.

use super::debug_text::{debug_text, NODE_INPUT_LIMIT};
use super::entry::TypeEntry;
use super::stamp::Stamp;
use super::sync::{yield_now, Mutex, MutexGuard};
use super::weak_list::{ArcWeak, RcWeak, WeakRef};
use crate::lock::unpoisoned;
use std::any::Any;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::{Arc, OnceLock};

/// The temporary strong references held, by the address of their value:
/// `held` from the moment each is taken (under this lock, in the same step
/// as its upgrade) to the moment its release starts, then `releasing` until
/// it has been dropped. See the module docs for who reads which.
pub(super) struct Ledger {
    temporaries: Mutex<HashMap<usize, Temporaries>>,
}

#[derive(Default)]
struct Temporaries {
    held: usize,
    releasing: usize,
}

/// The process's ledger.
fn ledger() -> &'static Ledger {
    static LEDGER: OnceLock<Ledger> = OnceLock::new();
    LEDGER.get_or_init(Ledger::new)
}

/// How many strong references to the value at `addr` are not instrack's own
/// temporaries; see [`Ledger::owners`].
pub(crate) fn owners(addr: usize, strong: &dyn Fn() -> usize) -> usize {
    ledger().owners(addr, strong)
}

impl Ledger {
    fn new() -> Ledger {
        Ledger { temporaries: Mutex::new(HashMap::new()) }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<usize, Temporaries>> {
        unpoisoned(self.temporaries.lock())
    }

    /// The ledger's lock, to take temporaries under ([`Entering::take`]).
    fn entering(&self) -> Entering<'_> {
        Entering(self.lock())
    }

    /// Lets go of the temporary `value` to the value at `addr`: `held` to
    /// `releasing`, the drop with no lock held, then out of the ledger, also
    /// when the drop panics: the last step is a guard's, not a statement after
    /// the drop, so no `releasing` outlives its reference and hides the owner
    /// of a later value at the same address.
    fn release<S>(&self, addr: usize, value: S) {
        self.update(addr, |t| {
            t.held -= 1;
            t.releasing += 1;
        });
        let _released = Released { ledger: self, addr };
        // With no lock held: it may be the last reference and run a `Drop`,
        // which may panic; `_released` leaves the ledger after it either way.
        drop(value);
    }

    /// Changes the count of temporaries at `addr`, under the lock; removes
    /// the address when none is left.
    fn update(&self, addr: usize, f: fn(&mut Temporaries)) {
        if let std::collections::hash_map::Entry::Occupied(mut e) = self.lock().entry(addr) {
            f(e.get_mut());
            if e.get().held == 0 && e.get().releasing == 0 {
                e.remove();
            }
        }
    }

    /// How many strong references to the value at `addr` are not instrack's
    /// own temporaries; `strong` reads its strong count (without upgrading:
    /// no user code) and is read under the ledger's lock, so that no query
    /// takes or lets go of a temporary in between.
    ///
    /// Exact unless a query is letting go of a reference to the same value
    /// in that instant; then this waits for it (briefly: a release is a
    /// decrement), and if it is still unsure after that, it answers 0: a
    /// race with a query may hide an owner for that instant, never invent one.
    fn owners(&self, addr: usize, strong: &dyn Fn() -> usize) -> usize {
        for _ in 0..1000 {
            let (strong, held, releasing) = {
                let ledger = self.lock();
                let t = ledger.get(&addr);
                (strong(), t.map_or(0, |t| t.held), t.map_or(0, |t| t.releasing))
            };
            if strong <= held {
                return 0;
            }
            if strong > held + releasing {
                return strong - held - releasing;
            }
            yield_now();
        }
        0
    }

    /// Runs `f` under the ledger's lock, given how many temporaries are
    /// `held` at an address: for strong counts read less them.
    fn with_held<R>(&self, f: impl FnOnce(&dyn Fn(usize) -> usize) -> R) -> R {
        let ledger = self.lock();
        f(&|addr| ledger.get(&addr).map_or(0, |t| t.held))
    }
}

/// The last step of [`Ledger::release`], run when the temporary has been
/// dropped, whether its drop returned or unwound.
struct Released<'a> {
    ledger: &'a Ledger,
    addr: usize,
}

impl Drop for Released<'_> {
    fn drop(&mut self) {
        self.ledger.update(self.addr, |t| t.releasing -= 1);
    }
}

/// The ledger's lock, held while temporaries are taken.
struct Entering<'a>(MutexGuard<'a, HashMap<usize, Temporaries>>);

impl Entering<'_> {
    /// Upgrades (`upgrade`) to a temporary of the value at `addr`, entered
    /// as `held` in the same step.
    fn take<S>(&mut self, addr: usize, upgrade: impl FnOnce() -> Option<S>) -> Option<S> {
        let value = upgrade()?;
        self.0.entry(addr).or_default().held += 1;
        Some(value)
    }
}

/// Temporary strong references to those of these shared instances still
/// alive, each entered in the ledger in the same step as its upgrade.
pub(super) fn take_all(
    arcs: &[(&'static TypeEntry, Stamp, ArcWeak)],
    rcs: &[(&'static TypeEntry, Stamp, RcWeak)],
) -> Vec<TemporaryRef> {
    let mut taken = Vec::with_capacity(arcs.len() + rcs.len());
    let mut entering = ledger().entering();
    for (entry, stamp, w) in arcs {
        if let Some(a) = entering.take(w.addr() as usize, || w.upgrade()) {
            taken.push(TemporaryRef { entry, stamp: *stamp, value: Some(Strong::Arc(a)) });
        }
    }
    for (entry, stamp, w) in rcs {
        if let Some(r) = entering.take(w.addr() as usize, || w.upgrade()) {
            taken.push(TemporaryRef { entry, stamp: *stamp, value: Some(Strong::Rc(r)) });
        }
    }
    taken
}

/// The strong count of each temporary less the temporaries `held` at its
/// address (its own included), read under the ledger's lock.
pub(super) fn strong_less_held(taken: &[TemporaryRef]) -> Vec<usize> {
    ledger().with_held(|held| taken.iter().map(|t| t.strong_count().saturating_sub(held(t.addr()))).collect())
}

/// A temporary strong reference to a live shared instance. Formatting and
/// dropping it run user code: never while a registry lock is held.
pub(crate) struct TemporaryRef {
    pub(super) entry: &'static TypeEntry,
    pub(super) stamp: Stamp,
    /// `None` only while it drops.
    pub(super) value: Option<Strong>,
}

pub(super) enum Strong {
    Arc(Arc<dyn Any + Send + Sync>),
    Rc(Rc<dyn Any>),
}

impl Drop for TemporaryRef {
    fn drop(&mut self) {
        ledger().release(self.addr(), self.value.take());
    }
}

impl TemporaryRef {
    fn value(&self) -> &dyn Any {
        match self.value.as_ref().expect("taken only in drop") {
            Strong::Arc(a) => &**a,
            Strong::Rc(r) => &**r,
        }
    }

    fn strong_count(&self) -> usize {
        match self.value.as_ref().expect("taken only in drop") {
            Strong::Arc(a) => Arc::strong_count(a),
            Strong::Rc(r) => Rc::strong_count(r),
        }
    }

    /// The value's address, as `Edges` reports it.
    pub(super) fn addr(&self) -> usize {
        self.value() as *const dyn Any as *const () as usize
    }

    /// Its `Debug` text, a long one read to `input_limit` characters (see `debug_text`).
    pub(super) fn debug_text(&self, input_limit: usize) -> Option<String> {
        self.entry.debug.get().map(|d| debug_text(*d, self.value(), input_limit))
    }
}

impl super::held::HeldValue for TemporaryRef {
    fn trace(&self, edges: &mut crate::trace::Edges<'_>) -> bool {
        match self.entry.trace.get() {
            Some(trace) => {
                trace(self.value(), edges);
                true
            }
            None => false,
        }
    }

    fn debug(&self) -> Option<String> {
        self.debug_text(NODE_INPUT_LIMIT)
    }
}

#[cfg(test)]
mod tests {
    use super::super::sync::{model, thread, Acquire, AtomicBool, AtomicUsize, Relaxed, Release};
    use super::Ledger;
    use std::sync::Arc;

    /// A stand-in for a shared value's strong count, on loom's atomics so
    /// that the model sees it (loom's `Arc` has no `Weak`): `upgrade` as
    /// `Weak::upgrade` (an increment unless 0), and [`Strong`]'s drop as an
    /// `Arc`'s (a release decrement). The ledger's code is the real one.
    struct Value {
        strong: AtomicUsize,
    }

    struct Strong(Arc<Value>);

    impl Value {
        fn upgrade(self: &Arc<Self>) -> Option<Strong> {
            let mut n = self.strong.load(Relaxed);
            while n > 0 {
                match self.strong.compare_exchange(n, n + 1, Acquire, Relaxed) {
                    Ok(_) => return Some(Strong(Arc::clone(self))),
                    Err(now) => n = now,
                }
            }
            None
        }

        /// As [`upgrade`](Self::upgrade), to a reference whose drop panics.
        fn upgrade_panicking(self: &Arc<Self>) -> Option<Panicking> {
            let upgraded = self.upgrade()?;
            let panicking = Panicking(Arc::clone(&upgraded.0));
            std::mem::forget(upgraded); // its count now belongs to `panicking`
            Some(panicking)
        }

        /// As `Weak::strong_count`.
        fn count(&self) -> usize {
            self.strong.load(Acquire)
        }
    }

    impl Drop for Strong {
        fn drop(&mut self) {
            self.0.strong.fetch_sub(1, Release);
        }
    }

    /// A temporary whose value's `Drop` panics once the count is down (as a
    /// user's `Drop`, run by the last `Arc`, would); `resume_unwind` so that
    /// no panic hook prints for every execution of the model.
    struct Panicking(Arc<Value>);

    impl Drop for Panicking {
        fn drop(&mut self) {
            self.0.strong.fetch_sub(1, Release);
            std::panic::resume_unwind(Box::new("the value's Drop panicked"));
        }
    }

    const ADDR: usize = 1;

    /// A query takes a temporary reference to a value and lets go of it,
    /// while its owner lets go of the value and a leak check asks how many
    /// owners it has. If the owner had let go before the check began, the
    /// check finds no owner (never a false survivor); if the owner had not
    /// started letting go when the check ended, it finds exactly one (never
    /// a missed one, never the query's temporary counted).
    ///
    /// Fails when the protocol is weakened: a release that drops the value
    /// before leaving `held` (no `releasing` stage) hides the owner; an
    /// upgrade entered in the ledger in a later step than the upgrade itself
    /// counts the temporary as an owner.
    #[test]
    fn a_leak_check_sees_the_owners_not_a_querys_temporaries() {
        model(|| {
            let ledger = Arc::new(Ledger::new());
            let value = Arc::new(Value { strong: AtomicUsize::new(1) });
            let owned = Strong(Arc::clone(&value));
            let (letting_go, let_go) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
            let query = {
                let (ledger, value) = (Arc::clone(&ledger), Arc::clone(&value));
                thread::spawn(move || {
                    let taken = ledger.entering().take(ADDR, || value.upgrade());
                    if let Some(temporary) = taken {
                        ledger.release(ADDR, temporary);
                    }
                })
            };
            let owner = {
                let (letting_go, let_go) = (Arc::clone(&letting_go), Arc::clone(&let_go));
                thread::spawn(move || {
                    letting_go.store(true, Release);
                    drop(owned);
                    let_go.store(true, Release);
                })
            };
            let check = thread::spawn(move || {
                let gone = let_go.load(Acquire);
                let owners = ledger.owners(ADDR, &|| value.count());
                let started = letting_go.load(Acquire);
                if gone {
                    assert_eq!(owners, 0, "a false survivor");
                }
                if !started {
                    assert_eq!(owners, 1, "the owner missed or a temporary counted");
                }
            });
            check.join().unwrap();
            query.join().unwrap();
            owner.join().unwrap();
        });
    }

    /// A query lets go of a temporary and the drop unwinds (a user's `Drop`
    /// that panics), while a leak check counts the owner who keeps the value:
    /// the check sees exactly one owner during the release and after it,
    /// never the unwound temporary's leftover.
    ///
    /// Fails when the release leaves the ledger in a statement after the drop
    /// instead of a guard: the unwinding skips it, `releasing` stays 1 for
    /// good, and every later check at that address answers 0 (seen with the
    /// plain run; under loom that check spins through its retries first).
    #[test]
    fn a_release_that_unwinds_still_leaves_the_ledger() {
        model(|| {
            let ledger = Arc::new(Ledger::new());
            let value = Arc::new(Value { strong: AtomicUsize::new(1) });
            let _owned = Strong(Arc::clone(&value));
            let query = {
                let (ledger, value) = (Arc::clone(&ledger), Arc::clone(&value));
                thread::spawn(move || {
                    let taken = ledger.entering().take(ADDR, || value.upgrade_panicking());
                    let temporary = taken.expect("the owner keeps it alive");
                    let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        ledger.release(ADDR, temporary);
                    }));
                    assert!(unwound.is_err(), "the drop's panic goes on to the query");
                })
            };
            let during = ledger.owners(ADDR, &|| value.count());
            query.join().unwrap();
            let after = ledger.owners(ADDR, &|| value.count());
            assert_eq!(after, 1, "the unwound release left its temporary in the ledger");
            // Mid-release, a check may wait out its retries and answer 0; never more than one.
            assert!(during <= 1, "a temporary counted as an owner");
        });
    }
}
