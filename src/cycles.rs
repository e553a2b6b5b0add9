//! Reference cycles that leak, and why an instance is alive.
//!
//! Trial deletion, as CPython's cycle collector does it: for each tracked
//! shared instance, its strong count minus the references that traced
//! instances hold on it is the number of owners from outside the traced
//! graph. Everything reachable from an instance with an outside owner is
//! legitimately alive; what remains is kept alive only by references among
//! tracked instances: leaked. Its strongly connected components with a cycle
//! are the cycles; the rest of it hangs beneath them.

use crate::imp;
use crate::pattern::{short_generics, Pattern};
use crate::snapshot::Instance;
use crate::text::plural;
use crate::trace::Edges;
use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt::{self, Write as _};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;

/// A live shared instance held for the analysis. Its `value` keeps it alive
/// until the analysis is done; dropping it may run the instance's `Drop`.
pub(crate) struct Held {
    pub(crate) instance: Instance,
    pub(crate) addr: usize,
    /// Strong references other than the analysis's own.
    pub(crate) strong: usize,
    pub(crate) value: Box<dyn HeldValue>,
}

/// What the analysis asks of a held value; both run user code.
pub(crate) trait HeldValue {
    /// Traces the value; `false` if its type has no `Trace` impl.
    fn trace(&self, edges: &mut Edges<'_>) -> bool;
    fn debug(&self) -> Option<String>;
}

/// One tracked instance in the reference graph.
///
/// # Examples
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
///
/// #[derive(Debug)]
/// struct Peer { name: &'static str, other: RefCell<Option<Rc<Peer>>> }
/// impl instrack::Trace for Peer {
///     fn trace(&self, edges: &mut instrack::Edges<'_>) { edges.trace(&self.other) }
/// }
///
/// let a = Rc::new(Peer { name: "a", other: RefCell::new(None) });
/// let b = Rc::new(Peer { name: "b", other: RefCell::new(Some(a.clone())) });
/// *a.other.borrow_mut() = Some(b.clone());
/// instrack::track!(&a);
/// instrack::track!(&b);
/// drop((a, b));
/// for cycle in instrack::find_cycles() {
///     for node in cycle.members() {
///         assert_eq!(node.strong_count(), 1); // held by the other peer only
///         assert_eq!(node.outside_owners(), 0);
///         assert!(node.note().is_none());
///         println!("{node}");
///     }
/// }
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RefNode {
    instance: Instance,
    strong: usize,
    outside: usize,
    note: Option<String>,
}

impl RefNode {
    /// The instance: id, type, site, thread, age, and its `Debug` text.
    pub fn instance(&self) -> &Instance {
        &self.instance
    }
    /// Its strong count when analysed (not counting the analysis's own).
    pub fn strong_count(&self) -> usize {
        self.strong
    }
    /// How many of those strong references no traced instance accounts for:
    /// owners outside the traced graph (locals, statics, untraced types).
    pub fn outside_owners(&self) -> usize {
        self.outside
    }
    /// Why the instance's own references could not all be traced, if so:
    /// "no Trace impl", "not traced: Mutex held", "trace panicked: …".
    pub fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }
}

impl fmt::Display for RefNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !crate::ENABLED {
            return Ok(()); // none exists: keeps this code out of the binary
        }
        write!(f, "{} {}", short_generics(self.instance.type_name()), self.instance)?;
        if let Some(debug) = self.instance.debug() {
            write!(f, "  {debug}")?;
        }
        if let Some(note) = &self.note {
            write!(f, "  ({note})")?;
        }
        Ok(())
    }
}

/// A group of tracked instances kept alive only by references among
/// themselves, and what it keeps alive beneath it. See [`find_cycles`].
///
/// # Examples
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
///
/// #[derive(Debug)]
/// struct Peer { name: &'static str, other: RefCell<Option<Rc<Peer>>> }
/// impl instrack::Trace for Peer {
///     fn trace(&self, edges: &mut instrack::Edges<'_>) { edges.trace(&self.other) }
/// }
///
/// let a = Rc::new(Peer { name: "a", other: RefCell::new(None) });
/// let b = Rc::new(Peer { name: "b", other: RefCell::new(Some(a.clone())) });
/// *a.other.borrow_mut() = Some(b.clone());
/// instrack::track!(&a);
/// instrack::track!(&b);
/// drop((a, b));
/// for cycle in instrack::find_cycles() {
///     assert_eq!(cycle.members().len(), 2);
///     assert_eq!(cycle.edges().len(), 2);
///     assert!(cycle.kept_alive().is_empty());
///     assert!(cycle.to_dot().starts_with("digraph"));
/// }
/// ```
#[derive(Clone, Debug)]
pub struct Cycle {
    members: Vec<RefNode>,
    edges: Vec<(u64, u64)>,
    kept_alive: Vec<RefNode>,
}

