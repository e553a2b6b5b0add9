//! [`Trace`]: how a type tells instrack which `Arc`s and `Rc`s it holds.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::ops::Deref;
use std::rc::{self, Rc};
use std::sync::{self, Arc, Mutex, RwLock, TryLockError, TryLockResult};

/// Lists the `Arc` and `Rc` values a type holds strongly, so that
/// [`find_cycles`](crate::find_cycles) can tell which instances are kept alive
/// only by each other.
///
/// Register the values as usual with `track!(&value)`: for a type that
/// implements `Trace`, the macro records how to trace it. Report each strong
/// reference the value holds exactly once; weak references are not edges.
/// A missing or incomplete `Trace` can hide a leak (the references it does
/// not report count as owners from outside), but never invent one.
///
/// # Examples
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
///
/// #[derive(Debug)]
/// struct Node { parent: RefCell<Option<Rc<Node>>>, children: RefCell<Vec<Rc<Node>>> }
///
/// impl instrack::Trace for Node {
///     fn trace(&self, edges: &mut instrack::Edges<'_>) {
///         edges.trace(&self.parent);   // Option, RefCell and Rc all implement Trace
///         edges.trace(&self.children);
///     }
/// }
/// ```
pub trait Trace {
    /// Reports, through `edges`, every `Arc` and `Rc` this value holds strongly.
    fn trace(&self, edges: &mut Edges<'_>);
}

/// Collects the references a [`Trace`] implementation reports.
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
///         edges.arc(&self.user);       // one strong reference, through an Arc
///         edges.rc(&self.history);     // one through an Rc
///         match self.pending.try_lock() {
///             Ok(pending) => edges.trace(&*pending), // fields that implement Trace
///             Err(_) => edges.untraced("pending is locked"),
///         }
///     }
/// }
/// ```
#[derive(Debug)]
pub struct Edges<'a> {
    pub(crate) targets: &'a mut Vec<usize>,
    pub(crate) untraced: &'a mut Vec<&'static str>,
}

impl Edges<'_> {
    /// Reports a strong reference held through an `Arc`.
    pub fn arc<T: ?Sized>(&mut self, arc: &Arc<T>) {
        self.targets.push(Arc::as_ptr(arc) as *const () as usize);
    }

    /// Reports a strong reference held through an `Rc`.
    pub fn rc<T: ?Sized>(&mut self, rc: &Rc<T>) {
        self.targets.push(Rc::as_ptr(rc) as *const () as usize);
    }

    /// Traces a field: `edges.trace(&self.children)`.
    pub fn trace<T: Trace + ?Sized>(&mut self, value: &T) {
        value.trace(self);
    }

    /// Says that some references could not be reported (for example, behind
    /// a lock that is held). Their targets then count as owned from outside,
    /// and the analysis names the reason.
    pub fn untraced(&mut self, reason: &'static str) {
        self.untraced.push(reason);
    }
}

impl<T: ?Sized> Trace for Arc<T> {
    fn trace(&self, edges: &mut Edges<'_>) {
        edges.arc(self);
    }
}

impl<T: ?Sized> Trace for Rc<T> {
    fn trace(&self, edges: &mut Edges<'_>) {
        edges.rc(self);
    }
}

