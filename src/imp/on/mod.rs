//! The registry, compiled in when [`crate::ENABLED`] is true.
//!
//! Hot path (construct and drop of a `Tracked<T>`), in the common case:
//! one cached pointer load at the call site, one thread-local borrow, a pop
//! from the thread's free list of slots, five plain stores, one `rdtsc`, and
//! a plain load+store on this thread's own counter cell. No lock, no map
//! lookup, no read-modify-write on a line another thread writes.
//!
//! This module is the contract that `imp/off.rs` mirrors; each protocol lives
//! in its own module, with its invariant in that module's docs:
//!
//! | module | what it holds |
//! |---|---|
//! | [`token`] | `Token`, the handle in each `Tracked`: its slot |
//! | [`slot`] | the record of a `Tracked` instance and its seqlock |
//! | [`stamp`] | what is recorded when an instance is made |
//! | [`spin_lock`] | the lock of each cell's `Arc` list |
//! | [`counters`] | per-thread counter cells and their two-pass sums |
//! | [`entry`] | `TypeEntry`, a type's record: its cells, counts and peak |
//! | [`registry`] | the type map, the call-site cache, slot pools |
//! | [`thread`] | per-thread state, id blocks, the exiting-thread path |
//! | [`share`] | registration of `Arc`/`Rc` instances (`track!(&value)`) |
//! | [`weak_list`] | the lists that hold `Arc`/`Rc` instances by weak reference |
//! | [`query`] | counts, snapshots, live lists, the graph for cycle finding |
//! | [`ledger`] | the temporary strong references queries hold, and their ledger |
//! | [`debug_text`] | bounded, panic-safe `Debug` text |
//! | [`clock`] | creation stamps |
//! | [`sync`] | the atomics all of the above use |

/// See [`crate::ENABLED`].
pub(crate) const ENABLED: bool = true;

// The crate denies `unsafe_code`; these modules need it, and each block
// says why it is sound (see "Safety and correctness" in the crate docs).
#[allow(unsafe_code)] // rdtsc
mod clock;
mod counters;
mod debug_text;
#[allow(unsafe_code)] // walking the push-only list of cells
mod entry;
mod ledger;
mod query;
#[allow(unsafe_code)] // the call-site caches: &'static pointers through AtomicPtr
mod registry;
mod share;
#[allow(unsafe_code)] // &'static pointers read under the seqlock
mod slot;
#[allow(unsafe_code)] // the value behind the lock
mod spin_lock;
mod stamp;
#[allow(unsafe_code)] // UnsafeCell with loom's API
mod sync;
mod thread;
#[allow(unsafe_code)] // Send/Sync of the slot pointer
mod token;
mod weak_list;

pub(crate) use ledger::owners;
pub(crate) use query::{
    all_counts, checkpoint, collect_graph, counts, debug_text_of, live_arcs, live_rcs, snapshot, ValueRef,
};

pub(crate) use share::{share_arc, share_rc};
pub(crate) use token::{on_token_drop, Token};
