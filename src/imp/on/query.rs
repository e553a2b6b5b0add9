//! Queries: counts, snapshots, live lists, and the graph for cycle finding.
//!
//! **Invariant (no user code under a lock).** Registry locks guard only
//! instrack's own vectors and maps. A query copies what it needs under a
//! lock, releases it, and only then formats `Debug` text and drops the
//! temporary strong references it took (either may run user code).
//!
//! Temporary strong references are taken and let go of through the ledger
//! of temporaries (`ledger.rs`), so that leak checks and analyses can read
//! strong counts less them.
//!
//! A query that is not a leak check holds a strong reference only to values
//! it formats or returns; a leak check holds none but for its survivors.

use super::clock::{ticks, Epoch};
use super::debug_text::{INPUT_LIMIT, NODE_INPUT_LIMIT};
use super::entry::TypeEntry;
use super::ledger::{owners, strong_less_held, take_all, Strong, TemporaryRef};
use super::registry::{known, registry, Registry};
use super::slot::{Record, Slot};
use super::stamp::Stamp;
use super::sync::Relaxed;
use super::thread::with_thread_state;
use super::thread_names::Names;
use super::weak_list::{with_rcs, ArcWeak, RcWeak, WeakRef};
use crate::lock::lock;
use crate::pattern::Pattern;
use crate::snapshot::{Counts, Instance, Snapshot, TypeCounts};
use std::any::TypeId;
use std::rc::Rc;
use std::sync::Arc;

pub(crate) fn counts(type_id: TypeId) -> Counts {
    known(type_id).map_or_else(Counts::default, TypeEntry::counts)
}

/// The counts of every tracked type, from the counters and the weak lists
/// only: no instance record is read and no user code runs (for sampling).
pub(crate) fn all_counts() -> Vec<TypeCounts> {
    registry().entries().into_iter().map(type_counts).collect()
}

/// A type's counts now, with the value size its entry has seen.
fn type_counts(e: &'static TypeEntry) -> TypeCounts {
    let size = e.value_size.load(std::sync::atomic::Ordering::Relaxed);
    TypeCounts { index: e.index as u32, name: e.name, counts: e.counts(), value_size: (size > 0).then_some(size) }
}

pub(crate) fn live_arcs<T: Send + Sync + 'static>() -> Vec<Arc<T>> {
    let Some(entry) = known(TypeId::of::<T>()) else { return Vec::new() };
    let mut strong: Vec<_> = entry.cells().flat_map(|cell| cell.arcs.lock().upgrade_all(&|_| true)).collect();
    strong.sort_by_key(|(stamp, _)| (stamp.created, stamp.id));
    strong.into_iter().filter_map(|(_, arc)| arc.downcast::<T>().ok()).collect()
}

pub(crate) fn live_rcs<T: 'static>() -> Vec<Rc<T>> {
    let Some(entry) = known(TypeId::of::<T>()) else { return Vec::new() };
    let strong = with_rcs(entry.index, |l| l.upgrade_all(&|_| true)).unwrap_or_default();
    strong.into_iter().filter_map(|(_, rc)| rc.downcast::<T>().ok()).collect()
}

/// Which instances a checkpoint's survivors come from: those its thread
/// made with ids from `id` on (exact: a thread's ids only grow), and, for a
/// checkpoint of every thread, those other threads made at or after the
/// tick `others_from` (ids come in per-thread blocks, so they cannot order
/// two threads' instances; the creation stamps can).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Since {
    thread: u32,
    id: u64,
    others_from: Option<u64>,
}

impl Since {
    fn includes(&self, stamp: &Stamp) -> bool {
        if stamp.thread == self.thread {
            stamp.id >= self.id
        } else {
            self.others_from.is_some_and(|tick| stamp.created >= tick)
        }
    }
}

/// A checkpoint of this thread (`all_threads`: of every thread): this
/// thread's index, the smallest id it can hand out from now on, and the tick.
pub(crate) fn checkpoint(all_threads: bool) -> Option<Since> {
    let others_from = all_threads.then(ticks);
    with_thread_state(|s| Since { thread: s.thread, id: s.take_id() + 1, others_from })
}

