//! Track the live instances of chosen types, to find what leaks.
//!
//! Mark a type by giving it a [`Tracked<Self>`] field initialised with
//! [`track!()`]; then ask which of its instances are alive and where each was
//! made. In a release build the tracking compiles to nothing.
//!
//! ```
//! use instrack::{track, Tracked};
//!
//! #[derive(Debug, Clone)]
//! pub struct Session { user: String, _tracked: Tracked<Self> }
//!
//! impl Session {
//!     pub fn new(user: &str) -> Self {
//!         Session { user: user.to_owned(), _tracked: track!() }
//!     }
//! }
//!
//! let a = Session::new("ada");
//! let _b = Session::new("bob");
//! drop(a);
//! instrack::report("Session"); // to stderr; or "*", or "Session Widget"
//! let n = instrack::counts::<Session>();
//! # if !instrack::ENABLED { return; }
//! assert_eq!((n.live, n.total, n.peak), (1, 2, 2));
//! ```
//!
//! The report lists each type with its counts, then each live instance,
//! oldest first, with its id, creation site, thread and age:
//!
//! ```text
//! instrack: 1 live instance of 1 tracked type matching "Session"
//! demo::Session: 1 live, 2 total, 2 peak
//!     #2  src/main.rs:8  thread main  age 35µs
//! ```
//!
//! # What else it does
//!
//! - **Creation sites that mean something.** In a `#[track_caller]`
//!   constructor, `track!` records the constructor's caller (see [`track!`]);
//!   [`Snapshot::by_site`] groups the live instances by site; clones are
//!   marked ([`Instance::clone_of`]); [`capture_backtraces`] (or
//!   `INSTRACK_BACKTRACE=1`) keeps a creation backtrace per instance; with
//!   `tokio`, each instance names the task that made it ([`Instance::task`]).
//! - **Shared values.** `track!(&arc)` or `track!(&rc)` registers a value
//!   shared through `Arc` or `Rc` by weak reference (it never keeps it alive);
//!   [`live`] and [`live_rc`] return the live ones, and reports print their
//!   `Debug` text on one line, formatting only what they print
//!   ([`Instance::debug`]), with an estimate of the bytes each type holds.
//! - **Snapshots and diffs.** [`snapshot`] returns every live instance as
//!   data; [`Snapshot::diff`] compares two, per type (created, dropped, net)
//!   and per instance (what is alive now that was not then), grouped by site.
//! - **Reference cycles.** Types that implement [`Trace`](trait@Trace)
//!   (`#[derive(instrack::Trace)]` with the feature `derive`) let
//!   [`find_cycles`] find the `Arc`/`Rc` instances kept alive only by each
//!   other, grouped by shape and named by field
//!   (`Session #12 .on_close → closure (src/main.rs:44) → Session #12`),
//!   [`why_alive`] explain what holds an instance, and [`graph_dot`]
//!   draw the graph for Graphviz; [`TracedFn`] shows the analysis what a
//!   closure captured.
//! - **Leak assertions.** [`assert_no_leaks!`] fails a test that leaves
//!   tracked instances alive; [`survivors`] and [`checkpoint`] return them;
//!   `assert_no_leaks!(all_threads, { … })` and [`checkpoint_all_threads`]
//!   count the instances made on every thread (see [`Checkpoint`] for when
//!   to use which); [`expect_dropped`] checks that an `Arc` or `Rc` is gone.
//! - **Watching a running program.** A [`Sampler`] records the counts of
//!   every type into a bounded [`Timeline`] whose [`suspects`](Timeline::suspects)
//!   are the types that keep growing; [`growth`] shows what grew since the
//!   previous call; [`report_at_exit`] and `report_on_signal` (`SIGUSR1`)
//!   report without a planted call; with `serde`, every result is JSON.
//! - **Seeing it.** With `html`, `html::write` makes one self-contained HTML
//!   page (suspects, a chart of live counts over time, a sortable table of
//!   types, instances by site, leaked cycles drawn); with `http`, `serve`
//!   answers that page and the reports live on a loopback address.
//!
//! # Configuration
//!
//! Tracking is compiled in when instrack itself is built with
//! `debug_assertions` (every `cargo build`, `cargo test`, `cargo run`) or with
//! its `tracking` feature; [`ENABLED`] says which. The decision is instrack's:
//! the `cfg`s of the crate that calls [`track!`] play no part.
//!
//! | build | tracking | what it costs |
//! |---|---|---|
//! | debug (`debug_assertions`) | on | construct + drop of a tracked value: a thread-local slot and counter, no lock; a pointer per value |
//! | `--release` | **compiled out** | nothing: `Tracked<T>` is zero-sized with no `Drop`, [`track!()`] is a constant, no registry code is linked |
//! | `--release --features instrack/tracking` | on | as in debug |
//!
//! To keep tracking on in a release build of your application, either enable
//! the feature (`cargo build --release --features instrack/tracking`, or
//! `features = ["tracking"]` on the dependency), or give instrack alone debug
//! assertions in the root `Cargo.toml`:
//!
//! ```toml
//! [profile.release.package.instrack]
//! debug-assertions = true
//! ```
//!
//! Two Cargo rules to know:
//! - **Features unify.** If any crate in the build enables
//!   `instrack/tracking` in its `[dependencies]`, every build of the final
//!   binary tracks. A library should enable it only in `[dev-dependencies]`
//!   or behind a feature of its own.
//! - **Profile overrides apply to dependencies.** A root manifest with
//!   `[profile.dev.package."*"] debug-assertions = false` (a common speed-up)
//!   turns tracking *off* in debug builds; add
//!   `[profile.dev.package.instrack] debug-assertions = true` to turn it back
//!   on. Only the root manifest's profiles count.
//!
//! Debug builds run the tracking code unoptimized: a construction and drop
//! takes ~145 ns instead of ~14 ns. `[profile.dev] opt-level = 1` brings it to
//! ~20 ns with tracking still on (README.md, "Debug builds are slower").
//!
//! The whole API compiles unchanged in every mode; when tracking is compiled
//! out, [`counts`] returns zeros, [`snapshot`] is empty, reports say that
//! tracking is compiled out and how to turn it on, and the queries return
//! before any of their work: calling all of them links less than 16 KiB of
//! code (checked in CI by `tests/size-check`):
//!
//! ```
//! let mut out = Vec::new();
//! instrack::report_to(&mut out, "*").unwrap();
//! let text = String::from_utf8(out).unwrap();
//! assert_eq!(text.contains("compiled out"), !instrack::ENABLED);
//! ```
//!
//! # Features
//!
//! | feature | what it gives | dependencies it adds |
//! |---|---|---|
//! | `tracking` | tracking in builds without `debug_assertions` (see above) | none |
//! | `serde` | `Serialize` for the query results, each document with a versioned `schema` field; `to_json`; `Snapshot::from_json` and `Timeline::from_json` read files back | `serde`, `serde_json` |
//! | `signal` | `report_on_signal`: a report each time the process receives `SIGUSR1` (Unix) | `signal-hook` |
//! | `html` | `html::Page` and `html::write`: one self-contained HTML page, everything from the program escaped | `html-escape` |
//! | `http` | `serve`: the page, the reports and the JSON live on a loopback address, GET only, bounded clients (enables `html`, `serde`) | `httparse` |
//! | `metrics` | each `Sampler` sample published per type (`instrack_live_instances`, `instrack_created_total`, `instrack_estimated_bytes`, `instrack_suspect`) through the `metrics` facade, top types plus `other`; `set_metrics_top_types` | `metrics` |
//! | `derive` | `#[derive(instrack::Trace)]`: each field traced under its name, `#[trace(skip)]` to leave one out | `instrack-derive` (`syn`, `quote`, `proc-macro2`) |
//! | `tokio` | each instance made in a tokio task records the task's id: [`Instance::task`], `task 17` in the reports, by-site groups, the page and the JSON | `tokio` (`rt` only) |
//!
//! # Counting
//!
//! [`Counts::live`] and [`Counts::total`] are exact with any number of
//! threads, for instances dropped on any thread, including during
//! thread-local destruction; an instance passed to [`std::mem::forget`] stays
//! live. Each thread counts in its own cells, so constructions on several
//! threads never contend; a query sums the cells until two passes agree.
//!
//! [`Counts::peak`] is the largest `live` the tracker has observed. It is
//! exact while one thread at a time creates and drops the type. When several
//! threads create the same type in the same instant, a construction reads the
//! other threads' cells without stopping them, and a peak that lasted only for
//! that instant can be missed: `peak` is then a lower bound, never above the
//! true maximum by more than the same instant's races, and never below any
//! `live` a query returned.
//!
//! Instances shared through `Arc` or `Rc` die without telling the tracker; it
//! learns of their drops when it looks. A registration that may set a new
//! peak recounts them, so `peak` covers them as it covers tokens: exactly up
//! to 16 live values, and, for values that pile up (which are recounted at
//! steps of 1/16 to keep registration O(1)), at least 16/17 of the true
//! peak. Every query records its `live` too. Another thread's `Rc`s count in
//! `total` only. Each `Counts` a query returns is a state that existed:
//! `live ≤ total`, `peak ≥ live`, and `total` never goes down.
//!
//! # Who counts as an owner
//!
//! A shared value is alive while any strong reference to it exists. Queries
//! hold temporary strong references while they format `Debug` text, but
//! [`survivors`], [`assert_no_leaks!`] and [`expect_dropped`] never count
//! those: a query on one thread cannot make a leak check on another fail.
//! A reference that *your* code holds is a real owner, on whichever thread:
//! an `Arc` returned by [`live`] and kept by another thread keeps its value
//! alive, and a leak check reports it, saying so. (The counts of [`counts`]
//! and [`snapshot`] are plain: a value another query holds for a moment is
//! still live, as it is: its `Drop` has not run.)
//!
//! # Safety and correctness
//!
//! The crate denies `unsafe_code`; the registry's modules that need it allow
//! it one by one, and every `unsafe` block carries a `// SAFETY:` comment
//! (clippy's `undocumented_unsafe_blocks` is denied). What is unsafe, and why:
//! reading `rdtsc`; turning the pointers kept in atomics (a slot's type entry
//! and site, a call site's cached entry, the list of counter cells) back
//! into the `&'static` references they were made from, since those are
//! leaked and never freed; the value behind each `Arc` list's spinlock;
//! `Send`/`Sync` for the token, a pointer to a slot made only of atomics;
//! and each thread's registry state, reached through a thread-local pointer
//! instead of a `RefCell` (its uses never nest: none runs user code or
//! registers a value).
//!
//! How it is checked: each protocol (the slot's seqlock, the spinlock, the
//! counter cells summed in passes, an instance dropped on another thread
//! than its creator, the push-only list of cells, the weak lists, the ledger
//! of temporary references) has a [loom](https://docs.rs/loom) model beside
//! it that explores its interleavings under the C11 memory model
//! (`RUSTFLAGS="--cfg loom" cargo test --release --lib`); the concurrency
//! tests run under AddressSanitizer and valgrind memcheck in CI; stress tests
//! check exact final counts with many threads. Globals that outlive one loom
//! iteration (the registry, thread-local destruction) are covered by the
//! stress tests only. `ARCHITECTURE.md` maps where each invariant is stated.
//!
//! # Locking behaviour
//!
//! Construction and drop of a `Tracked` take no lock after a thread's first
//! use of a type; `track!(&arc)` takes the type's list lock briefly. Queries
//! take short internal locks and never run user code under them: `Debug`
//! text is formatted, and temporary strong references are dropped (which may
//! run a `Drop`), after every lock is released. Reports hold no lock of
//! std's either while user code runs: each section is formatted before
//! stderr (or the report file) is locked for its one write.
#![deny(missing_docs, unsafe_code)]
// docs.rs (`--cfg docsrs`, nightly): each feature-gated item says which
// feature it needs. Nightly's `doc_cfg` infers that from the item's `cfg`.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(rust_2018_idioms, unreachable_pub)]

