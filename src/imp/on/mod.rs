//! The registry, compiled in when [`crate::ENABLED`] is true.
//!
//! Hot path (construct and drop of a `Tracked<T>`), in the common case:
//! one word at the call site (`Site::fast`, see `registry.rs`) and its
//! type's check, one thread-local pointer load, a pop from the thread's free
//! list of slots, five plain stores, one `rdtsc`, and a plain load+store on
//! this thread's own counter cell (with the feature `tokio`, also one call
//! into tokio for the task and a sixth store); every other case out of line. No lock,
//! no map lookup, no read-modify-write on a line another thread writes. The
//! budget, in instructions, is `BUDGETS` in `benches/instructions.rs` (CI).
//!
//! This module is the contract that `imp/off.rs` mirrors; each protocol lives
//! in its own module, with its invariant in that module's docs:
//!
//! | module | what it holds |
//! |---|---|
//! | [`token`] | `Token`, the handle in each `Tracked`: its slot; the drop hook |
//! | [`share`] | registration of `Arc`/`Rc` instances (`track!(&value)`) |
//! | [`query`] | counts, snapshots, live lists, the graph for cycle finding |
//! | [`ledger`] | the temporary strong references queries hold, and their ledger |
//! | [`held`] | what the reference-graph analysis reads: `Held` instances |
//! | [`thread`] | per-thread state, id blocks, the exiting-thread path |
//! | [`registry`] | the type map, call-site resolution and caches, slot pools |
//! | [`thread_names`] | thread names by index; exited threads' names swept |
//! | [`slot`] | the record of a `Tracked` instance and its seqlock |
//! | [`entry`] | `TypeEntry`, a type's record: its cells, counts and peak |
//! | [`counters`] | per-thread counter cells and their two-pass sums |
//! | [`weak_list`] | the lists that hold `Arc`/`Rc` instances by weak reference |
//! | [`spin_lock`] | the lock of each cell's `Arc` list |
//! | [`stamp`] | what is recorded when an instance is made |
//! | [`task`] | the tokio task it is made in (feature `tokio`) |
//! | [`debug_text`] | bounded, panic-safe `Debug` text |
//! | [`clock`] | creation stamps |
//! | [`sync`] | the atomics, cells and mutexes all of the above use |
//!
//! Outside its tests, each module imports only those below it in this table
//! (so none imports another that imports it back).

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
mod held;
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
mod task;
#[allow(unsafe_code)] // the thread's state through a thread-local pointer
mod thread;
mod thread_names;
#[allow(unsafe_code)] // Send/Sync of the slot pointer
mod token;
mod weak_list;

pub(crate) use held::Held;
pub(crate) use ledger::owners;
pub(crate) use query::{
    all_counts, checkpoint, collect_graph, counts, debug_text_of, live_arcs, live_rcs, snapshot, Since, ValueRef,
};
pub(crate) use registry::{close_fast_path, open_fast_path};
pub(crate) use share::{share_arc, share_rc};
pub(crate) use token::{on_token_drop, Token};