/// Every live instance of the types `select` selects (all if `None`), or with
/// `since` only those made since that checkpoint (see `Since`). Only the instances kept are upgraded and
/// formatted: a report runs the `Debug` code of the types it asks for only.
pub(crate) fn snapshot(since: Option<Since>, select: Option<&Pattern>) -> Snapshot {
    let wanted = |stamp: &Stamp| since.is_none_or(|since| since.includes(stamp));
    let r = registry();
    let entries: Vec<&'static TypeEntry> =
        r.entries().into_iter().filter(|e| select.is_none_or(|p| p.selects(e.name))).collect();
    let selected: Vec<bool> = {
        let mut by_index = vec![false; r.type_count.load(Relaxed)];
        for e in &entries {
            if let Some(b) = by_index.get_mut(e.index) {
                *b = true;
            }
        }
        by_index
    };
    // A checkpoint's survivors (`since`) need the instances only; the exact
    // counts of every type would be computed and thrown away.
    let types = match since {
        Some(_) => Vec::new(),
        None => entries.iter().copied().map(type_counts).collect(),
    };
    // From the first stamp read until their threads' names are looked up.
    let reading = r.threads.reading();
    let chunks: Vec<&'static [Slot]> = lock(&r.chunks).clone();
    let mut records: Vec<Record> = chunks
        .iter()
        .flat_map(|c| c.iter())
        .filter_map(Slot::read)
        .filter(|r| selected.get(r.entry.index).copied().unwrap_or(false) && wanted(&r.stamp()))
        .collect();
    // Oldest first. Sorting these small records (mostly in order already)
    // is much cheaper than sorting the `Instance`s built from them.
    records.sort_unstable_by_key(|r| (r.created, r.id));
    let live = LiveWeaks::of(&entries, &wanted);
    // A leak check counts only real owners: another thread's query holding
    // a temporary reference to a value this thread dropped must not count.
    let live = match since {
        Some(_) => live.owned(),
        None => live,
    };
    let threads = records.iter().map(|r| r.thread);
    let threads =
        threads.chain(live.arcs.iter().map(|(_, s, _)| s.thread)).chain(live.rcs.iter().map(|(_, s, _)| s.thread));
    let names = reading.names_of(threads.collect());
    drop(reading);
    // No value is upgraded or formatted here: each `Instance` remembers where
    // its value is registered, and `Instance::debug` formats it when asked.
    let instance = instance_builder(r, names);
    let mut instances = Vec::with_capacity(records.len() + live.arcs.len() + live.rcs.len());
    instances.extend(records.iter().map(|r| Instance { clone_of: r.clone_of, ..instance(r.entry, r.stamp(), None) }));
    instances.extend(
        live.arcs
            .into_iter()
            .map(|(e, stamp, w)| instance(e, stamp, Some(ValueRef(Registered::Arc(e, stamp, w), INPUT_LIMIT)))),
    );
    instances.extend(
        live.rcs
            .into_iter()
            .map(|(e, stamp, _)| instance(e, stamp, Some(ValueRef(Registered::Rc(e, stamp), INPUT_LIMIT)))),
    );
    Snapshot::new(true, types, instances)
}

/// Where a snapshot's shared instance is registered, for `Instance::debug`:
/// a weak reference for an `Arc`; for an `Rc`, which cannot leave its thread
/// (and a `Snapshot` is `Send`), its id, to find it again in its thread's list.
/// Then how many characters of a long `Debug` to read: a graph node's
/// (`collect_graph`) far fewer than a snapshot's (see `debug_text`).
#[derive(Clone)]
pub(crate) struct ValueRef(Registered, usize);

#[derive(Clone)]
enum Registered {
    Arc(&'static TypeEntry, Stamp, ArcWeak),
    Rc(&'static TypeEntry, Stamp),
}

impl std::fmt::Debug for ValueRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.0 {
            Registered::Arc(..) => "Arc",
            Registered::Rc(..) => "Rc",
        })
    }
}

/// The `Debug` text of a registered value, if it is still alive (and, for an
/// `Rc`, on this thread). The temporary strong reference is entered in the
/// ledger like any query's, and dropped with no lock held.
pub(crate) fn debug_text_of(value: &ValueRef) -> Option<String> {
    let live = match &value.0 {
        Registered::Arc(entry, stamp, weak) => {
            entry.debug.get()?;
            LiveWeaks { arcs: vec![(*entry, *stamp, weak.clone())], rcs: Vec::new() }
        }
        Registered::Rc(entry, stamp) => {
            entry.debug.get()?;
            let weak = with_rcs(entry.index, |l| l.weak_of(stamp.id)).flatten()?;
            LiveWeaks { arcs: Vec::new(), rcs: vec![(*entry, *stamp, weak)] }
        }
    };
    let taken = live.upgrade();
    let text = taken.first().and_then(|t| t.debug_text(value.1));
    drop(taken); // may be the last owner: runs its `Drop`, with no lock held
    text
}

