//! Reference cycles that leak, and why an instance is alive.
//!
//! Trial deletion, as CPython's cycle collector does it: for each tracked
//! shared instance, its strong count minus the references that traced
//! instances hold on it is the number of owners from outside the traced
//! graph. Everything reachable from an instance with an outside owner is
//! legitimately alive; what remains is kept alive only by references among
//! tracked instances: leaked. Its strongly connected components with a cycle
//! are the cycles; the rest of it hangs beneath them.
//!
//! | file | what it holds |
//! |---|---|
//! | this one | the analyses (`find_cycles`, `why_alive`, `graph_dot`) and the guard that runs them one at a time |
//! | [`graph`] | the analysed graph: trial deletion, Tarjan, chains of holders |
//! | [`results`] | `RefNode`, `Cycle` and their report text |
//! | [`retention`] | `Retention`, what `why_alive` returns, and its text |
//! | [`grouped`] | `Cycles`, `CycleGroup`: the cycles grouped by shape, the untraced types, their report text |
//! | [`dot`] | Graphviz text |
//!
//! The data flows down: this file uses `graph`, `grouped` and `dot`, which
//! build or read `results`, and builds `retention`; only `graph` reads the
//! registry, through `imp::collect_graph`.

mod dot;
mod graph;
mod grouped;
mod results;
mod retention;

pub use grouped::{CycleGroup, Cycles};
pub use results::{Cycle, RefNode};
pub use retention::Retention;

use crate::pattern::Pattern;
use crate::text::dot_escaped as escape;
use dot::dot;
use graph::Graph;
use std::collections::{HashMap, HashSet};

/// Finds the groups of tracked `Arc`/`Rc` instances that are kept alive only
/// by references among themselves, with what each keeps alive beneath it.
///
/// Looks at every thread's `Arc`s and the calling thread's `Rc`s registered
/// with `track!(&value)`; their types implement [`Trace`](crate::Trace) to
/// report their references. Strong references that no `Trace` reports count
/// as owners from outside, so a missing `Trace` impl can hide a leak but never
/// invent one; [`Cycles::untraced`] names the tracked types that have no
/// `Trace` impl. While other threads mutate the graph the answer is
/// approximate. Empty when tracking is compiled out.
///
/// The [`Cycles`] it returns deref to a slice of [`Cycle`]s, largest first;
/// [`Cycles::groups`] sorts them by shape, and its `Display` prints each
/// shape once, naming the field (and closure) of each reference:
/// `Session #12 .on_close → closure (src/main.rs:44) → Session #12`.
/// No `Debug` runs during the analysis: a member's text is formatted when it
/// is printed or asked for ([`Instance::debug`](crate::Instance::debug)),
/// like a snapshot's, so `Display` formats one cycle per shape however many
/// there are.
///
/// # Locking behaviour
/// Analyses (this, [`why_alive`], [`graph_dot`]) run one at a time: one on
/// another thread waits for the running one to finish. A `trace` or `Debug`
/// may start an analysis itself, but must not wait for another thread that
/// starts one. Registry locks are held only to take temporary strong
/// references, never while `trace` or `Debug` runs; the temporaries are dropped
/// last, with no lock held, so a `Drop` they trigger may use instrack freely.
///
/// # Examples
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
///
/// #[derive(Debug)]
/// struct Node { name: &'static str, next: RefCell<Option<Rc<Node>>> }
/// impl instrack::Trace for Node {
///     fn trace(&self, edges: &mut instrack::Edges<'_>) { edges.field("next", &self.next) }
/// }
///
/// let a = Rc::new(Node { name: "a", next: RefCell::new(None) });
/// let b = Rc::new(Node { name: "b", next: RefCell::new(Some(a.clone())) });
/// *a.next.borrow_mut() = Some(b.clone());
/// instrack::track!(&a);
/// instrack::track!(&b);
/// drop((a, b)); // a → b → a: nothing else owns them
///
/// let cycles = instrack::find_cycles();
/// # if !instrack::ENABLED { assert!(cycles.is_empty()); return; }
/// assert_eq!(cycles.len(), 1);
/// assert_eq!(cycles[0].members().len(), 2);
/// assert!(cycles.to_string().contains(".next → Node #"));
/// println!("{cycles}");
/// ```
pub fn find_cycles() -> Cycles {
    if !crate::ENABLED {
        return Cycles::default(); // and the analysis is not linked
    }
    let guard = AnalysisGuard::enter();
    let mut graph = Graph::build();
    let mut cycles: Vec<Cycle> = graph
        .cycle_components()
        .into_iter()
        .map(|members| {
            // Sets, not node-sized vectors: the work per component is
            // proportional to the component, however many there are.
            let member: HashSet<usize> = members.iter().copied().collect();
            let kept: Vec<usize> =
                graph.reachable(&members, |j| graph.leaked[j]).into_iter().filter(|j| !member.contains(j)).collect();
            let involved: Vec<usize> = members.iter().chain(&kept).copied().collect();
            let (edges, paths) = graph.edges_among(&involved);
            Cycle {
                edges,
                paths,
                // `Debug` text formatted when printed: `Display` shows one
                // cycle of each shape, and formatting 100k members up front
                // cost seconds (each a cyclic `Debug`, read to find its top level).
                members: members.iter().map(|&i| graph.node(i, false)).collect(),
                kept_alive: kept.iter().map(|&i| graph.node(i, false)).collect(),
            }
        })
        .collect();
    cycles.sort_by_key(|c| std::cmp::Reverse(c.members.len() + c.kept_alive.len()));
    let untraced = std::mem::take(&mut graph.untraced_types);
    drop(guard);
    drop(graph); // last, with no lock held: may drop the last owner of an instance
    Cycles::new(cycles, untraced)
}

