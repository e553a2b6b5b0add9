//! `#[derive(instrack::Trace)]`, named edges, and the grouped `Cycles`. The
//! package's tests turn on its `derive` feature (see the dev-dependency in
//! Cargo.toml), so these run in every build mode. Each test uses types of
//! its own and looks only at the cycles and groups of those types.

use instrack::{find_cycles, graph_dot, track, why_alive, Cycle, CycleGroup, Edges, Trace, TracedFn, Tracked};
use std::cell::RefCell;
use std::marker::PhantomData;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

fn of_type(cycle: &Cycle, suffix: &str) -> bool {
    cycle.members().iter().all(|m| m.instance().type_name().ends_with(suffix))
}

fn groups_of(suffix: &str) -> Vec<CycleGroup> {
    find_cycles().groups().iter().filter(|g| of_type(g.example(), suffix)).cloned().collect()
}

// ---- the session: a closure field that captures its own session ----

type Callback = Mutex<Option<TracedFn<Box<dyn Fn() + Send + Sync>>>>;

#[derive(Debug, instrack::Trace)]
struct DerivedSession {
    user: String, // leaves need nothing
    requests: u64,
    on_close: Callback,
}

/// A session whose `on_close` captures an `Arc` of the session itself;
/// returns the line of the `TracedFn::new` call.
fn leaked_session(user: &str) -> u32 {
    let session = Arc::new(DerivedSession { user: user.to_owned(), requests: 0, on_close: Mutex::new(None) });
    track!(&session);
    let captured = Arc::clone(&session);
    let line = line!() + 1;
    let on_close = TracedFn::new(Box::new(move || println!("bye {}", captured.user)) as Box<dyn Fn() + Send + Sync>)
        .holding(&session);
    *session.on_close.lock().unwrap() = Some(on_close);
    line
}

#[test]
fn a_derived_trace_names_the_field_and_closure_of_a_self_cycle() {
    let line = leaked_session("ada");
    let groups = groups_of("DerivedSession");
    if !instrack::ENABLED {
        assert!(groups.is_empty());
        assert!(find_cycles().to_string().contains("compiled out"));
        return;
    }
    assert_eq!(groups.len(), 1, "{groups:#?}");
    let cycle = groups[0].example();
    let id = cycle.members()[0].instance().id();
    assert_eq!(cycle.edges(), [(id, id)]);
    assert_eq!(cycle.edge_paths()[0].fields().collect::<Vec<_>>(), ["on_close"]);
    let closure = cycle.edge_paths()[0].closure().expect("found through the closure");
    assert_eq!((closure.file(), closure.line()), ("tests/it/derive.rs", line));
    let walk = format!("DerivedSession #{id} .on_close → closure (tests/it/derive.rs:{line}) → DerivedSession #{id}");
    assert_eq!(cycle.loop_text(), walk);
    let text = cycle.to_string();
    assert!(text.starts_with("leaked cycle of 1 instance kept alive only by itself:"), "{text}");
    assert!(text.contains(&walk), "{text}");
    let why = why_alive(id).unwrap();
    assert_eq!(why.paths()[0].to_string(), format!(".on_close → closure (tests/it/derive.rs:{line})"));
    assert!(why.to_string().contains(".on_close → closure"), "{why}");
    let dot = graph_dot("DerivedSession");
    assert!(
        dot.contains(&format!("n{id} -> n{id} [label=\".on_close → closure (tests/it/derive.rs:{line})\"]")),
        "{dot}"
    );
}

#[test]
fn cycles_of_one_shape_are_one_group_printed_once_with_their_count() {
    for user in ["a", "b", "c", "d", "e"] {
        leaked_grouped(user);
    }
    let cycles = find_cycles();
    let groups: Vec<&CycleGroup> = cycles.groups().iter().filter(|g| of_type(g.example(), "GroupedSession")).collect();
    let mine = cycles.iter().filter(|c| of_type(c, "GroupedSession")).count();
    if !instrack::ENABLED {
        assert!(groups.is_empty() && mine == 0 && cycles.groups().is_empty());
        return;
    }
    assert_eq!(mine, 5, "the cycles are still there, one by one");
    assert_eq!(groups.len(), 1, "five cycles of one shape: {groups:#?}");
    assert_eq!(groups[0].count(), 5);
    assert_eq!(groups[0].instances(), 5);
    let text = cycles.to_string();
    // One example: its member line and its loop (`GroupedSession #N .me → GroupedSession #N`).
    assert_eq!(text.matches("GroupedSession #").count(), 3, "one example, printed once: {text}");
    assert!(text.contains("5 leaked cycles like this one, each of 1 instance kept alive only by itself:"), "{text}");
    // Another site is another shape.
    leaked_grouped_elsewhere();
    let groups = groups_of("GroupedSession");
    assert_eq!(groups.iter().map(CycleGroup::count).collect::<Vec<_>>(), [5, 1]);
}

