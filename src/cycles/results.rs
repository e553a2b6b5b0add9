//! What the analyses return: [`RefNode`], [`Cycle`], and their report text
//! ([`Retention`](super::Retention), `why_alive`'s, is in `retention.rs`).
//! Built by the analyses in [`super`]; nothing here reads the registry.

use crate::pattern::short_generics;
use crate::snapshot::Instance;
use crate::text::plural;
use crate::text::Escaped;
use crate::trace::EdgePath;
use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::rc::Rc;

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
    pub(super) instance: Instance,
    pub(super) strong: usize,
    pub(super) outside: usize,
    pub(super) note: Option<String>,
}

impl RefNode {
    /// The instance: id, type, site, thread, age, and its `Debug` text. From
    /// [`find_cycles`](crate::find_cycles), the text is formatted on the first
    /// [`Instance::debug`] (printing the node asks for it), from the live value,
    /// as a snapshot's is; from [`why_alive`](crate::why_alive) and
    /// [`graph_dot`](crate::graph_dot), during the analysis. Either way a
    /// text over 200 characters is read to 400 to find its top level (a
    /// snapshot's to 16K): a derived `Debug` on a cycle never ends, and the
    /// line shows `Node { name: "a", … }` all the same.
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
        write!(f, "{} {}", Escaped(&short_generics(self.instance().type_name())), self.instance)?;
        if let Some(debug) = self.instance.debug() {
            write!(f, "  {debug}")?;
        }
        if let Some(note) = &self.note {
            write!(f, "  ({})", Escaped(note))?;
        }
        Ok(())
    }
}

/// A group of tracked instances kept alive only by references among
/// themselves, and what it keeps alive beneath it. See [`find_cycles`](crate::find_cycles).
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
    pub(super) members: Vec<RefNode>,
    pub(super) edges: Vec<(u64, u64)>,
    /// The path of each of `edges`, in the same order.
    pub(super) paths: Vec<EdgePath>,
    pub(super) kept_alive: Vec<RefNode>,
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
    /// The path of each of [`edges`](Self::edges), in the same order: the
    /// field (and closure) of the holder that holds the reference.
    pub fn edge_paths(&self) -> &[EdgePath] {
        &self.paths
    }
    /// Leaked instances that are not on the cycle but are kept alive by it.
    pub fn kept_alive(&self) -> &[RefNode] {
        &self.kept_alive
    }

    /// The shortest loop through the first member, as indexes into
    /// `edges`: the references a reader follows around the cycle.
    /// Breadth-first over the references leaving each member, indexed once:
    /// linear in the cycle (a search of every edge per member made a cycle
    /// of 100k members cost minutes).
    pub(super) fn walk(&self) -> Vec<usize> {
        let Some(start) = self.members.first().map(|m| m.instance.id()) else { return Vec::new() };
        let member: HashSet<u64> = self.members.iter().map(|m| m.instance.id()).collect();
        // The references from each member to members, in the order of `edges`.
        let mut leaving: HashMap<u64, Vec<usize>> = HashMap::new();
        for (k, &(from, to)) in self.edges.iter().enumerate() {
            if member.contains(&to) {
                leaving.entry(from).or_default().push(k);
            }
        }
        // `came_by[b]` is the edge that reached b.
        let mut came_by: HashMap<u64, usize> = HashMap::new();
        let mut queue = VecDeque::from([start]);
        'search: while let Some(a) = queue.pop_front() {
            for &k in leaving.get(&a).map_or(&[][..], Vec::as_slice) {
                let to = self.edges[k].1;
                if came_by.contains_key(&to) {
                    continue;
                }
                came_by.insert(to, k);
                if to == start {
                    break 'search;
                }
                queue.push_back(to);
            }
        }
        let mut walk = Vec::new();
        let mut at = start;
        while let Some(&k) = came_by.get(&at) {
            walk.push(k);
            at = self.edges[k].0;
            if at == start || walk.len() > self.edges.len() {
                break;
            }
        }
        walk.reverse();
        walk
    }

    /// The names of the members and of what they keep alive, by id, built
    /// once for all the references a text names.
    fn names(&self) -> Names {
        let mut bare: HashMap<&'static str, Rc<str>> = HashMap::new();
        let by_id = self
            .members
            .iter()
            .chain(&self.kept_alive)
            .map(|m| {
                let type_name = m.instance.type_name();
                let name = bare.entry(type_name).or_insert_with(|| bare_type_name(type_name).into()).clone();
                (m.instance.id(), name)
            })
            .collect();
        Names(by_id)
    }

    /// `Type #1 .field → Type #2` for the edges `ks`, chained: each edge's
    /// holder is the previous one's target.
    fn write_path(&self, f: &mut impl fmt::Write, names: &Names, ks: &[usize]) -> fmt::Result {
        for (n, &k) in ks.iter().enumerate() {
            let (from, to) = self.edges[k];
            if n == 0 {
                names.write(f, from)?;
            }
            let path = &self.paths[k];
            if !path.is_empty() {
                write!(f, " {path}")?;
            }
            f.write_str(" → ")?;
            names.write(f, to)?;
        }
        Ok(())
    }

    /// The loop around the cycle on one line, as reports print it: from the
    /// first member (lowest id) along the fewest references back to it, each
    /// named by its path:
    /// `Session #12 .on_close → closure (src/main.rs:44) → Session #12`.
    pub fn loop_text(&self) -> String {
        if !crate::ENABLED {
            return String::new(); // none exists: keeps this code out of the binary
        }
        let mut text = String::new();
        let _ = self.write_path(&mut text, &self.names(), &self.walk());
        text
    }

    /// `3 instances kept alive only by each other`, or `1 instance kept
    /// alive only by itself`, and what it keeps alive.
    pub(crate) fn headline(&self) -> String {
        let n = self.members.len();
        let by = if n == 1 { "itself" } else { "each other" };
        let kept = match self.kept_alive.len() {
            0 => String::new(),
            k => format!(", keeping {k} more alive"),
        };
        format!("{n} instance{} kept alive only by {by}{kept}", plural(n))
    }
}