/// Weak references to the live shared instances of `entries` that `wanted`
/// keeps: every thread's `Arc`s, and this thread's `Rc`s. Each list's lock is
/// held only while it is pruned and copied.
struct LiveWeaks {
    arcs: Vec<(&'static TypeEntry, Stamp, ArcWeak)>,
    rcs: Vec<(&'static TypeEntry, Stamp, RcWeak)>,
}

impl LiveWeaks {
    fn of(entries: &[&'static TypeEntry], wanted: &dyn Fn(&Stamp) -> bool) -> LiveWeaks {
        let (mut arcs, mut rcs) = (Vec::new(), Vec::new());
        for &entry in entries {
            arcs.extend(entry.live_arcs(wanted).into_iter().map(|(stamp, w)| (entry, stamp, w)));
            let mine = with_rcs(entry.index, |l| {
                l.prune();
                l.live_weaks(wanted)
            });
            rcs.extend(mine.into_iter().flatten().map(|(stamp, w)| (entry, stamp, w)));
        }
        LiveWeaks { arcs, rcs }
    }

    /// Keeps only the instances something besides instrack's queries owns.
    fn owned(mut self) -> LiveWeaks {
        self.arcs.retain(|(_, _, w)| owners(w.addr() as usize, &|| w.strong_count()) > 0);
        self.rcs.retain(|(_, _, w)| owners(w.addr() as usize, &|| w.strong_count()) > 0);
        self
    }

    /// Temporary strong references to those still alive, each entered in the
    /// ledger in the same step as its upgrade.
    fn upgrade(self) -> Vec<TemporaryRef> {
        take_all(&self.arcs, &self.rcs)
    }
}

/// Builds `Instance`s from stamps: the one place an `Instance` is made.
/// `names` holds the names of the threads the stamps name, looked up before
/// a sweep could drop any (see `thread_names.rs`).
fn instance_builder(r: &Registry, names: Names) -> impl Fn(&'static TypeEntry, Stamp, Option<ValueRef>) -> Instance {
    let age = Epoch::now().ager(r.epoch);
    move |entry, stamp, value| Instance {
        id: stamp.id,
        type_index: entry.index as u32,
        type_name: entry.name,
        site: stamp.site,
        thread: names.get(stamp.thread),
        age: age(stamp.created),
        value,
        debug: std::sync::OnceLock::new(),
        clone_of: None,
        backtrace: None,
        task: stamp.task.id(),
    }
}

/// Every live shared instance with a temporary strong reference, for the
/// reference-graph analysis. No `Debug` runs here: each `Held`'s instance
/// formats its value when asked, like a snapshot's.
pub(crate) fn collect_graph() -> Vec<super::held::Held> {
    let r = registry();
    let reading = r.threads.reading();
    let taken = LiveWeaks::of(&r.entries(), &|_| true).upgrade();
    let names = reading.names_of(taken.iter().map(|s| s.stamp.thread).collect());
    drop(reading);
    let instance = instance_builder(r, names);
    // Strong counts read under the ledger's lock, less every temporary
    // reference instrack holds (this analysis's own included).
    let strong = strong_less_held(&taken);
    taken
        .into_iter()
        .zip(strong)
        .map(|(s, strong)| super::held::Held {
            instance: instance(s.entry, s.stamp, Some(value_ref(&s))),
            addr: s.addr(),
            strong,
            value: Box::new(s),
        })
        .collect()
}

/// Where a held instance is registered, so that its `Debug` text is
/// formatted only if asked for (`Instance::debug`), as a snapshot's is: an
/// analysis of 100k instances prints a few of them. Read as a graph node's.
fn value_ref(held: &TemporaryRef) -> ValueRef {
    let registered = match &held.value {
        Some(Strong::Arc(a)) => Registered::Arc(held.entry, held.stamp, Arc::downgrade(a)),
        _ => Registered::Rc(held.entry, held.stamp),
    };
    ValueRef(registered, NODE_INPUT_LIMIT)
}
