//! Reference cycles that leak, and why an instance is alive. Tests here run
//! in parallel in one process: each uses types of its own and looks only at
//! cycles of those types. Most use `Rc`, which other threads never see.

use crate::fixtures::ring_node;
use instrack::{find_cycles, graph_dot, track, why_alive, Cycle, Edges, Trace};
use std::cell::RefCell;
use std::rc::{Rc, Weak};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;

/// The cycles made only of instances whose type name ends with `suffix`.
fn cycles_of(suffix: &str) -> Vec<Cycle> {
    find_cycles()
        .into_iter()
        .filter(|c| c.members().iter().all(|m| m.instance().type_name().ends_with(suffix)))
        .collect()
}

/// The id of the live instance of `pattern`'s types that `pick` chooses.
fn id_of(pattern: &str, pick: impl Fn(&instrack::Instance) -> bool) -> u64 {
    let snap = instrack::snapshot().narrow(pattern);
    snap.instances().find(|i| pick(i)).map(|i| i.id()).expect("the instance is tracked")
}

// ---- a tree whose children point back at their parent -------------------

#[derive(Debug)]
#[allow(dead_code)] // `name` is read through Debug
struct TreeNode {
    name: String,
    parent: RefCell<Option<Rc<TreeNode>>>,
    children: RefCell<Vec<Rc<TreeNode>>>,
}

impl Trace for TreeNode {
    fn trace(&self, edges: &mut Edges<'_>) {
        edges.trace(&self.parent);
        edges.trace(&self.children);
    }
}

fn tree_node(name: &str, parent: Option<&Rc<TreeNode>>) -> Rc<TreeNode> {
    let node = Rc::new(TreeNode {
        name: name.to_owned(),
        parent: RefCell::new(parent.cloned()),
        children: RefCell::new(Vec::new()),
    });
    track!(&node);
    if let Some(p) = parent {
        p.children.borrow_mut().push(node.clone());
    }
    node
}

#[test]
fn a_tree_with_strong_parent_pointers_leaks_every_node() {
    let root = tree_node("root", None);
    let a = tree_node("a", Some(&root));
    let b = tree_node("b", Some(&root));
    let a1 = tree_node("a1", Some(&a));
    drop((a, b, a1));
    // Still owned by `root`: no leak.
    assert!(cycles_of("TreeNode").is_empty());
    drop(root);
    let cycles = cycles_of("TreeNode");
    if !instrack::ENABLED {
        assert!(cycles.is_empty());
        return;
    }
    assert_eq!(cycles.len(), 1, "{cycles:#?}");
    let c = &cycles[0];
    let mut names: Vec<String> =
        c.members().iter().chain(c.kept_alive()).map(|n| n.instance().debug().unwrap().to_owned()).collect();
    names.sort();
    assert_eq!(names.len(), 4, "every node of the tree is listed: {names:?}");
    for name in ["\"root\"", "\"a\"", "\"b\"", "\"a1\""] {
        assert!(names.iter().any(|n| n.contains(&format!("name: {name}"))), "{name} in {names:?}");
    }
    assert!(c.members().iter().all(|m| m.outside_owners() == 0));
    // root ⇄ a, root ⇄ b, a ⇄ a1: six references.
    assert_eq!(c.edges().len(), 6, "{:?}", c.edges());
    let text = c.to_string();
    assert!(text.starts_with("leaked cycle of 4 instances kept alive only by each other:"), "{text}");
    assert!(text.contains("tests/it/cycles.rs:"), "{text}");
    // Why is a1 alive? Its parent a holds it, and a1 holds a: the shortest loop.
    let a1 = id_of("TreeNode", |i| i.debug().is_some_and(|d| d.starts_with("TreeNode { name: \"a1\"")));
    let why = why_alive(a1).unwrap();
    assert!(why.is_leaked());
    let chain: Vec<&str> = why.chain().iter().map(|n| n.instance().debug().unwrap()).collect();
    assert_eq!(chain.len(), 2, "{why}");
    assert!(chain[1].starts_with("TreeNode { name: \"a\""), "{why}");
    assert!(why.to_string().contains(&format!("held by #{a1} again")), "{why}");
}

#[derive(Debug)]
struct WeakTreeNode {
    parent: RefCell<Weak<WeakTreeNode>>,
    children: RefCell<Vec<Rc<WeakTreeNode>>>,
}

impl Trace for WeakTreeNode {
    fn trace(&self, edges: &mut Edges<'_>) {
        edges.trace(&self.parent); // a Weak: not an edge
        edges.trace(&self.children);
    }
}