/// The bare type name of each node of a cycle, by id (see [`Cycle::names`]).
struct Names(HashMap<u64, Rc<str>>);

impl Names {
    /// `Type #id`, or `#id` for a node the cycle does not hold.
    fn write(&self, f: &mut impl fmt::Write, id: u64) -> fmt::Result {
        match self.0.get(&id) {
            Some(name) => write!(f, "{name} #{id}"),
            None => write!(f, "#{id}"),
        }
    }
}

/// A type's name without its module path: `Session`, `Gen<Vec<u8>>`.
fn bare_type_name(type_name: &str) -> String {
    let short = short_generics(type_name);
    let open = short.find('<').unwrap_or(short.len());
    let base = short[..open].rsplit("::").next().unwrap_or(&short[..open]);
    format!("{base}{}", &short[open..])
}

impl fmt::Display for Cycle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !crate::ENABLED {
            return Ok(()); // none exists: keeps this code out of the binary
        }
        writeln!(f, "leaked cycle of {}:", self.headline())?;
        self.write_body(f)
    }
}

impl Cycle {
    /// The members, the walk around the cycle, the other references, and
    /// what it keeps alive: all but the headline.
    pub(super) fn write_body(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for m in &self.members {
            writeln!(f, "    {m}")?;
        }
        let (walk, names) = (self.walk(), self.names());
        f.write_str("  ")?;
        self.write_path(f, &names, &walk)?;
        writeln!(f)?;
        let mut on_walk = vec![false; self.edges.len()];
        for &k in &walk {
            on_walk[k] = true;
        }
        let others: Vec<usize> = (0..self.edges.len()).filter(|&k| !on_walk[k]).collect();
        if !others.is_empty() {
            writeln!(f, "  other references:")?;
            for k in others {
                f.write_str("    ")?;
                self.write_path(f, &names, &[k])?;
                writeln!(f)?;
            }
        }
        if !self.kept_alive.is_empty() {
            writeln!(f, "  kept alive beneath it:")?;
            for k in &self.kept_alive {
                writeln!(f, "    {k}")?;
            }
        }
        Ok(())
    }
}