/// Why the tracked shared instance with this `id` is alive: the chain of
/// tracked holders back to one with an owner outside the traced graph,
/// like objgraph's `find_backref_chain`. `None` if no tracked `Arc` (or
/// `Rc` of this thread) with that id is alive, or tracking is compiled out.
/// Ids are those of reports and snapshots.
///
/// # Examples
/// ```
/// use std::sync::{Arc, Mutex};
///
/// #[derive(Debug, Default)]
/// struct Doc { pages: Mutex<Vec<Arc<Page>>> }
/// #[derive(Debug)]
/// struct Page(u32);
/// impl instrack::Trace for Doc {
///     fn trace(&self, edges: &mut instrack::Edges<'_>) { edges.trace(&self.pages) }
/// }
///
/// let doc = Arc::new(Doc::default());
/// instrack::track!(&doc);
/// let page = Arc::new(Page(1));
/// instrack::track!(&page);
/// doc.pages.lock().unwrap().push(page.clone());
/// drop(page);
///
/// # if !instrack::ENABLED { return; }
/// let id = instrack::snapshot().narrow("Page").instances().next().unwrap().id();
/// let why = instrack::why_alive(id).unwrap();
/// assert_eq!(why.chain().len(), 2); // the page, held by the doc, which `doc` owns
/// println!("{why}");
/// ```
pub fn why_alive(id: u64) -> Option<Retention> {
    if !crate::ENABLED {
        return None;
    }
    let guard = AnalysisGuard::enter();
    let graph = Graph::build();
    let target = graph.held.iter().position(|h| h.instance().id() == id)?;
    let (chain, closing) = graph.holder_chain(target);
    let mut via: Vec<_> = chain.windows(2).map(|w| graph.path_between(w[1], w[0])).collect();
    if let (Some(back), Some(&last)) = (closing, chain.last()) {
        via.push(graph.path_between(back, last));
    }
    let closed_by = closing.map(|back| graph.held[back].instance().id());
    let retention = Retention { chain: chain.iter().map(|&i| graph.node(i, true)).collect(), via, closed_by };
    drop(guard);
    drop(graph); // last, with no lock held
    Some(retention)
}

/// The tracked reference graph of the types `pattern` selects, as Graphviz
/// DOT for `dot -Tsvg`: one node per live tracked `Arc`/`Rc` instance, one
/// edge per traced reference between them; leaked instances are drawn red,
/// and instances with outside owners say how many. See [`report`](crate::report)
/// for the pattern language; an empty pattern gives a graph whose label says
/// what to write. An empty graph when tracking is compiled out.
///
/// # Examples
/// ```
/// use std::rc::Rc;
///
/// #[derive(Debug)]
/// struct Leaf;
/// impl instrack::Trace for Leaf {
///     fn trace(&self, _: &mut instrack::Edges<'_>) {}
/// }
///
/// let leaf = Rc::new(Leaf);
/// instrack::track!(&leaf);
/// let dot = instrack::graph_dot("Leaf");
/// assert!(dot.starts_with("digraph"));
/// std::fs::write(std::env::temp_dir().join("leaves.dot"), &dot).unwrap(); // then: dot -Tsvg leaves.dot
/// ```
pub fn graph_dot(pattern: &str) -> String {
    if !crate::ENABLED {
        return concat!("digraph \"instrack\" {\n    label=\"instrack: ", crate::text::compiled_out!(), "\";\n}\n")
            .to_owned();
    }
    let selected = match Pattern::parse(pattern) {
        Ok(p) => p,
        // The same message a report gives, where a DOT viewer shows it.
        Err(message) => return format!("digraph \"instrack\" {{\n    label=\"instrack: {}\";\n}}\n", escape(&message)),
    };
    let guard = AnalysisGuard::enter();
    let graph = Graph::build();
    // Each type matched once, not each node: a graph has few types.
    let mut selects: HashMap<&'static str, bool> = HashMap::new();
    let keep: Vec<usize> = (0..graph.held.len())
        .filter(|&i| *selects.entry(graph.held[i].instance().type_name()).or_insert_with_key(|t| selected.selects(t)))
        .collect();
    let nodes: Vec<RefNode> = keep.iter().map(|&i| graph.node(i, true)).collect();
    let leaked: Vec<bool> = keep.iter().map(|&i| graph.leaked[i]).collect();
    let (edges, paths) = graph.edges_among(&keep);
    let text = dot(nodes.iter().zip(leaked), &edges, &paths, &format!("instrack {pattern}"));
    drop(guard);
    drop(graph); // last, with no lock held
    text
}

/// Analyses run one at a time, so that one's `try_lock` while tracing never
/// makes another see a held lock. Construction, drops and reports never take
/// this lock. An analysis started from inside an analysis (a `trace` or
/// `Debug` that calls `find_cycles`) runs without it.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

thread_local! {
    static ANALYSING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Held while an analysis runs, so that analyses run one at a time (see
/// [`ONE_AT_A_TIME`]); released before the analysis's temporary references
/// drop.
struct AnalysisGuard {
    _lock: Option<std::sync::MutexGuard<'static, ()>>,
    outermost: bool,
}

impl AnalysisGuard {
    fn enter() -> AnalysisGuard {
        let nested = ANALYSING.with(|a| a.replace(true));
        if nested {
            return AnalysisGuard { _lock: None, outermost: false };
        }
        let lock = crate::lock::lock(&ONE_AT_A_TIME);
        AnalysisGuard { _lock: Some(lock), outermost: true }
    }
}

impl Drop for AnalysisGuard {
    fn drop(&mut self) {
        if self.outermost {
            ANALYSING.with(|a| a.set(false));
        }
    }
}