impl Cycle {
    /// The instances of the cycle: each reaches every other.
    pub fn members(&self) -> &[RefNode] {
        &self.members
    }
    /// The references among members and to what they keep alive, as
    /// `(holder id, held id)`; one pair per reference.
    pub fn edges(&self) -> &[(u64, u64)] {
        &self.edges
    }
    /// Leaked instances that are not on the cycle but are kept alive by it.
    pub fn kept_alive(&self) -> &[RefNode] {
        &self.kept_alive
    }

    /// The cycle and what it keeps alive as a Graphviz graph, for `dot -Tsvg`.
    pub fn to_dot(&self) -> String {
        if !crate::ENABLED {
            return String::new(); // no `Cycle` exists: keeps this code out of the binary
        }
        let nodes = self.members.iter().map(|n| (n, true)).chain(self.kept_alive.iter().map(|n| (n, true)));
        dot(nodes, &self.edges, "leaked cycle")
    }
}

impl fmt::Display for Cycle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !crate::ENABLED {
            return Ok(()); // none exists: keeps this code out of the binary
        }
        let n = self.members.len();
        writeln!(
            f,
            "leaked cycle of {n} instance{} kept alive only by each other{}:",
            plural(n),
            match self.kept_alive.len() {
                0 => String::new(),
                k => format!(", keeping {k} more alive"),
            }
        )?;
        for m in &self.members {
            writeln!(f, "    {m}")?;
        }
        let arrows: Vec<String> = self.edges.iter().map(|(a, b)| format!("#{a} → #{b}")).collect();
        writeln!(f, "  references: {}", arrows.join(", "))?;
        if !self.kept_alive.is_empty() {
            writeln!(f, "  kept alive beneath it:")?;
            for k in &self.kept_alive {
                writeln!(f, "    {k}")?;
            }
        }
        Ok(())
    }
}

/// Why an instance is alive: the chain of tracked holders from it back to
/// one with an owner outside the traced graph. See [`why_alive`].
///
/// # Examples
/// ```
/// use std::sync::{Arc, Mutex};
///
/// #[derive(Debug)]
/// struct Cache { entries: Mutex<Vec<Arc<Entry>>> }
/// #[derive(Debug)]
/// struct Entry(u32);
/// impl instrack::Trace for Cache {
///     fn trace(&self, edges: &mut instrack::Edges<'_>) { edges.trace(&self.entries) }
/// }
///
/// let cache = Arc::new(Cache { entries: Mutex::new(Vec::new()) });
/// instrack::track!(&cache);
/// let entry = Arc::new(Entry(7));
/// instrack::track!(&entry);
/// cache.entries.lock().unwrap().push(entry.clone());
/// let id = instrack::snapshot().narrow("Entry").instances().next().map(|i| i.id());
/// drop(entry);
/// if let Some(why) = id.and_then(instrack::why_alive) {
///     assert!(!why.is_leaked()); // `cache` is owned by this function
///     assert_eq!(why.chain().len(), 2); // the entry, held by the cache
///     println!("{why}");
/// }
/// ```
#[derive(Clone, Debug)]
pub struct Retention {
    chain: Vec<RefNode>,
    /// For a leaked instance: the id of the chain member that holds the
    /// chain's last member, closing the cycle.
    closed_by: Option<u64>,
}

impl Retention {
    /// The instance first, then who holds it, then who holds that, … up to
    /// the first holder with outside owners; for a leaked instance, up to the
    /// holder whose own holder is already on the chain (the cycle).
    pub fn chain(&self) -> &[RefNode] {
        &self.chain
    }
    /// Whether nothing outside reaches the instance: it is kept alive by a cycle.
    pub fn is_leaked(&self) -> bool {
        self.closed_by.is_some()
    }
}

