//! What [`find_cycles`](crate::find_cycles) returns: [`Cycles`], the leaked
//! cycles grouped by shape ([`CycleGroup`]), and the tracked types the
//! analysis could not see through. Built from the results in
//! [`results`](super::results); nothing here reads the registry.

use super::results::Cycle;
use crate::text::{plural, COMPILED_OUT};
use crate::trace::EdgePath;
use std::collections::HashMap;
use std::fmt;
use std::ops::Deref;

/// The leaked cycles that [`find_cycles`](crate::find_cycles) found, largest
/// first, grouped by shape; and the tracked types whose instances it could
/// not see through.
///
/// Derefs to `[Cycle]`: `.len()`, `.iter()`, indexing and `for c in &cycles`
/// work as on a slice. Its `Display` prints each shape once, with how many
/// cycles have it, then names the types without [`Trace`](crate::Trace)
/// and what to do about them: what a leak hunt needs first.
///
/// # Examples
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
///
/// #[derive(Debug)]
/// struct Session { me: RefCell<Option<Rc<Session>>> }
/// impl instrack::Trace for Session {
///     fn trace(&self, edges: &mut instrack::Edges<'_>) { edges.field("me", &self.me) }
/// }
/// struct Opaque; // tracked, but no Trace impl: the analysis cannot see inside
///
/// for _ in 0..3 {
///     let s = Rc::new(Session { me: RefCell::new(None) });
///     *s.me.borrow_mut() = Some(s.clone());
///     instrack::track!(&s);
/// }
/// let opaque = Rc::new(Opaque);
/// instrack::track!(&opaque);
///
/// let cycles = instrack::find_cycles();
/// # if !instrack::ENABLED { assert!(cycles.is_empty()); return; }
/// assert_eq!(cycles.len(), 3); // three cycles …
/// assert_eq!(cycles.groups().len(), 1); // … of one shape
/// assert_eq!(cycles.groups()[0].count(), 3);
/// assert!(cycles.untraced().iter().any(|t| t.ends_with("Opaque")));
/// println!("{cycles}");
/// ```
#[derive(Clone, Debug, Default)]
pub struct Cycles {
    cycles: Vec<Cycle>,
    groups: Vec<CycleGroup>,
    untraced: Vec<&'static str>,
}

/// Leaked cycles of one shape: the same types, made at the same sites,
/// holding each other through the same fields. See [`Cycles::groups`].
///
/// # Examples
/// ```
/// for group in instrack::find_cycles().groups() {
///     println!("{} cycles like this one:\n{}", group.count(), group.example());
/// }
/// ```
#[derive(Clone, Debug)]
pub struct CycleGroup {
    count: usize,
    instances: usize,
    example: Cycle,
}

/// What makes two cycles one shape: their members' types and creation
/// sites, and the references among them with their paths (members named by
/// type and site, not id).
type Shape = (Vec<Site>, Vec<(Site, Site, EdgePath)>);
type Site = (&'static str, &'static str, u32);

fn shape(cycle: &Cycle) -> Shape {
    // A map, not a search per edge: a component of 100k members has 100k
    // edges, and searching the members for each took seconds.
    let sites: HashMap<u64, Site> = cycle
        .members()
        .iter()
        .chain(cycle.kept_alive())
        .map(|m| (m.instance().id(), (m.instance().type_name(), m.instance().file(), m.instance().line())))
        .collect();
    let site_of = |id: u64| sites.get(&id).copied().unwrap_or(("", "", 0));
    let mut members: Vec<Site> = cycle.members().iter().map(|m| site_of(m.instance().id())).collect();
    members.sort_unstable();
    let mut edges: Vec<(Site, Site, EdgePath)> = cycle
        .edges()
        .iter()
        .zip(cycle.edge_paths())
        .map(|(&(a, b), path)| (site_of(a), site_of(b), path.clone()))
        .collect();
    edges.sort_unstable();
    (members, edges)
}

