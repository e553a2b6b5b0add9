//! `cargo bench` (tracking compiled out): a tracked struct against its plain twin.
//! `cargo bench --features tracking`: tracking against the cost floor of
//! counting, on one and two threads, `track!(&arc)`, and queries.
//!
//! Each group holds the thing and its baseline, measured in one run, so the
//! result to read is their ratio. README.md, "Performance", has the figures.

use common::{Marked, Plain};
use instrack::{track, Tracked};

mod common;
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex};

fn main() {
    println!("instrack::ENABLED = {}", instrack::ENABLED);
    divan::main();
}

/// The cost floor of counting: one static atomic per type, +1 and -1.
#[allow(dead_code)]
struct Counted {
    id: u64,
    name: &'static str,
}
static COUNTED_LIVE: AtomicUsize = AtomicUsize::new(0);
impl Counted {
    #[inline]
    fn new(id: u64) -> Counted {
        COUNTED_LIVE.fetch_add(1, Relaxed);
        Counted { id, name: "x" }
    }
}
impl Drop for Counted {
    #[inline]
    fn drop(&mut self) {
        COUNTED_LIVE.fetch_sub(1, Relaxed);
    }
}

/// Construct and drop one value: tracked, plain (what the release build
/// should equal), and counted (what tracking should stay within 2x of).
mod construct_drop {
    use super::*;

    #[divan::bench(threads = [1, 2], sample_size = 10_000)]
    fn plain(b: divan::Bencher) {
        b.counter(1u32).bench(|| drop(black_box(Plain { id: black_box(7), name: "x" })));
    }

    #[divan::bench(threads = [1, 2], sample_size = 10_000)]
    fn counted_atomic(b: divan::Bencher) {
        b.bench(|| drop(black_box(Counted::new(black_box(7)))));
    }

    #[divan::bench(threads = [1, 2], sample_size = 10_000)]
    fn tracked(b: divan::Bencher) {
        b.bench(|| drop(black_box(Marked { id: black_box(7), name: "x", _t: track!() })));
    }
}

/// Values made on one thread and dropped on the other: each thread makes a
/// batch, swaps it with the other thread's through a slot, and drops that.
mod cross_thread_drop {
    use super::*;
    const BATCH: usize = 256;

    fn exchange<T: Send>(slot: &Mutex<Vec<T>>, batch: Vec<T>) -> Vec<T> {
        std::mem::replace(&mut *slot.lock().unwrap(), batch)
    }

    #[divan::bench(threads = [2])]
    fn counted_atomic(b: divan::Bencher) {
        static SLOT: Mutex<Vec<Counted>> = Mutex::new(Vec::new());
        b.counter(BATCH).bench(|| {
            let batch: Vec<Counted> = (0..BATCH as u64).map(Counted::new).collect();
            drop(exchange(&SLOT, batch));
        });
    }

    /// Reference: the same batches, each thread dropping its own.
    #[divan::bench(threads = [1, 2])]
    fn counted_atomic_own_batch(b: divan::Bencher) {
        b.counter(BATCH).bench(|| {
            let batch: Vec<Counted> = (0..BATCH as u64).map(Counted::new).collect();
            drop(batch);
        });
    }

    /// Reference: the same batches, each thread dropping its own.
    #[divan::bench(threads = [1, 2])]
    fn tracked_own_batch(b: divan::Bencher) {
        b.counter(BATCH).bench(|| {
            let batch: Vec<Marked> = (0..BATCH as u64).map(|id| Marked { id, name: "x", _t: track!() }).collect();
            drop(batch);
        });
    }

    #[divan::bench(threads = [2])]
    fn tracked(b: divan::Bencher) {
        static SLOT: Mutex<Vec<Marked>> = Mutex::new(Vec::new());
        b.counter(BATCH).bench(|| {
            let batch: Vec<Marked> = (0..BATCH as u64).map(|id| Marked { id, name: "x", _t: track!() }).collect();
            drop(exchange(&SLOT, batch));
        });
    }
}

/// `track!(&arc)` on a fresh `Arc`, against the `Arc::new` + drop it tracks.
mod shared_arc {
    use super::*;

    #[derive(Debug)]
    #[allow(dead_code)]
    struct Value(u64);

    #[divan::bench(sample_size = 10_000)]
    fn arc_new_drop(b: divan::Bencher) {
        b.bench_local(|| drop(black_box(Arc::new(Value(black_box(7))))));
    }

    #[divan::bench(sample_size = 10_000)]
    fn arc_new_track_drop(b: divan::Bencher) {
        b.bench_local(|| {
            let a = Arc::new(Value(black_box(7)));
            track!(&a);
            drop(black_box(a));
        });
    }
}

/// Queries over many live instances.
mod queries {
    use super::*;

    struct Live {
        _t: Tracked<Self>,
    }

    fn population(n: usize) -> Vec<Live> {
        (0..n).map(|_| Live { _t: track!() }).collect()
    }

    #[divan::bench(args = [10_000, 1_000_000], sample_count = 10)]
    fn snapshot(b: divan::Bencher, n: usize) {
        let live = population(n);
        b.bench_local(|| black_box(instrack::snapshot())); // one thread: the query itself
        drop(live);
    }

    #[divan::bench(args = [10_000, 1_000_000], sample_count = 10)]
    fn report_to_sink(b: divan::Bencher, n: usize) {
        let live = population(n);
        b.bench_local(|| instrack::report_to(&mut std::io::sink(), "*").unwrap());
        drop(live);
    }
}