impl fmt::Display for Retention {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !crate::ENABLED {
            return Ok(()); // none exists: keeps this code out of the binary
        }
        let Some(first) = self.chain.first() else { return Ok(()) };
        writeln!(f, "why #{} is alive:", first.instance.id())?;
        for (i, node) in self.chain.iter().enumerate() {
            let how = if i == 0 { "    " } else { "    held by " };
            writeln!(f, "{how}{node}")?;
        }
        match (self.closed_by, self.chain.last()) {
            (Some(id), _) => {
                writeln!(f, "    … which is held by #{id} again: a cycle that nothing outside reaches, leaked")
            }
            (None, Some(root)) => {
                writeln!(f, "    … which has {} owner{} outside the tracked graph", root.outside, plural(root.outside))
            }
            (None, None) => Ok(()),
        }
    }
}

/// Finds the groups of tracked `Arc`/`Rc` instances that are kept alive only
/// by references among themselves, with what each keeps alive beneath it.
///
/// Looks at every thread's `Arc`s and the calling thread's `Rc`s registered
/// with `track!(&value)`; their types implement [`Trace`](crate::Trace) to
/// report their references. Strong references that no `Trace` reports count
/// as owners from outside, so a missing `Trace` impl can hide a leak but never
/// invent one. While other threads mutate the graph the answer is
/// approximate. Empty when tracking is compiled out.
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
///     fn trace(&self, edges: &mut instrack::Edges<'_>) { edges.trace(&self.next) }
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
/// println!("{}", cycles[0]);
/// ```
pub fn find_cycles() -> Vec<Cycle> {
    if !crate::ENABLED {
        return Vec::new(); // and the analysis is not linked
    }
    let turn = Turn::take();
    let graph = Graph::build();
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
            Cycle {
                edges: graph.edges_among(&involved),
                members: members.iter().map(|&i| graph.node(i, true)).collect(),
                kept_alive: kept.iter().map(|&i| graph.node(i, true)).collect(),
            }
        })
        .collect();
    cycles.sort_by_key(|c| std::cmp::Reverse(c.members.len() + c.kept_alive.len()));
    drop(turn);
    drop(graph); // last, with no lock held: may drop the last owner of an instance
    cycles
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
    let turn = Turn::take();
    let graph = Graph::build();
    let target = graph.held.iter().position(|h| h.instance.id() == id)?;
    // Breadth-first over the holders: the nearest holder with outside owners.
    let mut came_from: HashMap<usize, usize> = HashMap::new();
    let mut queue = VecDeque::from([target]);
    let mut root = None;
    while let Some(i) = queue.pop_front() {
        if graph.rooted[i] {
            root = Some(i);
            break;
        }
        for &h in &graph.holders[i] {
            if h != target && !came_from.contains_key(&h) {
                came_from.insert(h, i);
                queue.push_back(h);
            }
        }
    }
    let path = |end: usize| {
        let mut path = vec![end];
        while let Some(&next) = came_from.get(path.last().unwrap()) {
            path.push(next);
        }
        path.reverse();
        path
    };
    let (chain, closed_by) = match root {
        Some(r) => (path(r), None),
        // Nothing outside reaches it: follow holders until one is already on
        // the chain. A leaked instance always has a holder (all its owners
        // are traced instances).
        None => {
            let mut chain = vec![target];
            let mut on_chain = vec![false; graph.held.len()];
            on_chain[target] = true;
            let closing = loop {
                let holders = &graph.holders[*chain.last().unwrap()];
                // Close the loop as soon as a holder is already on the chain.
                if let Some(&back) = holders.iter().find(|&&h| on_chain[h]) {
                    break Some(graph.held[back].instance.id());
                }
                match holders.first() {
                    Some(&holder) => {
                        on_chain[holder] = true;
                        chain.push(holder);
                    }
                    None => break None,
                }
            };
            (chain, closing)
        }
    };
    let retention = Retention { chain: chain.iter().map(|&i| graph.node(i, true)).collect(), closed_by };
    drop(turn);
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
    let turn = Turn::take();
    let graph = Graph::build();
    let keep: Vec<usize> =
        (0..graph.held.len()).filter(|&i| selected.selects(graph.held[i].instance.type_name())).collect();
    let nodes: Vec<RefNode> = keep.iter().map(|&i| graph.node(i, true)).collect();
    let leaked: Vec<bool> = keep.iter().map(|&i| graph.leaked[i]).collect();
    let text = dot(nodes.iter().zip(leaked), &graph.edges_among(&keep), &format!("instrack {pattern}"));
    drop(turn);
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