#[test]
fn the_same_tree_with_weak_parent_pointers_leaks_nothing() {
    let root = Rc::new(WeakTreeNode { parent: RefCell::new(Weak::new()), children: RefCell::new(Vec::new()) });
    track!(&root);
    let child_weak;
    {
        let child =
            Rc::new(WeakTreeNode { parent: RefCell::new(Rc::downgrade(&root)), children: RefCell::new(Vec::new()) });
        track!(&child);
        child_weak = Rc::downgrade(&child);
        root.children.borrow_mut().push(child);
    }
    assert!(cycles_of("WeakTreeNode").is_empty());
    drop(root);
    assert!(child_weak.upgrade().is_none(), "the whole tree was freed");
    assert!(cycles_of("WeakTreeNode").is_empty());
}

// ---- self-loops, outside owners, why_alive --------------------------------

#[derive(Debug)]
struct Loop {
    me: RefCell<Option<Rc<Loop>>>,
}

impl Trace for Loop {
    fn trace(&self, edges: &mut Edges<'_>) {
        edges.trace(&self.me);
    }
}

#[test]
fn a_value_that_holds_itself_is_a_cycle() {
    let l = Rc::new(Loop { me: RefCell::new(None) });
    *l.me.borrow_mut() = Some(l.clone());
    track!(&l);
    assert!(cycles_of("Loop").is_empty(), "still owned by `l`");
    let weak = Rc::downgrade(&l);
    drop(l);
    let cycles = cycles_of("Loop");
    if instrack::ENABLED {
        assert_eq!(cycles.len(), 1);
        assert_eq!(cycles[0].members().len(), 1);
        let id = cycles[0].members()[0].instance().id();
        assert_eq!(cycles[0].edges(), [(id, id)]);
        let why = why_alive(id).unwrap();
        assert!(why.is_leaked());
        assert!(why.to_string().contains("leaked"), "{why}");
    }
    // Clean up: break the loop.
    if let Some(l) = weak.upgrade() {
        l.me.borrow_mut().take();
    }
}

ring_node!(Owned);

#[test]
fn a_cycle_owned_from_outside_is_not_a_leak_and_why_alive_names_the_owner() {
    let a = Owned::new("a", None);
    let b = Owned::new("b", Some(&a));
    let c = Owned::new("c", Some(&b));
    *a.next.borrow_mut() = Some(c.clone()); // a → c → b → a
    for v in [&a, &b, &c] {
        track!(v);
    }
    drop((b, c));
    assert!(cycles_of("Owned").is_empty(), "`a` is owned from outside");
    if !instrack::ENABLED {
        assert!(why_alive(1).is_none());
        return;
    }
    // The Debug text of a cycle recurses (cut at 200 characters): match its start.
    let b_id = id_of("Owned", |i| i.debug().is_some_and(|d| d.starts_with("Owned { label: \"b\"")));
    let why = why_alive(b_id).unwrap();
    assert!(!why.is_leaked());
    let chain: Vec<&str> = why.chain().iter().map(|n| n.instance().debug().unwrap()).collect();
    // b is held by c, which is held by a, which the test owns.
    assert_eq!(chain.len(), 3, "{why}");
    for (node, label) in chain.iter().zip(["b", "c", "a"]) {
        assert!(node.starts_with(&format!("Owned {{ label: \"{label}\"")), "{why}");
    }
    assert_eq!(why.chain()[2].outside_owners(), 1);
    assert!(why.to_string().contains("which has 1 owner outside the tracked graph"), "{why}");
    a.next.borrow_mut().take(); // break the cycle
    let _ = a.label;
}

#[test]
fn why_alive_of_an_unknown_id_is_none() {
    assert!(why_alive(u64::MAX).is_none());
}

// ---- across threads, locks, missing or panicking Trace --------------------

#[derive(Debug)]
struct Peer {
    other: Mutex<Option<Arc<Peer>>>,
}

impl Trace for Peer {
    fn trace(&self, edges: &mut Edges<'_>) {
        edges.trace(&self.other);
    }
}

#[test]
fn an_arc_cycle_built_across_two_threads_is_found() {
    let barrier = Arc::new(Barrier::new(2));
    let slot: Arc<Mutex<Option<Arc<Peer>>>> = Arc::new(Mutex::new(None));
    let (b2, s2) = (barrier.clone(), slot.clone());
    let t = thread::spawn(move || {
        let theirs = Arc::new(Peer { other: Mutex::new(None) });
        track!(&theirs);
        *s2.lock().unwrap() = Some(theirs);
        b2.wait();
    });
    let mine = Arc::new(Peer { other: Mutex::new(None) });
    track!(&mine);
    barrier.wait();
    t.join().unwrap();
    let theirs = slot.lock().unwrap().take().unwrap();
    *mine.other.lock().unwrap() = Some(theirs.clone());
    *theirs.other.lock().unwrap() = Some(mine.clone());
    assert!(cycles_of("Peer").is_empty());
    drop((mine, theirs));
    let cycles = cycles_of("Peer");
    if instrack::ENABLED {
        assert_eq!(cycles.len(), 1);
        let threads: Vec<&str> = cycles[0].members().iter().map(|m| m.instance().thread()).collect();
        assert_eq!(threads.len(), 2);
        assert_ne!(threads[0], threads[1], "made on two threads");
    }
}

