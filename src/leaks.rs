//! Leak assertions for tests: what a block left alive, and values that
//! should have been dropped.

use crate::imp;
use crate::snapshot::Instance;
use crate::text::plural;
use std::fmt::{self, Write as _};
use std::panic::Location;
use std::rc;
use std::sync;

/// A point in the history of the current thread ([`checkpoint`]) or of the
/// whole process ([`checkpoint_all_threads`]): the tracked instances made
/// afterwards can be listed with [`Checkpoint::survivors`].
///
/// **Which to use.**
///
/// | checkpoint | counts instances made | exact when |
/// |---|---|---|
/// | [`checkpoint`], `assert_no_leaks!({ … })` | on the checkpoint's thread | always, also under `cargo test`, whose tests run in parallel threads of one process |
/// | [`checkpoint_all_threads`], `assert_no_leaks!(all_threads, { … })` | on any thread, including threads the block spawns (servers, pools, runtimes) | the test has its process to itself: `cargo nextest` (one process per test), a test binary with one test, or `--test-threads=1` |
///
/// Under plain `cargo test`, a checkpoint of all threads also sees the
/// instances that other tests, running at the same time in other threads,
/// make and still hold: it may report their values as survivors. The other
/// threads' instances are ordered by their creation stamps (the CPU's
/// time-stamp counter on x86_64, a monotonic clock elsewhere), so an
/// instance made on another thread at the very moment of the checkpoint may
/// fall on either side; anything made after the block started its threads,
/// or before the checkpoint and still alive, falls on the right one.
/// Instances of an `Rc` made on another thread cannot be seen from this one.
///
/// # Examples
/// ```
/// use instrack::{track, Tracked};
///
/// struct Buffer { _t: Tracked<Self> }
///
/// let cp = instrack::checkpoint();
/// let kept = Buffer { _t: track!() };
/// drop(Buffer { _t: track!() });
/// let survivors = cp.survivors();
/// # if !instrack::ENABLED { assert!(survivors.is_empty()); return; }
/// assert_eq!(survivors.len(), 1);
/// assert_eq!(survivors[0].id(), kept._t.id().unwrap());
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Checkpoint {
    since: Option<imp::Since>,
    all_threads: bool,
}

/// Takes a [`Checkpoint`] on the current thread: its survivors are the
/// instances this thread makes afterwards.
///
/// # Examples
/// ```
/// struct Socket { _t: instrack::Tracked<Self> }
///
/// let cp = instrack::checkpoint();
/// let open = Socket { _t: instrack::track!() };
/// assert_eq!(cp.survivors().len(), if instrack::ENABLED { 1 } else { 0 });
/// drop(open);
/// cp.assert_no_survivors();
/// ```
pub fn checkpoint() -> Checkpoint {
    Checkpoint { since: imp::checkpoint(false), all_threads: false }
}

/// Takes a [`Checkpoint`] of the whole process: its survivors are the
/// instances made afterwards on any thread. Exact when the test has its
/// process to itself (`cargo nextest`); see [`Checkpoint`] for when to use
/// which.
///
/// # Examples
/// ```
/// struct Job { _t: instrack::Tracked<Self> }
///
/// let cp = instrack::checkpoint_all_threads();
/// let done = std::thread::spawn(|| Job { _t: instrack::track!() }).join().unwrap();
/// assert_eq!(cp.survivors().len(), if instrack::ENABLED { 1 } else { 0 });
/// drop(done);
/// cp.assert_no_survivors();
/// ```
pub fn checkpoint_all_threads() -> Checkpoint {
    Checkpoint { since: imp::checkpoint(true), all_threads: true }
}

impl Checkpoint {
    /// The instances made since the checkpoint was taken (on its thread, or
    /// on any thread for [`checkpoint_all_threads`]) that are still alive,
    /// oldest first. Empty when tracking is compiled out.
    pub fn survivors(&self) -> Vec<Instance> {
        if !crate::ENABLED {
            return Vec::new(); // and the registry's query is not linked
        }
        match self.since {
            Some(since) => imp::snapshot(Some(since), None).instances,
            None => Vec::new(),
        }
    }

    /// Panics, naming each survivor's type, site, thread and id, if any
    /// instance made since the checkpoint (see [`survivors`](Self::survivors))
    /// is still alive. Does nothing when tracking is compiled out.
    #[track_caller]
    pub fn assert_no_survivors(&self) {
        let survivors = self.survivors();
        if !survivors.is_empty() {
            // Formatted before `panic!`, not by it: the text runs survivors'
            // `Debug`, and a panic inside one while the panic machinery formats
            // its message would abort the process (the `Debug` text catches it).
            let text = Survivors { instances: &survivors, all_threads: self.all_threads }.to_string();
            panic!("{text}");
        }
    }