#[derive(Debug, instrack::Trace)]
struct GroupedSession {
    me: Mutex<Option<Arc<GroupedSession>>>,
}

fn grouped(at_this_line: bool) {
    let s = Arc::new(GroupedSession { me: Mutex::new(None) });
    if at_this_line {
        track!(&s);
    } else {
        track!(&s);
    }
    *s.me.lock().unwrap() = Some(s.clone());
}

fn leaked_grouped(_user: &str) {
    grouped(true);
}

fn leaked_grouped_elsewhere() {
    grouped(false);
}

// ---- tuple structs, enums, generics, skip ----------------------------------

#[derive(Debug, instrack::Trace)]
struct Link(u32, RefCell<Option<Rc<Link>>>);

#[derive(Debug, instrack::Trace)]
enum Chain {
    End,
    Next { label: &'static str, next: RefCell<Option<Rc<Chain>>> },
    Back(RefCell<Vec<Rc<Chain>>>),
}

#[derive(Debug, instrack::Trace)]
struct Holder<T, U> {
    held: RefCell<Option<T>>,
    #[trace(skip)]
    _not_traced: U,
    _marker: PhantomData<U>,
}

/// Implements no `Trace`: usable as `Holder`'s `U`, which is only in a
/// skipped field and a `PhantomData`.
#[derive(Debug)]
struct Opaque;

fn assert_trace<T: Trace>() {}

#[test]
fn tuple_fields_enum_variants_and_generic_fields_are_named() {
    assert_trace::<Holder<Rc<u8>, Opaque>>(); // no `U: Trace` bound
    assert_trace::<Chain>();
    let link = Rc::new(Link(1, RefCell::new(None)));
    *link.1.borrow_mut() = Some(link.clone());
    track!(&link);
    let a = Rc::new(Chain::Next { label: "a", next: RefCell::new(None) });
    let b = Rc::new(Chain::Back(RefCell::new(vec![a.clone()])));
    if let Chain::Next { next, .. } = &*a {
        *next.borrow_mut() = Some(b.clone());
    }
    track!(&a);
    track!(&b);
    let end = Rc::new(Chain::End);
    track!(&end);
    let h: Rc<HolderOfHolder2> =
        Rc::new(Holder { held: RefCell::new(None), _not_traced: Opaque, _marker: PhantomData });
    let h2 = Rc::new(Holder2 { back: RefCell::new(Some(h.clone())) });
    *h.held.borrow_mut() = Some(h2.clone());
    track!(&h);
    track!(&h2);
    drop((link, a, b, end, h, h2));
    let cycles = find_cycles();
    let paths = |suffix: &str| -> Vec<String> {
        let cycle = cycles.iter().find(|c| c.members().iter().any(|m| m.instance().type_name().ends_with(suffix)));
        let mut paths: Vec<String> =
            cycle.map_or(Vec::new(), |c| c.edge_paths().iter().map(|p| p.to_string()).collect());
        paths.sort();
        paths
    };
    if !instrack::ENABLED {
        assert!(cycles.is_empty());
        return;
    }
    assert_eq!(paths("::Link"), [".1"]);
    assert_eq!(paths("::Chain"), [".Back.0", ".Next.next"]);
    assert_eq!(paths("::Holder2"), [".back", ".held"]);
    let text = cycles.iter().find(|c| of_type(c, "::Chain")).unwrap().to_string();
    assert!(text.contains(" .Next.next → Chain #") && text.contains(" .Back.0 → Chain #"), "{text}");
}

type HolderOfHolder2 = Holder<Rc<Holder2>, Opaque>;

#[derive(Debug, instrack::Trace)]
struct Holder2 {
    back: RefCell<Option<Rc<HolderOfHolder2>>>,
}

#[derive(Debug, instrack::Trace)]
struct Skipping {
    #[trace(skip)]
    me: RefCell<Option<Rc<Skipping>>>,
    _tracked: Tracked<Skipping>,
}

#[test]
fn a_skipped_field_is_not_traced() {
    let s = Rc::new(Skipping { me: RefCell::new(None), _tracked: Tracked::new() });
    *s.me.borrow_mut() = Some(s.clone());
    track!(&s);
    let weak = Rc::downgrade(&s);
    drop(s);
    // The self-reference is not reported: it counts as an owner from outside.
    assert!(!find_cycles().iter().any(|c| of_type(c, "::Skipping")));
    if let Some(s) = weak.upgrade() {
        s.me.borrow_mut().take();
    }
}

// ---- hand-written names, untraced types -------------------------------------

struct HandNamed {
    peers: Mutex<Vec<Arc<HandNamed>>>,
    unnamed: Mutex<Option<Arc<HandNamed>>>,
}

impl Trace for HandNamed {
    fn trace(&self, edges: &mut Edges<'_>) {
        edges.named("peers", |edges| match self.peers.try_lock() {
            Ok(peers) => edges.field("list", &*peers),
            Err(_) => edges.untraced("peers locked"),
        });
        edges.trace(&self.unnamed); // unnamed edges still work
    }
}

#[test]
fn hand_written_impls_name_their_edges_and_may_leave_some_unnamed() {
    let a = Arc::new(HandNamed { peers: Mutex::new(Vec::new()), unnamed: Mutex::new(None) });
    let b = Arc::new(HandNamed { peers: Mutex::new(vec![a.clone()]), unnamed: Mutex::new(None) });
    *a.unnamed.lock().unwrap() = Some(b.clone());
    track!(&a);
    track!(&b);
    let first = instrack::snapshot().narrow("HandNamed").instances().map(|i| i.id()).min();
    let weak = Arc::downgrade(&a);
    drop((a, b));
    let cycles = find_cycles();
    let cycle = cycles.iter().find(|c| of_type(c, "::HandNamed"));
    if let Some(cycle) = cycle {
        let a = first.unwrap();
        let b = cycle.members().iter().map(|m| m.instance().id()).find(|&id| id != a).unwrap();
        assert_eq!(cycle.loop_text(), format!("HandNamed #{a} → HandNamed #{b} .peers.list → HandNamed #{a}"));
        assert!(cycle.to_string().contains("2 instances kept alive only by each other"));
    }
    assert_eq!(cycle.is_some(), instrack::ENABLED);
    // Break the cycle so the test leaks nothing.
    if let Some(a) = weak.upgrade() {
        a.unnamed.lock().unwrap().take();
    }
}

struct NoTraceHere;

#[derive(Debug)]
struct AlsoNoTrace(#[allow(dead_code)] u8);

#[test]
fn types_without_trace_are_named_with_what_to_do() {
    let a = Arc::new(NoTraceHere);
    let b = Rc::new(AlsoNoTrace(1));
    track!(&a);
    track!(&b);
    let cycles = find_cycles();
    let untraced: Vec<&str> = cycles.untraced().iter().copied().filter(|t| t.contains("NoTrace")).collect();
    if !instrack::ENABLED {
        assert!(untraced.is_empty());
        return;
    }
    assert_eq!(untraced, ["it::derive::AlsoNoTrace", "it::derive::NoTraceHere"]);
    let text = cycles.to_string();
    assert!(text.contains("no Trace impl; a cycle through them is not found:"), "{text}");
    assert!(text.contains("    it::derive::NoTraceHere\n"), "{text}");
    assert!(text.contains("add #[derive(instrack::Trace)] to each (feature `derive`)"), "{text}");
    drop((a, b));
    let cycles = find_cycles();
    assert!(!cycles.untraced().iter().any(|t| t.contains("NoTrace")), "dead instances are not named");
}

#[test]
fn cycles_deref_to_a_slice_and_iterate_both_ways() {
    let cycles = find_cycles();
    let by_ref: usize = (&cycles).into_iter().count();
    assert_eq!(by_ref, cycles.len());
    assert_eq!(cycles.iter().count(), cycles.len());
    for c in &cycles {
        let _: &Cycle = c;
    }
    let owned: Vec<Cycle> = cycles.clone().into_iter().collect();
    assert_eq!(owned.len(), cycles.len());
    let regrouped = instrack::Cycles::from(owned);
    assert_eq!(regrouped.groups().iter().map(CycleGroup::count).sum::<usize>(), cycles.len());
}
