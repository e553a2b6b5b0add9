//! The names of the threads that register instances, by thread index, and
//! how the names of exited threads go.
//!
//! Each thread takes an index when its state is made (`thread.rs`); the
//! stamps of its instances carry it, and queries turn indexes into names.
//! Indexes only grow (a checkpoint is a thread index and an id), so a table
//! of every thread that ever ran would grow with each one; this one keeps a
//! name only while a query can still meet its index.
//!
//! **Invariant (a name outlives every stamp of its thread).** A thread's
//! name is added before its first stamp and kept while it runs. An exiting
//! thread lists its index as dead after its last stamp (what it registers
//! later is stamped [`EXITING_THREAD`]). When the dead list reaches
//! `sweep_at`, the exiting thread sweeps: it visits the stamp of every
//! instance a query on another thread can read (filled slots, and the live
//! entries of every `Arc` list, under its lock), and drops the names of the
//! listed threads that no stamp names. A dead thread makes no new stamp and
//! a value found dead stays dead, so no query meets a dropped index again.
//!
//! **Invariant (a query never misses a name).** A query holds the read side
//! of `gate` ([`ThreadNames::reading`]) from before it reads its first stamp
//! until it has looked up the names of the stamps it read; a sweep holds the
//! write side from before its visit until it has dropped names. A sweep
//! takes it with `try_write` and never waits (a busy gate leaves the sweep
//! to the next exit), so queries wait at most for one sweep in progress, and
//! each query reads either before a sweep's visit or after its removals
//! (model check at the bottom).
//!
//! The one stamp a sweep cannot visit is in a thread's own `Rc` lists, which
//! only that thread reads: a query it makes during its own thread-local
//! destruction, after its state is gone, may name its `Rc`s as
//! [`EXITING_THREAD`] does, "(exiting thread)".
//!
//! **Cost.** `sweep_at` is twice the number of names the last sweep kept, at
//! least 64, and at least 1/1024 of the slots and entries it visited. Dead
//! threads thus keep at most that many names beyond those live instances
//! need, and a sweep's visits are spread over as many exits: O(1) visits per
//! exit, amortized, nothing on the path of an instance, and a query's cost
//! independent of how many threads have exited.

use super::sync::{Mutex, RwLock, RwLockReadGuard};
use crate::lock::unpoisoned;
use std::collections::BTreeMap;
use std::sync::{Arc, TryLockError};

/// Thread index of registrations made while a thread's locals are gone.
pub(super) const EXITING_THREAD: u32 = 0;
/// The name those registrations show.
const EXITING_NAME: &str = "(exiting thread)";
/// The least `sweep_at`.
const MIN_SWEEP: usize = 64;
/// Slots and list entries a sweep may visit per name it leaves to the next.
const VISITS_PER_NAME: usize = 1024;

/// The names of threads by index; see the module docs.
pub(super) struct ThreadNames {
    gate: RwLock<()>,
    table: Mutex<Table>,
}

struct Table {
    names: BTreeMap<u32, Arc<str>>,
    /// Where the search for the next thread's index starts.
    next: u32,
    /// Exited threads whose names are still kept.
    dead: Vec<u32>,
    /// The length of `dead` at which an exiting thread sweeps.
    sweep_at: usize,
}

impl ThreadNames {
    pub(super) fn new() -> ThreadNames {
        ThreadNames::starting_at(EXITING_THREAD + 1, MIN_SWEEP)
    }

    fn starting_at(next: u32, sweep_at: usize) -> ThreadNames {
        let names = BTreeMap::from([(EXITING_THREAD, Arc::from(EXITING_NAME))]);
        ThreadNames { gate: RwLock::new(()), table: Mutex::new(Table { names, next, dead: Vec::new(), sweep_at }) }
    }

    /// Gives a starting thread its index. Indexes grow; after `u32::MAX`
    /// they start again from 1, skipping those whose names are still kept.
    pub(super) fn add(&self, name: Arc<str>) -> u32 {
        let mut table = unpoisoned(self.table.lock());
        let following = |thread: u32| thread.checked_add(1).unwrap_or(EXITING_THREAD + 1);
        let mut thread = table.next;
        while table.names.contains_key(&thread) {
            thread = following(thread);
        }
        table.names.insert(thread, name);
        table.next = following(thread);
        thread
    }