mod backtraces;
mod cycles;
mod diff;
#[cfg(feature = "html")]
pub mod html;
#[cfg(feature = "http")]
mod http;
#[cfg(feature = "serde")]
mod json;
#[cfg(feature = "serde")]
mod json_read;
mod leaks;
mod lock;
#[cfg(feature = "metrics")]
mod metrics_out;
mod pattern;
mod payload;
mod shared;
mod site;
mod snapshot;
mod static_size;
mod task;
mod text;
mod trace;
mod tracked;
mod watch;

cfg_if::cfg_if! {
    // `loom`: the model checks of the registry's protocols (see `.ci/run`).
    if #[cfg(any(debug_assertions, feature = "tracking", loom))] {
        #[path = "imp/on/mod.rs"]
        mod imp;
    } else {
        #[path = "imp/off.rs"]
        mod imp;
    }
}

pub use backtraces::{capture_backtraces, ShortBacktrace};
pub use cycles::{find_cycles, graph_dot, why_alive, Cycle, CycleGroup, Cycles, RefNode, Retention};
pub use diff::{Diff, TypeDiff};
#[cfg(feature = "http")]
pub use http::{serve, Server, ServerBuilder, MAX_REQUEST_HEAD};
/// Derives [`Trace`](trait@Trace) (feature `derive`): each field traced under its name, `#[trace(skip)]` to skip one.
#[cfg(feature = "derive")]
pub use instrack_derive::Trace;
pub use leaks::{
    checkpoint, checkpoint_all_threads, expect_dropped, survivors, Checkpoint, Downgrade, DropExpectation, WeakCount,
};
#[cfg(feature = "metrics")]
pub use metrics_out::{metrics_top_types, set_metrics_top_types, DEFAULT_METRICS_TOP_TYPES};
pub use shared::{live, live_rc};
pub use snapshot::{counts, report, report_to, snapshot, BySite, Counts, Instance, SiteGroup, Snapshot, TypeCounts};
pub use task::TaskId;
pub use trace::{EdgePath, Edges, Trace, TracedFn};
pub use tracked::Tracked;
pub use watch::{growth, report_at_exit, ExitReport, Growth, GrowthEntry, Point, Sampler, Series, Suspect, Timeline};
#[cfg(all(unix, feature = "signal"))]
pub use watch::{report_on_signal, SignalReport};
#[cfg(feature = "serde")]
pub use {json::to_json, json::SCHEMA_VERSION, json_read::JsonError};