/// `find_cycles()` over 100k tracked nodes: a healthy tree (weak parent
/// pointers, nothing leaked) and the same tree leaked whole through strong
/// parent pointers (one component of 100k nodes).
mod cycles {
    use super::*;
    use instrack::{Edges, Trace};
    use std::cell::RefCell;
    use std::rc::{Rc, Weak};

    const NODES: usize = 100_000;

    #[derive(Debug)]
    struct Node {
        strong_parent: Option<Rc<Node>>,
        weak_parent: Weak<Node>,
        children: RefCell<Vec<Rc<Node>>>,
    }

    impl Trace for Node {
        fn trace(&self, edges: &mut Edges<'_>) {
            edges.trace(&self.strong_parent);
            edges.trace(&self.children);
        }
    }

    /// A tree of `NODES` nodes, each with up to 4 children; returns the root.
    fn tree(strong_parents: bool) -> Rc<Node> {
        let root = Rc::new(Node { strong_parent: None, weak_parent: Weak::new(), children: RefCell::new(Vec::new()) });
        track!(&root);
        let mut all = vec![root.clone()];
        for i in 1..NODES {
            let parent = &all[(i - 1) / 4];
            let node = Rc::new(Node {
                strong_parent: strong_parents.then(|| parent.clone()),
                weak_parent: Rc::downgrade(parent),
                children: RefCell::new(Vec::new()),
            });
            track!(&node);
            parent.children.borrow_mut().push(node.clone());
            all.push(node);
        }
        root
    }

    #[divan::bench(sample_count = 10)]
    fn find_cycles_100k_healthy(b: divan::Bencher) {
        let root = tree(false);
        b.bench_local(instrack::find_cycles);
        drop(root);
    }

    #[divan::bench(sample_count = 10)]
    fn find_cycles_100k_leaked(b: divan::Bencher) {
        let root = tree(true);
        let weak = Rc::downgrade(&root);
        drop(root); // every node is now kept alive only by the others
        b.bench_local(instrack::find_cycles);
        // Break the cycles so the next benchmark starts clean.
        if let Some(root) = weak.upgrade() {
            let mut stack = vec![root];
            while let Some(n) = stack.pop() {
                stack.extend(n.children.borrow_mut().drain(..));
            }
        }
    }

    /// 50k separate leaked cycles of two nodes each: one component per cycle.
    #[divan::bench(sample_count = 10)]
    fn find_cycles_100k_in_pairs(b: divan::Bencher) {
        let mut weaks = Vec::new();
        for _ in 0..NODES / 2 {
            let a = Rc::new(Node { strong_parent: None, weak_parent: Weak::new(), children: RefCell::new(Vec::new()) });
            let b = Rc::new(Node {
                strong_parent: None,
                weak_parent: Weak::new(),
                children: RefCell::new(vec![a.clone()]),
            });
            a.children.borrow_mut().push(b.clone());
            track!(&a);
            track!(&b);
            weaks.push(Rc::downgrade(&a));
        }
        b.bench_local(instrack::find_cycles);
        for w in weaks {
            if let Some(a) = w.upgrade() {
                a.children.borrow_mut().clear();
            }
        }
    }

    type Callback = instrack::TracedFn<Box<dyn Fn() + Send + Sync>>;

    /// The session, traced by the derive: leaves, a named `Arc`
    /// field, and a callback that may capture the session itself.
    #[derive(Debug, instrack::Trace)]
    struct Session {
        user: String,
        requests: u64,
        peer: std::sync::Mutex<Option<std::sync::Arc<Session>>>,
        on_close: std::sync::Mutex<Option<Callback>>,
    }

    /// `NODES` live `Arc<Session>`s with derived `Trace`; each leaked through
    /// its own callback if `leak`, else each held by the one before it and
    /// all owned from here.
    fn sessions(leak: bool) -> Vec<std::sync::Arc<Session>> {
        use std::sync::{Arc, Mutex};
        let mut kept: Vec<Arc<Session>> = Vec::new();
        for i in 0..NODES {
            let s = Arc::new(Session {
                user: format!("user{i}"),
                requests: 0,
                peer: Mutex::new(kept.last().cloned()),
                on_close: Mutex::new(None),
            });
            track!(&s);
            if leak {
                let captured = s.clone();
                let on_close = Callback::new(Box::new(move || println!("{}", captured.requests))).holding(&s);
                *s.on_close.lock().unwrap() = Some(on_close);
            } else {
                kept.push(s);
            }
        }
        kept
    }

    /// 100k live shared values with derived impls, none leaked: a chain of
    /// sessions held through `.peer`.
    #[divan::bench(sample_count = 10)]
    fn find_cycles_100k_derived_healthy(b: divan::Bencher) {
        let kept = sessions(false);
        b.bench_local(instrack::find_cycles);
        for s in &kept {
            s.peer.lock().unwrap().take();
        }
    }

    /// 100k live shared values with derived impls, each leaked by its own
    /// callback: 100k cycles of one shape, one group.
    #[divan::bench(sample_count = 10)]
    fn find_cycles_100k_derived_leaked(b: divan::Bencher) {
        sessions(true);
        b.bench_local(instrack::find_cycles);
        for s in instrack::live::<Session>() {
            s.on_close.lock().unwrap().take(); // break each cycle
        }
    }

    #[divan::bench(sample_count = 10)]
    fn graph_dot_100k(b: divan::Bencher) {
        let root = tree(false);
        b.bench_local(|| instrack::graph_dot("Node"));
        let _ = root.weak_parent.upgrade();
    }
}