impl Cycles {
    /// Groups `cycles` (largest first) by shape, most frequent shape first.
    pub(super) fn new(cycles: Vec<Cycle>, untraced: Vec<&'static str>) -> Cycles {
        let mut index: HashMap<Shape, usize> = HashMap::new();
        let mut groups: Vec<CycleGroup> = Vec::new();
        for cycle in &cycles {
            let size = cycle.members().len() + cycle.kept_alive().len();
            let next = groups.len();
            let g = *index.entry(shape(cycle)).or_insert(next);
            if g == next {
                groups.push(CycleGroup { count: 0, instances: 0, example: cycle.clone() });
            }
            groups[g].count += 1;
            groups[g].instances += size;
        }
        // Stable: among equally frequent shapes, the larger cycles stay first.
        groups.sort_by_key(|g| std::cmp::Reverse(g.count));
        Cycles { cycles, groups, untraced }
    }

    /// The cycles grouped by shape (the same types, fields and creation
    /// sites), the most frequent first.
    pub fn groups(&self) -> &[CycleGroup] {
        &self.groups
    }

    /// The tracked shared types with live instances whose type has no
    /// [`Trace`](crate::Trace) impl, sorted: the analysis cannot see what
    /// they hold, so a cycle through them is not found. Derive `Trace` for
    /// them (`#[derive(instrack::Trace)]`, feature `derive`).
    pub fn untraced(&self) -> &[&'static str] {
        &self.untraced
    }
}

impl CycleGroup {
    /// How many cycles have this shape.
    pub fn count(&self) -> usize {
        self.count
    }
    /// How many instances the cycles of this shape leak, with what they keep alive.
    pub fn instances(&self) -> usize {
        self.instances
    }
    /// One of the cycles: the first found of the largest.
    pub fn example(&self) -> &Cycle {
        &self.example
    }
}

/// Cycles grouped as [`find_cycles`](crate::find_cycles) groups them, with
/// no untraced types named (for a page of cycles found earlier).
impl From<Vec<Cycle>> for Cycles {
    fn from(cycles: Vec<Cycle>) -> Cycles {
        Cycles::new(cycles, Vec::new())
    }
}

impl Deref for Cycles {
    type Target = [Cycle];
    fn deref(&self) -> &[Cycle] {
        &self.cycles
    }
}

impl IntoIterator for Cycles {
    type Item = Cycle;
    type IntoIter = std::vec::IntoIter<Cycle>;
    fn into_iter(self) -> Self::IntoIter {
        self.cycles.into_iter()
    }
}

impl<'a> IntoIterator for &'a Cycles {
    type Item = &'a Cycle;
    type IntoIter = std::slice::Iter<'a, Cycle>;
    fn into_iter(self) -> Self::IntoIter {
        self.cycles.iter()
    }
}

/// `93 leaked cycles like this one, each …`, then the example's members and path.
impl fmt::Display for CycleGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !crate::ENABLED {
            return Ok(()); // none exists: keeps this code out of the binary
        }
        match self.count {
            1 => writeln!(f, "leaked cycle of {}:", self.example.headline())?,
            n => writeln!(f, "{n} leaked cycles like this one, each of {}:", self.example.headline())?,
        }
        self.example.write_body(f)
    }
}

impl fmt::Display for Cycles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !crate::ENABLED {
            return writeln!(f, "instrack: no cycles: {COMPILED_OUT}");
        }
        let (n, shapes) = (self.cycles.len(), self.groups.len());
        if n == 0 {
            writeln!(f, "instrack: no leaked cycle among the tracked Arc/Rc instances whose types implement Trace")?;
        } else {
            writeln!(f, "instrack: {n} leaked cycle{} of {shapes} shape{}", plural(n), plural(shapes))?;
        }
        for group in &self.groups {
            write!(f, "{group}")?;
        }
        if !self.untraced.is_empty() {
            let k = self.untraced.len();
            writeln!(
                f,
                "not seen through: {k} tracked type{} with live shared instances and no Trace impl; \
                 a cycle through {} is not found:",
                plural(k),
                if k == 1 { "it" } else { "them" }
            )?;
            for name in &self.untraced {
                writeln!(f, "    {name}")?;
            }
            writeln!(
                f,
                "  add #[derive(instrack::Trace)] to {} (feature `derive`), or implement instrack::Trace",
                if k == 1 { "it" } else { "each" }
            )?;
        }
        Ok(())
    }
}
