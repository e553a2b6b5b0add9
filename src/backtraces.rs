//! Optional creation backtraces, as tracemalloc and dhat offer them.
//!
//! Off by default. [`capture_backtraces`] turns capture on or off for the
//! calling thread; the environment variable `INSTRACK_BACKTRACE=1` turns it
//! on for every thread that does not say otherwise. A captured backtrace is
//! a `std::backtrace::Backtrace`, resolved to symbols only when a report or
//! diff prints it (or a program formats it).
//!
//! Backtraces live in a side table keyed by instance id, so instances made
//! without one cost nothing more: a `Tracked` token's entry is removed when
//! it drops, through a hook this table installs in the registry with its
//! first token backtrace (until then a drop pays one load); entries
//! of shared values hold a weak reference and are pruned when the table has
//! doubled.
//!
//! Asking costs the hot path nothing: the registry's fast path (one word
//! per call site) is open only while no thread captures. The first
//! registration at a site, and every one once a thread has turned capture
//! on, calls this table's hook ([`for_token`], [`for_arc`], [`for_rc`]),
//! which asks this thread's switch.

use crate::lock::lock;
use std::any::Any;
use std::backtrace::Backtrace;
use std::cell::Cell;
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering::Relaxed};
use std::sync::{Arc, Mutex, MutexGuard};

/// Turns the capture of a creation backtrace per tracked instance on or off
/// for the calling thread, whatever `INSTRACK_BACKTRACE` says. Reports then
/// print, under each instance made meanwhile, its first frames outside std
/// and instrack, and diffs group new instances by backtrace as well as by
/// site. Does nothing when tracking is compiled out.
///
/// Capturing costs a stack walk per instance (see the `backtrace` bench):
/// turn it on around the code under suspicion.
///
/// # Examples
/// ```
/// struct Job { _t: instrack::Tracked<Self> }
///
/// instrack::capture_backtraces(true);
/// let job = Job { _t: instrack::track!() };
/// instrack::capture_backtraces(false);
/// let snap = instrack::snapshot().narrow("Job");
/// if let Some(i) = snap.instances().next() {
///     assert!(i.backtrace().is_some());
///     println!("{}", i.short_backtrace().unwrap()); // resolved now
/// }
/// # drop(job);
/// ```
pub fn capture_backtraces(on: bool) {
    if on {
        // Registrations stop taking the fast path, which does not ask.
        crate::imp::close_fast_path();
    }
    let _ = THREAD.try_with(|t| t.set(if on { ON } else { OFF }));
}

const UNSET: u8 = 0;
const OFF: u8 = 1;
const ON: u8 = 2;

thread_local! {
    static THREAD: Cell<u8> = const { Cell::new(UNSET) };
}

/// What `INSTRACK_BACKTRACE` says, read once.
static FROM_ENV: AtomicU8 = AtomicU8::new(UNSET);

/// Set once any backtrace was captured: until then a lookup skips the table.
static ANY: AtomicBool = AtomicBool::new(false);

/// What this thread's switch says, else what `INSTRACK_BACKTRACE` says.
#[cold]
#[inline(never)]
fn thread_or_env_captures() -> bool {
    let here = THREAD.try_with(Cell::get).unwrap_or(UNSET);
    match here {
        ON => true,
        OFF => false,
        _ => match FROM_ENV.load(Relaxed) {
            ON => true,
            OFF => false,
            _ => read_env(),
        },
    }
}

#[cold]
fn read_env() -> bool {
    let on = std::env::var_os("INSTRACK_BACKTRACE").is_some_and(|v| v != "0" && !v.is_empty());
    FROM_ENV.store(if on { ON } else { OFF }, Relaxed);
    if !on {
        // Registrations may skip asking, until a thread turns capture on
        // (if one did already, the fast path stays closed).
        crate::imp::open_fast_path();
    }
    on
}

/// How an entry knows its instance is gone: a token removes its own entry;
/// an `Arc`'s entry holds a weak reference. (`Rc`s have a table per thread.)
enum Alive {
    Token,
    Shared(std::sync::Weak<dyn Any + Send + Sync>),
}

type LocalTraces = HashMap<u64, (Arc<Backtrace>, std::rc::Weak<dyn Any>)>;

thread_local! {
    /// This thread's `Rc` backtraces, with a weak reference each; pruned
    /// when the table has doubled.
    static LOCAL: std::cell::RefCell<(LocalTraces, usize)> = std::cell::RefCell::new((HashMap::new(), 1024));
}

struct Table {
    traces: HashMap<u64, (Arc<Backtrace>, Alive)>,
    prune_at: usize,
}

static TABLE: Mutex<Option<Table>> = Mutex::new(None);

fn table() -> MutexGuard<'static, Option<Table>> {
    lock(&TABLE)
}

fn insert(id: u64, alive: Alive) {
    let trace = Arc::new(Backtrace::force_capture()); // a stack walk; symbols resolved when printed
    ANY.store(true, Relaxed);
    let mut guard = table();
    let t = guard.get_or_insert_with(|| Table { traces: HashMap::new(), prune_at: 1024 });
    if t.traces.len() >= t.prune_at {
        t.traces.retain(|_, (_, alive)| match alive {
            Alive::Shared(w) => w.strong_count() > 0,
            Alive::Token => true,
        });
        t.prune_at = (2 * t.traces.len()).max(1024);
    }
    t.traces.insert(id, (trace, alive));
}