/// A weak reference keeps nothing alive: not an edge.
impl<T: ?Sized> Trace for sync::Weak<T> {
    fn trace(&self, _: &mut Edges<'_>) {}
}

/// A weak reference keeps nothing alive: not an edge.
impl<T: ?Sized> Trace for rc::Weak<T> {
    fn trace(&self, _: &mut Edges<'_>) {}
}

impl<T: Trace + ?Sized> Trace for Box<T> {
    fn trace(&self, edges: &mut Edges<'_>) {
        (**self).trace(edges);
    }
}

impl<T: Trace + ?Sized> Trace for &T {
    fn trace(&self, edges: &mut Edges<'_>) {
        (**self).trace(edges);
    }
}

impl<T: Trace> Trace for Option<T> {
    fn trace(&self, edges: &mut Edges<'_>) {
        if let Some(v) = self {
            v.trace(edges);
        }
    }
}

impl<T: Trace> Trace for [T] {
    fn trace(&self, edges: &mut Edges<'_>) {
        for v in self {
            v.trace(edges);
        }
    }
}

impl<T: Trace, const N: usize> Trace for [T; N] {
    fn trace(&self, edges: &mut Edges<'_>) {
        self.as_slice().trace(edges);
    }
}

impl<T: Trace> Trace for Vec<T> {
    fn trace(&self, edges: &mut Edges<'_>) {
        self.as_slice().trace(edges);
    }
}

impl<T: Trace> Trace for VecDeque<T> {
    fn trace(&self, edges: &mut Edges<'_>) {
        for v in self {
            v.trace(edges);
        }
    }
}

/// Traces the values; keys are not traced.
impl<K, V: Trace, S> Trace for HashMap<K, V, S> {
    fn trace(&self, edges: &mut Edges<'_>) {
        for v in self.values() {
            v.trace(edges);
        }
    }
}

/// Traces the values; keys are not traced.
impl<K, V: Trace> Trace for BTreeMap<K, V> {
    fn trace(&self, edges: &mut Edges<'_>) {
        for v in self.values() {
            v.trace(edges);
        }
    }
}

/// Borrows with `try_borrow`; while mutably borrowed, reports the value as not traced.
impl<T: Trace + ?Sized> Trace for RefCell<T> {
    fn trace(&self, edges: &mut Edges<'_>) {
        match self.try_borrow() {
            Ok(v) => v.trace(edges),
            Err(_) => edges.untraced("RefCell mutably borrowed"),
        }
    }
}

/// Locks with `try_lock`, never waiting; while the lock is held, reports the
/// value as not traced.
impl<T: Trace + ?Sized> Trace for Mutex<T> {
    fn trace(&self, edges: &mut Edges<'_>) {
        trace_locked(self.try_lock(), edges, "Mutex held");
    }
}

/// Reads with `try_read`, never waiting; while write-locked, reports the
/// value as not traced.
impl<T: Trace + ?Sized> Trace for RwLock<T> {
    fn trace(&self, edges: &mut Edges<'_>) {
        trace_locked(self.try_read(), edges, "RwLock write-locked");
    }
}

/// Traces what a lock's `try_lock` or `try_read` gave: the value, also
/// behind a poisoned lock (tracing only reads it); nothing while the lock is
/// held, only the reason it could not be traced.
fn trace_locked<T: Trace + ?Sized>(
    locked: TryLockResult<impl Deref<Target = T>>,
    edges: &mut Edges<'_>,
    held: &'static str,
) {
    match locked {
        Ok(v) => (*v).trace(edges),
        Err(TryLockError::Poisoned(p)) => (**p.get_ref()).trace(edges),
        Err(TryLockError::WouldBlock) => edges.untraced(held),
    }
}

/// A closure together with the `Arc`s and `Rc`s it captures, so that
/// [`find_cycles`](crate::find_cycles) can see them.
///
/// A closure's captures are invisible to the analysis: an observer that
/// captures an `Rc` of the widget that stores it (the classic GUI leak) looks
/// like an owner from outside, and the cycle is never found. Wrap the
/// closure, name each strong reference it captured with
/// [`holding`](Self::holding), and trace the wrapper from the type that stores
/// it. A `TracedFn` derefs to the closure, so it is called as the closure is;
/// its last field is the closure, so `Box<TracedFn<F>>` coerces to
/// `Box<TracedFn<dyn Fn(…)>>` for a list of observers.
///
/// Name each captured strong reference exactly once, and only those: a
/// reference named but not captured makes its target look owned by the
/// closure, which can invent a leak (where a missing one can only hide it).
/// The wrapper records the addresses when it is built; it holds no
/// reference of its own.
///
/// # Examples
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
/// use instrack::{track, Edges, Trace, TracedFn};
///
/// #[derive(Default)] // no Debug needed: a closure has none
/// struct Button { on_click: RefCell<Vec<Box<TracedFn<dyn Fn()>>>> }
///
/// impl Trace for Button {
///     fn trace(&self, edges: &mut Edges<'_>) {
///         edges.trace(&self.on_click); // each TracedFn reports what its closure holds
///     }
/// }
///
/// let button = Rc::new(Button::default());
/// track!(&button);
/// let captured = Rc::clone(&button);
/// let observer = TracedFn::new(move || println!("{} observers", captured.on_click.borrow().len()))
///     .holding(&button); // the Rc that `captured` is a clone of
/// button.on_click.borrow_mut().push(Box::new(observer));
/// (button.on_click.borrow()[0])(); // called like the closure
/// drop(button); // the button now owns a closure that owns the button
///
/// let cycles = instrack::find_cycles();
/// assert_eq!(cycles.len(), if instrack::ENABLED { 1 } else { 0 });
/// ```
pub struct TracedFn<F: ?Sized> {
    /// The addresses of the captured values' allocations, one per reference.
    targets: Vec<usize>,
    f: F,
}

impl<F> TracedFn<F> {
    /// Wraps `f`, which captures nothing the analysis knows of yet.
    pub fn new(f: F) -> TracedFn<F> {
        TracedFn { targets: Vec::new(), f }
    }

    /// Says that the closure holds `captured` (an `Arc`, an `Rc`, or anything
    /// that implements [`Trace`]): the references it traces now are the
    /// references the closure holds. Pass the value the closure captured or
    /// another handle to the same allocation.
    pub fn holding<T: Trace + ?Sized>(mut self, captured: &T) -> TracedFn<F> {
        let mut untraced = Vec::new();
        captured.trace(&mut Edges { targets: &mut self.targets, untraced: &mut untraced });
        self
    }
}

impl<F: ?Sized> TracedFn<F> {
    /// The closure.
    pub fn get(&self) -> &F {
        &self.f
    }
}

impl<F: ?Sized> std::ops::Deref for TracedFn<F> {
    type Target = F;
    fn deref(&self) -> &F {
        &self.f
    }
}

/// Reports the references named with [`holding`](TracedFn::holding).
impl<F: ?Sized> Trace for TracedFn<F> {
    fn trace(&self, edges: &mut Edges<'_>) {
        edges.targets.extend_from_slice(&self.targets);
    }
}

impl<F: ?Sized> std::fmt::Debug for TracedFn<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TracedFn {{ holds: {} references }}", self.targets.len())
    }
}