#[derive(Debug)]
struct Guarded {
    other: Mutex<Option<Arc<Guarded>>>,
}

impl Trace for Guarded {
    fn trace(&self, edges: &mut Edges<'_>) {
        edges.trace(&self.other);
    }
}

#[test]
fn a_held_mutex_is_reported_as_not_traced_and_never_waited_on() {
    let x = Arc::new(Guarded { other: Mutex::new(None) });
    let y = Arc::new(Guarded { other: Mutex::new(Some(x.clone())) });
    *x.other.lock().unwrap() = Some(y.clone());
    track!(&x);
    track!(&y);
    let weak_x = Arc::downgrade(&x);
    let keep_y = y.clone();
    drop((x, y));
    // Hold y's lock during the analysis: y's reference to x cannot be seen,
    // so x looks owned from outside, and no leak is invented.
    {
        let _held = keep_y.other.lock().unwrap();
        assert!(cycles_of("Guarded").is_empty());
        let graph = graph_dot("Guarded");
        if instrack::ENABLED {
            assert!(graph.contains("owned from outside"), "{graph}");
        }
    }
    drop(keep_y);
    let cycles = cycles_of("Guarded");
    assert_eq!(cycles.len(), usize::from(instrack::ENABLED));
    // Break the cycle.
    if let Some(x) = weak_x.upgrade() {
        x.other.lock().unwrap().take();
    }
}

#[derive(Debug)]
struct Opaque {
    next: RefCell<Option<Rc<Opaque>>>,
}

#[test]
fn a_missing_trace_impl_hides_a_leak_but_never_invents_one() {
    let a = Rc::new(Opaque { next: RefCell::new(None) });
    let b = Rc::new(Opaque { next: RefCell::new(Some(a.clone())) });
    *a.next.borrow_mut() = Some(b.clone());
    track!(&a); // no Trace impl: registered, but its references are unknown
    track!(&b);
    let weak = Rc::downgrade(&a);
    drop((a, b));
    assert!(cycles_of("Opaque").is_empty());
    if instrack::ENABLED {
        let graph = graph_dot("Opaque");
        assert_eq!(graph.matches("owned from outside: 1").count(), 2, "{graph}");
    }
    weak.upgrade().unwrap().next.borrow_mut().take();
}

#[derive(Debug)]
struct Explosive {
    next: RefCell<Option<Rc<Explosive>>>,
}

impl Trace for Explosive {
    fn trace(&self, _: &mut Edges<'_>) {
        panic!("trace exploded");
    }
}

#[test]
fn a_panicking_trace_is_noted_and_the_analysis_goes_on() {
    let e = Rc::new(Explosive { next: RefCell::new(None) });
    track!(&e);
    let l = Rc::new(Loop { me: RefCell::new(None) });
    track!(&l);
    let found = find_cycles(); // does not panic
    drop(found);
    if instrack::ENABLED {
        let dot = graph_dot("Explosive");
        assert!(dot.contains("Explosive #"), "{dot}");
    }
    let _ = e.next.borrow();
}

/// A `Trace` that panics with a payload whose own `Drop` panics.
struct Booby;

struct NastyPayload;

impl Drop for NastyPayload {
    fn drop(&mut self) {
        std::panic::resume_unwind(Box::new("the payload's drop panicked"));
    }
}

impl Trace for Booby {
    fn trace(&self, _: &mut Edges<'_>) {
        std::panic::resume_unwind(Box::new(NastyPayload));
    }
}

/// Issue 16, fault 3: the analysis lets go of the payload where its panic
/// cannot escape (it escaped `find_cycles` before).
#[test]
fn a_trace_panic_whose_payload_panics_on_drop_does_not_escape_the_analysis() {
    let b = Rc::new(Booby);
    track!(&b);
    let found = std::panic::catch_unwind(find_cycles);
    assert!(found.is_ok(), "the payload's panic escaped find_cycles");
    drop(b);
}

// ---- the final drop, and DOT ----------------------------------------------

#[derive(Debug)]
struct LastOwner {
    _me: u8,
}

thread_local! {
    static OUTSIDE: RefCell<Option<Rc<LastOwner>>> = const { RefCell::new(None) };
}

impl Trace for LastOwner {
    fn trace(&self, _: &mut Edges<'_>) {
        // The outside owner lets go during the analysis.
        OUTSIDE.with(|o| drop(o.borrow_mut().take()));
    }
}