    /// Whether the checkpoint counts instances made on every thread
    /// ([`checkpoint_all_threads`]) rather than on its own.
    pub fn is_all_threads(&self) -> bool {
        self.all_threads
    }
}

/// Runs `f` and returns its result with the instances it made on this thread
/// that are still alive: the function form of [`assert_no_leaks!`](crate::assert_no_leaks).
///
/// # Examples
/// ```
/// #[derive(Debug)]
/// struct Conn { _t: instrack::Tracked<Self> }
///
/// let mut pool = Vec::new();
/// let ((), leaked) = instrack::survivors(|| pool.push(Conn { _t: instrack::track!() }));
/// assert_eq!(leaked.len(), if instrack::ENABLED { 1 } else { 0 });
/// ```
pub fn survivors<R>(f: impl FnOnce() -> R) -> (R, Vec<Instance>) {
    let cp = checkpoint();
    let result = f();
    (result, cp.survivors())
}

/// Runs a block and panics if any tracked instance it made on the current
/// thread is still alive afterwards; evaluates to the block's value.
///
/// `assert_no_leaks!(all_threads, { … })` checks the instances made on any
/// thread, also those the block spawns: use it where the test has its
/// process to itself (`cargo nextest`). See [`Checkpoint`] for when to use
/// which.
///
/// The panic message names each survivor's type, creation site, thread and
/// id. When tracking is compiled out the block runs and nothing is checked.
///
/// # Examples
/// ```
/// use instrack::{assert_no_leaks, track, Tracked};
///
/// struct Request { _t: Tracked<Self> }
///
/// let n = assert_no_leaks!({
///     let r = Request { _t: track!() };
///     drop(r);
///     42
/// });
/// assert_eq!(n, 42);
/// ```
///
/// ```should_panic
/// # if !instrack::ENABLED { panic!("compiled out: nothing to check"); }
/// use instrack::{assert_no_leaks, track, Tracked};
///
/// struct Request { _t: Tracked<Self> }
///
/// let mut cache = Vec::new();
/// assert_no_leaks!({ cache.push(Request { _t: track!() }) }); // panics: 1 survivor
/// ```
///
/// A server leaks on its own threads:
/// ```should_panic
/// # if !instrack::ENABLED { panic!("compiled out: nothing to check"); }
/// use instrack::{assert_no_leaks, track, Tracked};
///
/// struct Session { _t: Tracked<Self> }
///
/// let sessions = std::sync::Mutex::new(Vec::new());
/// assert_no_leaks!(all_threads, {
///     std::thread::scope(|s| {
///         s.spawn(|| sessions.lock().unwrap().push(Session { _t: track!() }));
///     });
/// }); // panics: 1 survivor, made on another thread
/// ```
#[macro_export]
macro_rules! assert_no_leaks {
    (all_threads, $body:expr $(,)?) => {{
        let __instrack_checkpoint = $crate::checkpoint_all_threads();
        let __instrack_result = $body;
        __instrack_checkpoint.assert_no_survivors();
        __instrack_result
    }};
    ($body:expr $(,)?) => {{
        let __instrack_checkpoint = $crate::checkpoint();
        let __instrack_result = $body;
        __instrack_checkpoint.assert_no_survivors();
        __instrack_result
    }};
}

/// The panic text for survivors.
struct Survivors<'a> {
    instances: &'a [Instance],
    all_threads: bool,
}

impl fmt::Display for Survivors<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.instances.len();
        writeln!(
            f,
            "instrack: {n} tracked instance{} made {} {} still alive:",
            plural(n),
            if self.all_threads { "on any thread since the checkpoint" } else { "here" },
            if n == 1 { "is" } else { "are" }
        )?;
        for i in self.instances {
            write!(f, "    {} {i}", crate::text::Escaped(&crate::pattern::short_generics(i.type_name())))?;
            if let Some(debug) = i.debug() {
                write!(f, "  {debug}")?;
            }
            writeln!(f)?;
        }
        if self.instances.iter().any(|i| i.debug().is_some()) {
            // instrack's own queries never count; a reference user code holds does.
            writeln!(f, "(a shared value counts as alive while any strong reference to it exists, also one held by another thread, e.g. from `instrack::live()`)")?;
        }
        Ok(())
    }
}

