//! [`TracedFn`]: a closure, with the `Arc`s and `Rc`s it captured and the
//! line it was made on.

use super::{EdgeSink, Edges, Trace};
use std::panic::Location;

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
/// reference of its own. It records where it was made, too: reports name
/// the closure by that line (`.on_close → closure (src/main.rs:44) → …`).
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
///         edges.field("on_click", &self.on_click); // each TracedFn reports what its closure holds
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
    /// Where `new` was called: the closure's name in reports.
    site: &'static Location<'static>,
    f: F,
}

impl<F> TracedFn<F> {
    /// Wraps `f`, which captures nothing the analysis knows of yet, and
    /// records the line that calls `new` (through `#[track_caller]`).
    #[track_caller]
    pub fn new(f: F) -> TracedFn<F> {
        TracedFn { targets: Vec::new(), site: Location::caller(), f }
    }

    /// Says that the closure holds `captured` (an `Arc`, an `Rc`, or anything
    /// that implements [`Trace`]): the references it traces now are the
    /// references the closure holds. Pass the value the closure captured or
    /// another handle to the same allocation.
    pub fn holding<T: Trace + ?Sized>(mut self, captured: &T) -> TracedFn<F> {
        if !crate::ENABLED {
            return self; // nothing will trace it: keeps this code out of the binary
        }
        let mut sink = EdgeSink::default();
        captured.trace(&mut Edges::new(&mut sink));
        self.targets.extend(sink.targets.iter().map(|&(addr, _path)| addr));
        self
    }
}

impl<F: ?Sized> TracedFn<F> {
    /// The closure.
    pub fn get(&self) -> &F {
        &self.f
    }

    /// Where the closure was made: the line that called [`TracedFn::new`].
    pub fn site(&self) -> &'static Location<'static> {
        self.site
    }
}

impl<F: ?Sized> std::ops::Deref for TracedFn<F> {
    type Target = F;
    fn deref(&self) -> &F {
        &self.f
    }
}

/// Reports the references named with [`holding`](TracedFn::holding), as
/// found through the closure made at [`site`](TracedFn::site).
impl<F: ?Sized> Trace for TracedFn<F> {
    fn trace(&self, edges: &mut Edges<'_>) {
        edges.closure(self.site, &self.targets);
    }
}

impl<F: ?Sized> std::fmt::Debug for TracedFn<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (at, n) = (self.site, self.targets.len());
        write!(f, "TracedFn {{ at: {}:{}, holds: {n} reference{} }}", at.file(), at.line(), crate::text::plural(n))
    }
}