/// Held while an analysis runs; released before its temporary references drop.
struct Turn {
    _guard: Option<std::sync::MutexGuard<'static, ()>>,
    outermost: bool,
}

impl Turn {
    fn take() -> Turn {
        let nested = ANALYSING.with(|a| a.replace(true));
        if nested {
            return Turn { _guard: None, outermost: false };
        }
        let guard = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        Turn { _guard: Some(guard), outermost: true }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        if self.outermost {
            ANALYSING.with(|a| a.set(false));
        }
    }
}

/// The analysed graph. Holds strong references until dropped.
struct Graph {
    held: Vec<Held>,
    /// Targets of each node's traced references, one entry per reference.
    out: Vec<Vec<usize>>,
    /// The nodes holding a traced reference to each node.
    holders: Vec<Vec<usize>>,
    outside: Vec<usize>,
    rooted: Vec<bool>,
    leaked: Vec<bool>,
    notes: Vec<Option<String>>,
}

impl Graph {
    fn build() -> Graph {
        let mut held = imp::collect_graph();
        // The same value registered twice is one node.
        let mut index: HashMap<usize, usize> = HashMap::with_capacity(held.len());
        held.retain(|h| {
            let next = index.len();
            match index.entry(h.addr) {
                std::collections::hash_map::Entry::Occupied(_) => false,
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(next);
                    true
                }
            }
        });
        let n = held.len();
        let mut out = vec![Vec::new(); n];
        let mut notes = vec![None; n];
        let (mut targets, mut untraced) = (Vec::new(), Vec::new());
        for (i, h) in held.iter().enumerate() {
            targets.clear();
            untraced.clear();
            let mut edges = Edges { targets: &mut targets, untraced: &mut untraced };
            notes[i] = match catch_unwind(AssertUnwindSafe(|| h.value.trace(&mut edges))) {
                Ok(true) => untraced.first().map(|why| format!("not traced: {why}")),
                Ok(false) => Some("no Trace impl".to_owned()),
                Err(_) => Some("trace panicked".to_owned()),
            };
            out[i] = targets.iter().filter_map(|t| index.get(t).copied()).collect();
        }
        let mut holders = vec![Vec::new(); n];
        let mut inside = vec![0usize; n];
        for (i, targets) in out.iter().enumerate() {
            for &t in targets {
                inside[t] += 1;
                holders[t].push(i);
            }
        }
        for h in &mut holders {
            h.dedup();
        }
        let outside: Vec<usize> = (0..n).map(|i| held[i].strong.saturating_sub(inside[i])).collect();
        // More traced references than strong ones means a `Trace` reports
        // something twice or the graph changed meanwhile: never call that a leak.
        let rooted: Vec<bool> = (0..n).map(|i| held[i].strong != inside[i]).collect();
        let mut graph = Graph { held, out, holders, outside, rooted, leaked: Vec::new(), notes };
        // Everything reachable from a rooted node is alive; `leaked` doubles
        // as the visited set of this one whole-graph traversal.
        let mut leaked = vec![true; n];
        let mut stack: Vec<usize> = (0..n).filter(|&i| graph.rooted[i]).collect();
        while let Some(i) = stack.pop() {
            if std::mem::replace(&mut leaked[i], false) {
                stack.extend(graph.out[i].iter().copied().filter(|&j| leaked[j]));
            }
        }
        graph.leaked = leaked;
        graph
    }

    /// The nodes reachable from `start` (included) through nodes `allowed`
    /// admits; its cost follows what it reaches, not the size of the graph.
    fn reachable(&self, start: &[usize], allowed: impl Fn(usize) -> bool) -> Vec<usize> {
        let mut seen: HashSet<usize> = HashSet::new();
        let mut stack: Vec<usize> = start.to_vec();
        let mut found = Vec::new();
        while let Some(i) = stack.pop() {
            if !seen.insert(i) {
                continue;
            }
            found.push(i);
            stack.extend(self.out[i].iter().copied().filter(|&j| !seen.contains(&j) && allowed(j)));
        }
        found
    }

    /// Strongly connected components of the leaked nodes that contain a
    /// cycle (more than one node, or a node that holds itself). Iterative
    /// Tarjan, so that a chain of 100k nodes does not overflow the stack.
    fn cycle_components(&self) -> Vec<Vec<usize>> {
        let n = self.held.len();
        const UNSEEN: usize = usize::MAX;
        let (mut index, mut low, mut on_stack) = (vec![UNSEEN; n], vec![0; n], vec![false; n]);
        let (mut stack, mut components, mut next) = (Vec::new(), Vec::new(), 0);
        for start in (0..n).filter(|&i| self.leaked[i]) {
            if index[start] != UNSEEN {
                continue;
            }
            let mut work: Vec<(usize, usize)> = vec![(start, 0)];
            while let Some(&mut (v, ref mut edge)) = work.last_mut() {
                if *edge == 0 && index[v] == UNSEEN {
                    index[v] = next;
                    low[v] = next;
                    next += 1;
                    stack.push(v);
                    on_stack[v] = true;
                }
                if let Some(&w) = self.out[v].get(*edge) {
                    *edge += 1;
                    if !self.leaked[w] {
                        continue;
                    }
                    if index[w] == UNSEEN {
                        work.push((w, 0));
                    } else if on_stack[w] {
                        low[v] = low[v].min(index[w]);
                    }
                    continue;
                }
                work.pop();
                if let Some(&(parent, _)) = work.last() {
                    low[parent] = low[parent].min(low[v]);
                }
                if low[v] == index[v] {
                    let mut component = Vec::new();
                    while let Some(w) = stack.pop() {
                        on_stack[w] = false;
                        component.push(w);
                        if w == v {
                            break;
                        }
                    }
                    if component.len() > 1 || self.out[v].contains(&v) {
                        component.sort_by_key(|&i| self.held[i].instance.id());
                        components.push(component);
                    }
                }
            }
        }
        components
    }

    /// The references between the given nodes, as id pairs.
    fn edges_among(&self, nodes: &[usize]) -> Vec<(u64, u64)> {
        let member: HashSet<usize> = nodes.iter().copied().collect();
        let id = |i: usize| self.held[i].instance.id();
        nodes
            .iter()
            .flat_map(|&i| self.out[i].iter().filter(|j| member.contains(j)).map(move |&j| (id(i), id(j))))
            .collect()
    }

    /// The public view of node `i`; with its `Debug` text if `with_debug`
    /// (user code, run with no lock held).
    fn node(&self, i: usize, with_debug: bool) -> RefNode {
        let mut instance = self.held[i].instance.clone();
        if with_debug {
            instance.debug = OnceLock::from(self.held[i].value.debug().map(String::into_boxed_str));
        }
        RefNode { instance, strong: self.held[i].strong, outside: self.outside[i], note: self.notes[i].clone() }
    }
}