/// Watches an `Arc` or `Rc` that should be dropped soon, LeakCanary style:
/// take the watch while the value is in use, let the code that should drop
/// it run, then [`assert_dropped`](DropExpectation::assert_dropped).
///
/// It holds only a weak reference and needs no registry, so it checks in
/// every build mode, including release builds with tracking compiled out.
///
/// # Examples
/// ```
/// use std::sync::Arc;
///
/// let config = Arc::new(String::from("v1"));
/// let watch = instrack::expect_dropped(&config);
/// let reader = Arc::clone(&config);
/// drop(config);
/// assert!(!watch.is_dropped()); // `reader` still holds it
/// drop(reader);
/// watch.assert_dropped();
/// ```
#[track_caller]
pub fn expect_dropped<P: Downgrade>(value: &P) -> DropExpectation<P::Weak> {
    DropExpectation { weak: value.__downgrade(), type_name: P::__type_name(), watched_at: Location::caller() }
}

/// A watch on a value that should be dropped; see [`expect_dropped`].
///
/// # Examples
/// ```
/// use std::rc::Rc;
///
/// let page = Rc::new([0u8; 64]);
/// let watch: instrack::DropExpectation<std::rc::Weak<[u8; 64]>> = instrack::expect_dropped(&page);
/// assert_eq!(watch.strong_count(), 1);
/// drop(page);
/// assert!(watch.is_dropped());
/// ```
#[derive(Debug)]
pub struct DropExpectation<W> {
    weak: W,
    type_name: &'static str,
    watched_at: &'static Location<'static>,
}

impl<W: WeakCount> DropExpectation<W> {
    /// Whether every strong reference to the value is gone.
    pub fn is_dropped(&self) -> bool {
        self.strong_count() == 0
    }

    /// How many strong references to the value remain, not counting the
    /// temporary ones an instrack query on another thread may hold.
    pub fn strong_count(&self) -> usize {
        imp::owners(self.weak.__addr(), &|| self.weak.__strong_count())
    }

    /// Panics if the value is still alive, saying what it is, where it was
    /// watched, and how many strong references remain.
    #[track_caller]
    pub fn assert_dropped(&self) {
        let n = self.strong_count();
        if n > 0 {
            let mut message = String::new();
            let _ = write!(
                message,
                "instrack: expected the `{}` watched at {} to be dropped, but {n} strong reference{} to it remain{}",
                crate::text::Escaped(self.type_name),
                crate::text::Escaped(&self.watched_at.to_string()),
                plural(n),
                if n == 1 { "s" } else { "" },
            );
            panic!("{message}");
        }
    }
}

/// What [`expect_dropped`] accepts: a strong pointer, `Arc<T>` or `Rc<T>`,
/// that it downgrades to the weak reference its [`DropExpectation`] keeps.
/// Sealed.
///
/// # Examples
/// ```
/// fn watch_it<P: instrack::Downgrade>(value: &P) -> instrack::DropExpectation<P::Weak> {
///     instrack::expect_dropped(value)
/// }
/// let shared = std::sync::Arc::new(5);
/// assert!(!watch_it(&shared).is_dropped());
/// ```
pub trait Downgrade: sealed::Sealed {
    /// The weak reference kept by the [`DropExpectation`].
    type Weak: WeakCount;
    #[doc(hidden)]
    fn __downgrade(&self) -> Self::Weak;
    #[doc(hidden)]
    fn __type_name() -> &'static str;
}

/// Weak references a [`DropExpectation`] can hold. Sealed.
///
/// # Examples
/// ```
/// fn still_owned<W: instrack::WeakCount>(watch: &instrack::DropExpectation<W>) -> usize {
///     watch.strong_count()
/// }
/// let shared = std::rc::Rc::new("x");
/// assert_eq!(still_owned(&instrack::expect_dropped(&shared)), 1);
/// ```
pub trait WeakCount: sealed::Sealed {
    #[doc(hidden)]
    fn __strong_count(&self) -> usize;
    #[doc(hidden)]
    fn __addr(&self) -> usize;
}

mod sealed {
    pub trait Sealed {}
}

/// The impls for one of `std::sync` and `std::rc`, whose strong pointer
/// (`Arc`, `Rc`) and `Weak` have the same methods: one definition for both.
macro_rules! downgrade_impls {
    ($module:ident :: $strong:ident) => {
        impl<T: ?Sized> sealed::Sealed for $module::$strong<T> {}
        impl<T: ?Sized> sealed::Sealed for $module::Weak<T> {}

        impl<T: ?Sized> Downgrade for $module::$strong<T> {
            type Weak = $module::Weak<T>;
            fn __downgrade(&self) -> $module::Weak<T> {
                $module::$strong::downgrade(self)
            }
            fn __type_name() -> &'static str {
                std::any::type_name::<T>()
            }
        }

        impl<T: ?Sized> WeakCount for $module::Weak<T> {
            fn __strong_count(&self) -> usize {
                self.strong_count()
            }
            fn __addr(&self) -> usize {
                self.as_ptr() as *const () as usize
            }
        }
    };
}

downgrade_impls!(sync::Arc);
downgrade_impls!(rc::Rc);