impl Drop for LastOwner {
    fn drop(&mut self) {
        // Runs when the analysis lets go: every instrack call still works.
        let again = Rc::new(Loop { me: RefCell::new(None) });
        track!(&again);
        let _ = find_cycles();
        let _ = instrack::snapshot();
        let _ = graph_dot("*");
    }
}

#[test]
fn the_analysis_may_drop_the_last_owner_and_its_drop_may_reenter() {
    let v = Rc::new(LastOwner { _me: 0 });
    track!(&v);
    let weak = Rc::downgrade(&v);
    OUTSIDE.with(|o| *o.borrow_mut() = Some(v));
    let _ = find_cycles();
    if instrack::ENABLED {
        assert!(weak.upgrade().is_none(), "the analysis held the last reference and let it go");
    } else {
        OUTSIDE.with(|o| drop(o.borrow_mut().take()));
    }
}

ring_node!(Widget);

#[test]
fn dot_output_marks_leaked_nodes_and_draws_every_reference() {
    let (w1, w2) = Widget::pair("say \"hi\"", "w2");
    let kept = Widget::new("kept", None);
    track!(&kept);
    drop((w1, w2));
    let graph = graph_dot("Widget");
    let cycles = cycles_of("Widget");
    if !instrack::ENABLED {
        assert_eq!(graph.lines().filter(|l| l.contains(" -> ")).count(), 0);
        assert!(cycles.is_empty());
        return;
    }
    assert!(graph.starts_with("digraph \"instrack Widget\" {"), "{graph}");
    assert!(graph.trim_end().ends_with('}'));
    assert_eq!(graph.matches(" -> ").count(), 2, "{graph}");
    assert_eq!(graph.matches(", color=red").count(), 2, "the two leaked, not `kept`: {graph}");
    assert!(graph.contains("owned from outside: 1"), "{graph}");
    assert!(graph.contains(r#"label: \"say \\\"hi\\\"\""#), "Debug text escaped once: {graph}");
    let dot = cycles[0].to_dot();
    assert_eq!(dot.matches(" -> ").count(), 2);
    assert_eq!(dot.matches(", color=red").count(), 2);
    let _ = kept.label;
    cycles_of("Widget").iter().for_each(drop);
}

// ---- observers: closures that capture the widget that stores them -------

/// A widget with two lists of observers: plain closures, and closures wrapped
/// in `TracedFn`.
#[derive(Default)]
struct ObservedWidget {
    plain: RefCell<Vec<Box<Observer>>>,
    traced: RefCell<Vec<Box<instrack::TracedFn<Observer>>>>,
}

type Observer = dyn Fn() -> usize;

impl std::fmt::Debug for ObservedWidget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ObservedWidget({} + {} observers)", self.plain.borrow().len(), self.traced.borrow().len())
    }
}

impl Trace for ObservedWidget {
    fn trace(&self, edges: &mut Edges<'_>) {
        edges.trace(&self.traced); // a `Box<dyn Fn>` cannot be traced
    }
}

#[test]
fn a_closure_capturing_its_owner_is_a_cycle_once_wrapped_in_traced_fn() {
    // Unwrapped: the capture looks like an owner from outside, so the leak
    // is invisible. This is the limitation the wrapper exists for.
    let hidden = Rc::new(ObservedWidget::default());
    track!(&hidden);
    let captured = Rc::clone(&hidden);
    hidden.plain.borrow_mut().push(Box::new(move || captured.plain.borrow().len()));

    let shown = Rc::new(ObservedWidget::default());
    track!(&shown);
    let captured = Rc::clone(&shown);
    let observer = instrack::TracedFn::new(move || captured.traced.borrow().len()).holding(&shown);
    shown.traced.borrow_mut().push(Box::new(observer));
    assert_eq!((shown.traced.borrow()[0])(), 1, "called like the closure");
    assert_eq!((hidden.plain.borrow()[0])(), 1);
    let ids: Vec<u64> = instrack::snapshot().narrow("ObservedWidget").instances().map(|i| i.id()).collect();
    drop((hidden, shown)); // both now own only themselves, through a closure

    let cycles = cycles_of("ObservedWidget");
    if !instrack::ENABLED {
        assert!(cycles.is_empty());
        return;
    }
    assert_eq!(ids.len(), 2);
    assert_eq!(cycles.len(), 1, "only the wrapped observer's cycle is visible: {cycles:?}");
    let members: Vec<u64> = cycles[0].members().iter().map(|m| m.instance().id()).collect();
    assert_eq!(members, [ids[1]], "the widget whose observer is wrapped");
    assert_eq!(cycles[0].edges(), [(ids[1], ids[1])], "it holds itself through the closure");
}