/// Graphviz text for nodes (with whether each is leaked) and id edges.
fn dot<'a>(nodes: impl IntoIterator<Item = (&'a RefNode, bool)>, edges: &[(u64, u64)], title: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph \"{}\" {{", escape(title));
    let _ = writeln!(out, "    node [shape=box, fontname=\"monospace\"];");
    for (node, leaked) in nodes {
        let i = &node.instance;
        // Each variable part escaped once; `\n` is DOT's line break.
        let mut label =
            format!("{} #{}\\n{}:{}", escape(&short_generics(i.type_name())), i.id(), escape(i.file()), i.line());
        if let Some(debug) = i.debug() {
            let _ = write!(label, "\\n{}", escape(&debug.chars().take(60).collect::<String>()));
        }
        if node.outside > 0 {
            let _ = write!(label, "\\nowned from outside: {}", node.outside);
        }
        let style = if leaked { ", color=red, fontcolor=red, penwidth=2" } else { "" };
        let _ = writeln!(out, "    n{} [label=\"{label}\"{style}];", i.id());
    }
    for (a, b) in edges {
        let _ = writeln!(out, "    n{a} -> n{b};");
    }
    out.push_str("}\n");
    out
}

/// Escapes quotes and backslashes for a DOT string.
fn escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}
