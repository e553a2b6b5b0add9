//! What the analyses return: [`RefNode`], [`Cycle`], [`Retention`], and
//! their report text. Built by the analyses in [`super`]; nothing here
//! reads the registry.

use crate::pattern::short_generics;
use crate::snapshot::Instance;
use crate::text::plural;
use crate::text::Escaped;
use std::fmt;

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
    /// Leaked instances that are not on the cycle but are kept alive by it.
    pub fn kept_alive(&self) -> &[RefNode] {
        &self.kept_alive
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
/// one with an owner outside the traced graph. See [`why_alive`](crate::why_alive).
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
    pub(super) chain: Vec<RefNode>,
    /// For a leaked instance: the id of the chain member that holds the
    /// chain's last member, closing the cycle.
    pub(super) closed_by: Option<u64>,
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
        writeln!(f, "why #{} is alive:", first.instance().id())?;
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