/// Whether tracking is compiled into this build: `true` when instrack is built
/// with `debug_assertions` or its `tracking` feature. See "Configuration" in
/// the crate docs.
///
/// # Examples
/// ```
/// // Checks that hold only when tracking is on, in tests that run in every mode:
/// struct Job { _t: instrack::Tracked<Self> }
/// let _job = Job { _t: instrack::track!() };
/// let expected = if instrack::ENABLED { 1 } else { 0 };
/// assert_eq!(instrack::counts::<Job>().live, expected);
/// ```
pub const ENABLED: bool = imp::ENABLED;

/// Registers a tracked instance: `track!()` for a [`Tracked<T>`] field,
/// `track!(&value)` for a value shared through `Arc` or `Rc`.
///
/// Both record a unique id, the type, the creation site (module, file,
/// line), the creating thread and the creation time. When tracking is
/// compiled out both record nothing and `track!()` is a constant.
///
/// - `track!()` returns a [`Tracked<T>`], `T` being inferred from where the
///   value goes. The instance is live until the `Tracked` drops.
/// - `track!(&value)`, with `value` an `Arc<T>` (`T: Send + Sync + 'static`)
///   or an `Rc<T>` (`T: 'static`), keeps a *weak* reference to it and
///   returns `()`: tracking never keeps a value alive. The instance is live
///   while any strong reference is. Reports print its `Debug` text when `T`
///   implements `Debug` (a type holding a `Box<dyn Fn()>` need not), else
///   the instance without value text.
///   An `Rc` cannot leave its thread, so `Rc` instances are seen (by
///   [`counts`], [`snapshot`], [`live_rc`]) only on the thread that tracked
///   them; other threads see them only in [`Counts::total`]. Track a value
///   one way only: an `Arc` of a type with a `Tracked` field counts twice.
///
/// # Where it was made: `#[track_caller]` constructors
///
/// `track!()` records the line it is written on, so every instance made
/// through one constructor reports the constructor's line. Mark the
/// constructor `#[track_caller]` and each instance records the line that
/// *called* it instead (through [`std::panic::Location::caller`]): ten
/// widgets made in ten places read as ten sites. This holds for `track!()`
/// and `track!(&value)` alike, through any chain of `#[track_caller]`
/// functions; the caller's module is not known, so
/// [`Instance::module_path`] is empty for such instances.
///
/// ```
/// use instrack::{track, Tracked};
///
/// struct Button { label: &'static str, _tracked: Tracked<Self> }
///
/// impl Button {
///     #[track_caller] // instances record the line that calls `Button::new`
///     fn new(label: &'static str) -> Button {
///         Button { label, _tracked: track!() }
///     }
/// }
///
/// let ok = Button::new("ok"); let ok_line = line!();
/// let cancel = Button::new("cancel"); let cancel_line = line!();
/// let snap = instrack::snapshot().narrow("Button");
/// let lines: Vec<u32> = snap.instances().map(|i| i.line()).collect();
/// if instrack::ENABLED {
///     assert_eq!(lines, [ok_line, cancel_line]);
/// }
/// # let _ = (ok.label, cancel.label);
/// ```
///
/// # Examples
/// ```
/// use instrack::{track, Tracked};
///
/// struct Widget<T> { value: T, _tracked: Tracked<Self> }
///
/// impl<T: 'static> Widget<T> {
///     fn new(value: T) -> Self { Widget { value, _tracked: track!() } }
/// }
///
/// let w = Widget::new(3u8);
/// # if !instrack::ENABLED { return; }
/// assert_eq!(instrack::counts::<Widget<u8>>().live, 1);
/// assert_eq!(instrack::counts::<Widget<i64>>().live, 0);
/// ```
#[macro_export]
macro_rules! track {
    () => {{
        static __INSTRACK_SITE: $crate::__private::Site = $crate::__private::Site::new(
            $crate::__private::module_path!(),
            $crate::__private::file!(),
            $crate::__private::line!(),
            $crate::__private::column!(),
        );
        $crate::Tracked::__at(&__INSTRACK_SITE)
    }};
    ($value:expr $(,)?) => {{
        static __INSTRACK_SITE: $crate::__private::Site = $crate::__private::Site::new(
            $crate::__private::module_path!(),
            $crate::__private::file!(),
            $crate::__private::line!(),
            $crate::__private::column!(),
        );
        let __instrack_value = $value;
        #[allow(unused_imports)]
        use $crate::__private::{ViaDebug as _, ViaNoDebug as _, ViaNoTrace as _, ViaTrace as _};
        let __instrack_trace = (&$crate::__private::Probe(__instrack_value)).__instrack_trace();
        let __instrack_debug = (&$crate::__private::Probe(__instrack_value)).__instrack_debug();
        $crate::__private::Shared::__register(__instrack_value, &__INSTRACK_SITE, __instrack_trace, __instrack_debug)
    }};
}

/// Macro plumbing. **Not part of the public API**: may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::shared::{DebugFn, Probe, Shared, TraceFn, ViaDebug, ViaNoDebug, ViaNoTrace, ViaTrace};
    pub use crate::site::Site;
    pub use crate::static_size::StaticSize;
    pub use core::{column, file, line, module_path};
}

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