    /// Lists `thread` as exited, after its last stamp; sweeps when the list
    /// is due. `visit` calls its argument with the thread index of every
    /// stamp a query on another thread can read, and returns how many slots
    /// and list entries it read.
    pub(super) fn exited(&self, thread: u32, visit: impl FnOnce(&mut dyn FnMut(u32)) -> usize) {
        let due = {
            let mut table = unpoisoned(self.table.lock());
            table.dead.push(thread);
            table.dead.len() >= table.sweep_at
        };
        if due {
            self.sweep(visit);
        }
    }

    /// Drops the names of listed dead threads that no stamp names, unless a
    /// query holds the gate.
    fn sweep(&self, visit: impl FnOnce(&mut dyn FnMut(u32)) -> usize) {
        let _gate = match self.gate.try_write() {
            Ok(gate) => gate,
            Err(TryLockError::Poisoned(gate)) => gate.into_inner(),
            Err(TryLockError::WouldBlock) => return,
        };
        let mut dead = unpoisoned(self.table.lock()).dead.clone();
        dead.sort_unstable();
        let mut named = vec![false; dead.len()];
        let visited = visit(&mut |thread| {
            if let Ok(i) = dead.binary_search(&thread) {
                named[i] = true;
            }
        });
        let mut table = unpoisoned(self.table.lock());
        for (thread, _) in dead.iter().zip(&named).filter(|(_, named)| !**named) {
            table.names.remove(thread);
        }
        // Threads listed during the visit stay listed: they were not swept.
        table.dead.retain(|thread| dead.binary_search(thread).map_or(true, |i| named[i]));
        table.sweep_at = MIN_SWEEP.max(2 * table.dead.len()).max(visited / VISITS_PER_NAME);
    }

    /// Holds off sweeps until the names of the stamps read meanwhile are
    /// looked up (see the module docs).
    pub(super) fn reading(&self) -> Reading<'_> {
        Reading { names: self, _gate: unpoisoned(self.gate.read()) }
    }
}

/// The read side of the gate: while it lives, no name is dropped.
pub(super) struct Reading<'a> {
    names: &'a ThreadNames,
    _gate: RwLockReadGuard<'a, ()>,
}

impl Reading<'_> {
    /// The names of `threads` (in any order, repeats allowed).
    pub(super) fn names_of(&self, mut threads: Vec<u32>) -> Names {
        // Mostly runs of one thread: shorten before sorting.
        threads.dedup();
        threads.sort_unstable();
        threads.dedup();
        let table = unpoisoned(self.names.table.lock());
        let exiting = table.names.get(&EXITING_THREAD).cloned().unwrap_or_else(|| Arc::from(EXITING_NAME));
        let found = threads
            .into_iter()
            .map(|thread| (thread, table.names.get(&thread).cloned().unwrap_or_else(|| exiting.clone())))
            .collect();
        Names { found, exiting }
    }
}

/// Names looked up by [`Reading::names_of`].
pub(super) struct Names {
    found: Vec<(u32, Arc<str>)>,
    exiting: Arc<str>,
}