/// Records a backtrace for a new token instance, if this thread captures:
/// the hook a registration calls unless the fast path is open (no thread
/// captures). The first call reads `INSTRACK_BACKTRACE`, which opens the
/// fast path when it says off and no thread turned capture on.
#[cold]
#[inline(never)]
pub(crate) fn for_token(id: u64) {
    if FROM_ENV.load(Relaxed) == UNSET {
        read_env();
    }
    if thread_or_env_captures() {
        // From now on the registry tells the table of each token's drop.
        crate::imp::on_token_drop(forget);
        insert(id, Alive::Token);
    }
}

/// Records a backtrace for the shared instance `id`, if this thread
/// captures: the hook an `Arc` registration calls unless its site is fast
/// (no thread captures). Reads `INSTRACK_BACKTRACE` first, as [`for_token`].
#[cold]
#[inline(never)]
pub(crate) fn for_arc(id: u64, weak: &std::sync::Weak<dyn Any + Send + Sync>) {
    if FROM_ENV.load(Relaxed) == UNSET {
        read_env();
    }
    if thread_or_env_captures() {
        insert(id, Alive::Shared(weak.clone()));
    }
}

/// Records a backtrace for the `Rc` instance `id`, if this thread captures;
/// as [`for_arc`].
#[cold]
#[inline(never)]
pub(crate) fn for_rc(id: u64, weak: &std::rc::Weak<dyn Any>) {
    if FROM_ENV.load(Relaxed) == UNSET {
        read_env();
    }
    if thread_or_env_captures() {
        let trace = Arc::new(Backtrace::force_capture());
        let weak = weak.clone();
        ANY.store(true, Relaxed);
        let _ = LOCAL.try_with(|local| {
            let Ok(mut local) = local.try_borrow_mut() else { return };
            let (traces, prune_at) = &mut *local;
            if traces.len() >= *prune_at {
                traces.retain(|_, (_, w)| w.strong_count() > 0);
                *prune_at = (2 * traces.len()).max(1024);
            }
            traces.insert(id, (trace, weak));
        });
    }
}

/// Forgets the backtrace of a token instance that drops: the hook installed
/// in the registry (`imp::on_token_drop`) with the first token backtrace.
#[cold]
#[inline(never)]
fn forget(id: u64) {
    if let Some(t) = table().as_mut() {
        t.traces.remove(&id);
    }
}

/// The backtraces of these instance ids, if any were captured.
pub(crate) fn lookup(ids: impl Iterator<Item = u64>) -> HashMap<u64, Arc<Backtrace>> {
    if !ANY.load(Relaxed) {
        return HashMap::new();
    }
    let guard = table();
    let local = LOCAL.try_with(|l| {
        l.try_borrow().ok().map(|l| l.0.iter().map(|(id, (t, _))| (*id, t.clone())).collect::<HashMap<_, _>>())
    });
    let local = local.ok().flatten().unwrap_or_default();
    ids.filter_map(|id| {
        let shared = guard.as_ref().and_then(|t| t.traces.get(&id)).map(|e| e.0.clone());
        Some((id, shared.or_else(|| local.get(&id).cloned())?))
    })
    .collect()
}

/// How many frames a short backtrace shows.
const FRAMES: usize = 5;

/// The first frames of `trace` outside std, core, alloc and instrack, as
/// `function (file:line)` lines; resolves its symbols.
pub(crate) fn short(trace: &Backtrace) -> ShortBacktrace {
    let text = trace.to_string();
    let mut frames = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let Some((_, symbol)) = line.trim_start().split_once(": ") else { continue };
        let at = lines.peek().and_then(|l| l.trim_start().strip_prefix("at ")).map(str::to_owned);
        if at.is_some() {
            lines.next();
        }
        const PREFIXES: [&str; 13] = [
            "std::",
            "core::",
            "alloc::",
            "instrack::",
            "<std::",
            "<core::",
            "<alloc::",
            "<instrack::",
            "__rust",
            "backtrace::",
            "test::",
            "<test::",
            "__libc",
        ];
        const NAMES: [&str; 5] = ["main", "clone", "clone3", "_start", "start_thread"];
        // Calls through closures and the runtime's entry (`<&dyn Fn… as FnOnce>::call_once`).
        const INSIDE: [&str; 3] = ["core::ops::function::Fn", "std::rt::", "std::panicking::"];
        let internal = PREFIXES.iter().any(|p| symbol.starts_with(p))
            || NAMES.contains(&symbol)
            || INSIDE.iter().any(|p| symbol.contains(p));
        if internal {
            continue;
        }
        frames.push(match at {
            Some(at) => format!("{symbol} ({at})"),
            None => symbol.to_owned(),
        });
        if frames.len() == FRAMES {
            break;
        }
    }
    ShortBacktrace { frames }
}

/// The first frames of a creation backtrace outside std and instrack; see
/// [`Instance::short_backtrace`](crate::Instance::short_backtrace).
///
/// # Examples
/// ```
/// #[derive(Debug)]
/// struct Conn { _t: instrack::Tracked<Self> }
///
/// instrack::capture_backtraces(true);
/// let _c = Conn { _t: instrack::track!() };
/// for i in instrack::snapshot().narrow("Conn").instances() {
///     if let Some(short) = i.short_backtrace() {
///         for frame in short.frames() {
///             println!("    at {frame}");
///         }
///     }
/// }
/// instrack::capture_backtraces(false);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ShortBacktrace {
    frames: Vec<String>,
}

impl ShortBacktrace {
    /// The frames, innermost first: `function (file:line)`.
    pub fn frames(&self) -> &[String] {
        &self.frames
    }
}

impl fmt::Display for ShortBacktrace {
    /// One frame per line, each `at function (file:line)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, frame) in self.frames.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "at {}", crate::text::Escaped(frame))?;
        }
        Ok(())
    }
}
