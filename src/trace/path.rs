//! The names of references: [`EdgePath`], and the `EdgeSink` that an
//! analysis passes to every `trace` through [`Edges`](super::Edges).
//!
//! A `trace` names where it found each reference by entering a field
//! ([`Edges::field`](super::Edges::field)) or a closure ([`TracedFn`](super::TracedFn))
//! before reporting it: the sink keeps the stack of steps entered, and gives
//! each reference the id of the path on top of it. Paths are interned once
//! per analysis (most references of a type share one), lazily, when a
//! reference is reported under a path not yet seen since the last step.

use std::collections::HashMap;
use std::fmt;
use std::panic::Location;
use std::sync::Arc;

/// One step of a path: a field entered, or a closure's captures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Step {
    Field(&'static str),
    Closure(&'static Location<'static>),
}

/// Fields by name, then closures by site, so that paths sort (`Location` has no order).
impl Ord for Step {
    fn cmp(&self, other: &Step) -> std::cmp::Ordering {
        let key = |s: &Step| match *s {
            Step::Field(name) => (0, name, 0, 0),
            Step::Closure(at) => (1, at.file(), at.line(), at.column()),
        };
        key(self).cmp(&key(other))
    }
}

impl PartialOrd for Step {
    fn partial_cmp(&self, other: &Step) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Where, inside the value that holds it, a reference was found: the fields
/// entered from the value down to it, and the closure it was captured by if
/// it was (`.on_close → closure (src/main.rs:44)`). Empty for references a
/// `trace` reported without naming a field.
///
/// # Examples
/// ```
/// use std::rc::Rc;
/// use std::cell::RefCell;
/// use instrack::{Edges, Trace};
///
/// #[derive(Debug)]
/// struct Node { next: RefCell<Option<Rc<Node>>> }
/// impl Trace for Node {
///     fn trace(&self, edges: &mut Edges<'_>) {
///         edges.field("next", &self.next); // or #[derive(instrack::Trace)]
///     }
/// }
///
/// let n = Rc::new(Node { next: RefCell::new(None) });
/// *n.next.borrow_mut() = Some(n.clone());
/// instrack::track!(&n);
/// drop(n);
/// # if !instrack::ENABLED { return; }
/// let cycles = instrack::find_cycles();
/// let path = &cycles.iter().find(|c| c.members()[0].instance().type_name().ends_with("Node")).unwrap().edge_paths()[0];
/// assert_eq!(path.to_string(), ".next");
/// assert_eq!(path.fields().collect::<Vec<_>>(), ["next"]);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EdgePath(Arc<[Step]>);

impl EdgePath {
    /// Whether the reference was reported without a field name.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The names of the fields entered, outermost first.
    pub fn fields(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.0.iter().filter_map(|s| match s {
            Step::Field(name) => Some(*name),
            Step::Closure(_) => None,
        })
    }

    /// Where the closure that captured the reference was made (by
    /// [`TracedFn::new`](crate::TracedFn::new)), if it was captured by one.
    pub fn closure(&self) -> Option<&'static Location<'static>> {
        self.0.iter().find_map(|s| match s {
            Step::Closure(at) => Some(*at),
            Step::Field(_) => None,
        })
    }
}

/// `.field.field → closure (file:line)`.
impl fmt::Display for EdgePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                Step::Field(name) => write!(f, ".{name}")?,
                Step::Closure(at) => {
                    let arrow = if i > 0 { " → " } else { "" };
                    write!(f, "{arrow}closure ({}:{})", at.file(), at.line())?;
                }
            }
        }
        Ok(())
    }
}

/// What [`Edges`](super::Edges) writes into: the references reported, each
/// with the id of its path, the reasons some could not be, and the path
/// table. One sink serves a whole analysis; [`EdgeSink::begin`] starts each
/// value afresh (a `trace` that panicked may have left steps entered).
#[derive(Debug, Default)]
pub(crate) struct EdgeSink {
    /// Each reference: the address of its allocation, and its path's id.
    pub(crate) targets: Vec<(usize, u32)>,
    pub(crate) untraced: Vec<&'static str>,
    steps: Vec<Step>,
    /// The id of `steps`, once asked for since the last step.
    current: Option<u32>,
    ids: HashMap<Box<[Step]>, u32>,
    /// Path `i` has id `i`; id 0 is the empty path.
    paths: Vec<EdgePath>,
}

impl EdgeSink {
    /// Forgets the previous value's references and steps; keeps the paths.
    pub(crate) fn begin(&mut self) {
        self.targets.clear();
        self.untraced.clear();
        self.steps.clear();
        self.current = None;
    }

    pub(crate) fn enter(&mut self, step: Step) {
        self.steps.push(step);
        self.current = None;
    }

    pub(crate) fn leave(&mut self) {
        self.steps.pop();
        self.current = None;
    }

    pub(crate) fn reference(&mut self, addr: usize) {
        let id = match self.current {
            Some(id) => id,
            None => {
                let id = self.intern();
                self.current = Some(id);
                id
            }
        };
        self.targets.push((addr, id));
    }

    fn intern(&mut self) -> u32 {
        if self.steps.is_empty() {
            return 0;
        }
        if self.paths.is_empty() {
            self.paths.push(EdgePath::default());
        }
        if let Some(&id) = self.ids.get(&self.steps[..]) {
            return id;
        }
        let id = self.paths.len() as u32;
        self.paths.push(EdgePath(self.steps.as_slice().into()));
        self.ids.insert(self.steps.as_slice().into(), id);
        id
    }

    /// The path with this id.
    pub(crate) fn path(&self, id: u32) -> EdgePath {
        self.paths.get(id as usize).cloned().unwrap_or_default()
    }
}
