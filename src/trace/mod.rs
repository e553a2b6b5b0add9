//! [`Trace`]: how a type tells instrack which `Arc`s and `Rc`s it holds.
//!
//! | file | what it holds |
//! |---|---|
//! | this one | `Trace`, `Edges` |
//! | [`path`] | `EdgePath` (where in its holder a reference was found) and the `EdgeSink` an analysis reads |
//! | [`impls`] | `Trace` for the standard library's types: containers trace their contents, leaves report nothing |
//! | [`traced_fn`] | `TracedFn`, a closure with the references it captured |

mod impls;
mod path;
mod traced_fn;

pub use path::EdgePath;
pub(crate) use path::EdgeSink;
use path::Step;
pub use traced_fn::TracedFn;

use std::rc::Rc;
use std::sync::Arc;

/// Lists the `Arc` and `Rc` values a type holds strongly, so that
/// [`find_cycles`](crate::find_cycles) can tell which instances are kept alive
/// only by each other.
///
/// With the feature `derive`, `#[derive(instrack::Trace)]` writes the impl:
/// each field is traced under its name, fields that hold no reference
/// (numbers, `String`, `bool`, …: the standard library's leaf types
/// implement `Trace` with no edges) need nothing, and `#[trace(skip)]` leaves
/// a field out. Register the values as usual with `track!(&value)`: for a
/// type that implements `Trace`, the macro records how to trace it. Report
/// each strong reference the value holds exactly once; weak references are
/// not edges. A missing or incomplete `Trace` can hide a leak (the references
/// it does not report count as owners from outside), but never invent one.
///
/// # Examples
/// By hand, naming each field so that reports say which one holds what:
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
///
/// #[derive(Debug)]
/// struct Node { parent: RefCell<Option<Rc<Node>>>, children: RefCell<Vec<Rc<Node>>> }
///
/// impl instrack::Trace for Node {
///     fn trace(&self, edges: &mut instrack::Edges<'_>) {
///         edges.field("parent", &self.parent); // Option, RefCell and Rc all implement Trace
///         edges.field("children", &self.children);
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not implement `instrack::Trace`: the cycle analysis cannot see what it holds",
    label = "`{Self}` has no `Trace` impl",
    note = "derive it (`#[derive(instrack::Trace)]`, feature `derive`) or implement `instrack::Trace` by hand; \
            in a derive, `#[trace(skip)]` leaves out a field that holds no `Arc` or `Rc`; \
            wrap a closure that captures one in `instrack::TracedFn`"
)]
pub trait Trace {
    /// Reports, through `edges`, every `Arc` and `Rc` this value holds strongly.
    fn trace(&self, edges: &mut Edges<'_>);
}

/// Collects the references a [`Trace`] implementation reports, each under the
/// path of fields it was found through.
///
/// Name a field with [`field`](Self::field) (or [`named`](Self::named) for
/// code that must do more than trace it): cycle reports then say
/// `Session #12 .on_close → …`. References reported outside any field are
/// still edges, shown without a name.
///
/// # Examples
/// ```
/// use std::rc::Rc;
/// use std::sync::{Arc, Mutex};
///
/// struct Session { user: Arc<String>, history: Rc<Vec<u8>>, pending: Mutex<Vec<Arc<String>>> }
///
/// impl instrack::Trace for Session {
///     fn trace(&self, edges: &mut instrack::Edges<'_>) {
///         edges.field("user", &self.user);    // one strong reference, named `.user`
///         edges.rc(&self.history);            // one through an Rc, unnamed
///         edges.named("pending", |edges| match self.pending.try_lock() {
///             Ok(pending) => edges.trace(&*pending), // each `.pending`
///             Err(_) => edges.untraced("pending is locked"),
///         });
///     }
/// }
/// ```
#[derive(Debug)]
pub struct Edges<'a> {
    sink: &'a mut EdgeSink,
}

impl<'a> Edges<'a> {
    /// Edges that write into `sink`.
    pub(crate) fn new(sink: &'a mut EdgeSink) -> Edges<'a> {
        Edges { sink }
    }
}

impl Edges<'_> {
    /// Reports a strong reference held through an `Arc`.
    pub fn arc<T: ?Sized>(&mut self, arc: &Arc<T>) {
        self.sink.reference(Arc::as_ptr(arc) as *const () as usize);
    }

    /// Reports a strong reference held through an `Rc`.
    pub fn rc<T: ?Sized>(&mut self, rc: &Rc<T>) {
        self.sink.reference(Rc::as_ptr(rc) as *const () as usize);
    }

    /// Traces a value without naming it: `edges.trace(&self.children)`.
    pub fn trace<T: Trace + ?Sized>(&mut self, value: &T) {
        value.trace(self);
    }

    /// Traces a field under its name: `edges.field("children",
    /// &self.children)`. Fields nest: a field traced inside a field's own
    /// `trace` reads `.outer.inner`. The derive writes one call per field.
    #[inline]
    pub fn field<T: Trace + ?Sized>(&mut self, name: &'static str, value: &T) {
        self.named(name, |edges| value.trace(edges));
    }

    /// Runs `f`, naming every reference it reports `.name`: for fields that
    /// need more than a call to [`trace`](Self::trace) (a lock taken with
    /// `try_lock`, a value computed from several).
    pub fn named<R>(&mut self, name: &'static str, f: impl FnOnce(&mut Edges<'_>) -> R) -> R {
        self.sink.enter(Step::Field(name));
        let result = f(self);
        self.sink.leave();
        result
    }

    /// Reports the references of a closure made at `site` (see [`TracedFn`]).
    pub(crate) fn closure(&mut self, site: &'static std::panic::Location<'static>, targets: &[usize]) {
        self.sink.enter(Step::Closure(site));
        for &target in targets {
            self.sink.reference(target);
        }
        self.sink.leave();
    }

    /// Says that some references could not be reported (for example, behind
    /// a lock that is held). Their targets then count as owned from outside,
    /// and the analysis names the reason.
    pub fn untraced(&mut self, reason: &'static str) {
        self.sink.untraced.push(reason);
    }
}