impl Names {
    /// The name of `thread`, one of those looked up.
    pub(super) fn get(&self, thread: u32) -> Arc<str> {
        match self.found.binary_search_by_key(&thread, |(t, _)| *t) {
            Ok(i) => self.found[i].1.clone(),
            Err(_) => self.exiting.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::entry::TypeEntry;
    use super::super::slot::Slot;
    use super::super::sync::{model, thread};
    use super::{ThreadNames, EXITING_THREAD};
    use crate::site::Site;
    use std::any::TypeId;
    use std::sync::Arc;

    static SITE: Site = Site::new("m", "names.rs", 1, 1);

    fn has(names: &ThreadNames, thread: u32) -> bool {
        super::unpoisoned(names.table.lock()).names.contains_key(&thread)
    }

    /// A thread that exited made an instance that another thread drops while
    /// a third sweeps and a query reads the instance's slot: a query that
    /// reads the stamp finds the name; once the instance is gone, the next
    /// sweep drops the name.
    ///
    /// Fails when the protocol is weakened: a query that takes the gate only
    /// after reading the slot, to look names up, meets a dropped name.
    #[test]
    fn a_query_finds_the_name_of_every_stamp_it_reads_while_a_sweep_runs() {
        model(|| {
            let entry: &'static TypeEntry = TypeEntry::leak(TypeId::of::<u8>(), "u8", 0);
            let names = Arc::new(ThreadNames::starting_at(1, 1));
            let gone = names.add(Arc::from("gone"));
            let slot = Arc::new(Slot::vacant());
            slot.fill(1, entry, &SITE, gone, super::super::stamp::Moment::at(1));
            let visit = |slot: &Slot, visit: &mut dyn FnMut(u32)| {
                if let Some(record) = slot.read() {
                    visit(record.thread);
                }
                1
            };
            let dropper = {
                let slot = Arc::clone(&slot);
                thread::spawn(move || slot.clear())
            };
            let sweeper = {
                let (names, slot) = (Arc::clone(&names), Arc::clone(&slot));
                thread::spawn(move || names.exited(gone, |v| visit(&slot, v)))
            };
            let reading = names.reading();
            let record = slot.read();
            let found = reading.names_of(record.iter().map(|r| r.thread).collect());
            drop(reading);
            if let Some(record) = record {
                assert_eq!(&*found.get(record.thread), "gone", "a stamp read whose name was dropped");
            }
            dropper.join().unwrap();
            sweeper.join().unwrap();
            names.sweep(|v| visit(&slot, v));
            assert!(!has(&names, gone), "the name outlived the last instance");
            assert!(has(&names, EXITING_THREAD));
        });
    }

    /// Exited threads keep their names only while a stamp names them, and
    /// only the exits listed before a sweep's visit are swept.
    #[test]
    fn a_sweep_drops_only_the_names_of_dead_threads_no_stamp_names() {
        // A model only so that loom's primitives work; one thread.
        model(|| {
            let names = ThreadNames::new();
            let threads: Vec<u32> = (0..100).map(|i| names.add(Arc::from(format!("t{i}")))).collect();
            assert_eq!(threads, (1..=100).collect::<Vec<u32>>(), "indexes grow from 1");
            let kept = threads[10];
            // The 64th exit sweeps: 63 names go, the one a stamp names stays.
            for &t in &threads[..64] {
                names.exited(t, |visit| {
                    visit(kept);
                    visit(threads[99]); // alive: not listed, so not swept
                    1
                });
            }
            let swept: Vec<u32> = threads.iter().copied().filter(|&t| !has(&names, t)).collect();
            assert_eq!(swept.len(), 63, "{swept:?}");
            assert!(has(&names, kept) && has(&names, threads[99]));
            assert_eq!(super::unpoisoned(names.table.lock()).dead, vec![kept]);
            // A query meanwhile holds sweeps off.
            let reading = names.reading();
            for &t in &threads[64..99] {
                names.exited(t, |_| 1);
            }
            names.sweep(|_| 1);
            assert!(threads[64..99].iter().all(|&t| has(&names, t)), "a sweep ran under a query");
            let found = reading.names_of(vec![kept, threads[99], kept, 12345]);
            assert_eq!((&*found.get(kept), &*found.get(threads[99])), ("t10", "t99"));
            assert_eq!(&*found.get(12345), "(exiting thread)");
            drop(reading);
            names.sweep(|_| 1);
            assert!(threads[..99].iter().all(|&t| !has(&names, t)), "once the query is done, all go");
            assert!(has(&names, threads[99]), "a running thread's name stays");
        });
    }

    /// After `u32::MAX`, indexes start again from 1, skipping those still
    /// named and the exiting thread's.
    #[test]
    fn indexes_wrap_around_past_the_names_still_kept() {
        model(|| {
            let names = ThreadNames::starting_at(u32::MAX - 1, 64);
            let a = names.add(Arc::from("a"));
            let b = names.add(Arc::from("b"));
            let c = names.add(Arc::from("c"));
            assert_eq!((a, b, c), (u32::MAX - 1, u32::MAX, 1));
            let names = ThreadNames::starting_at(1, 64);
            let first = names.add(Arc::from("first"));
            super::unpoisoned(names.table.lock()).next = u32::MAX;
            assert_eq!((names.add(Arc::from("x")), names.add(Arc::from("y"))), (u32::MAX, first + 1));
        });
    }
}
