//! What cycle finding spends in the values' `Debug`, counted in calls, not
//! timed: `find_cycles` formats a member only when it is printed. Formatting
//! every member up front made 50k two-node cycles with a derived `Debug`
//! take 25–35 s (each member's `Debug` recurses through its cycle and is read
//! to 16K characters to find its top level).

use instrack::{find_cycles, track, Edges, Trace};
use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::Rc;

thread_local! {
    /// Calls into `Pair`'s `Debug` on this thread (its values are `Rc`s:
    /// no other thread formats them).
    static CALLS: Cell<usize> = const { Cell::new(0) };
}

fn calls() -> usize {
    CALLS.with(Cell::get)
}

struct Pair {
    label: u32,
    other: RefCell<Option<Rc<Pair>>>,
}

/// The derived `Debug`, counting its calls: it recurses through the cycle.
impl fmt::Debug for Pair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        CALLS.with(|c| c.set(c.get() + 1));
        f.debug_struct("Pair").field("label", &self.label).field("other", &self.other).finish()
    }
}

impl Trace for Pair {
    fn trace(&self, edges: &mut Edges<'_>) {
        edges.field("other", &self.other);
    }
}

/// `n` leaked two-node cycles, all made at the same sites (one shape).
fn leak_pairs(n: u32) {
    for i in 0..n {
        let a = Rc::new(Pair { label: 2 * i, other: RefCell::new(None) });
        let b = Rc::new(Pair { label: 2 * i + 1, other: RefCell::new(Some(a.clone())) });
        *a.other.borrow_mut() = Some(b.clone());
        track!(&a);
        track!(&b);
    }
}

#[test]
fn find_cycles_formats_only_the_members_it_prints() {
    if !instrack::ENABLED {
        return;
    }
    // What formatting one member costs: the bounded writer stops a `Debug`
    // that recurses forever after its 16K-character input limit.
    leak_pairs(1);
    let one = instrack::snapshot().narrow("Pair").instances().last().cloned().unwrap();
    let before = calls();
    assert!(one.debug().unwrap().starts_with("Pair { label: "));
    let per_member = calls() - before;
    assert!((1..1_000).contains(&per_member), "{per_member} calls to format one cyclic value");

    leak_pairs(50);
    let before = calls();
    let cycles = find_cycles();
    assert_eq!(calls() - before, 0, "find_cycles ran Debug before anything was printed");
    let pairs: Vec<_> = cycles.iter().filter(|c| c.members()[0].instance().type_name().ends_with("Pair")).collect();
    assert_eq!(pairs.len(), 51);
    // Printed, the 51 cycles are one shape: one example, two members formatted.
    let text = cycles.to_string();
    assert!(text.contains("51 leaked cycles like this one"), "{text}");
    assert!(text.contains("  Pair { label: "), "{text}");
    let printed = calls() - before;
    assert!(printed <= 3 * per_member, "{printed} calls to print one example ({per_member} per member)");
    // Each member still gives its text when asked, once.
    for member in pairs.iter().flat_map(|c| c.members()) {
        let label = member.instance().debug().unwrap();
        assert!(label.starts_with("Pair { label: ") && label.ends_with(" … }"), "{label}");
    }
    let asked = calls();
    for member in pairs.iter().flat_map(|c| c.members()) {
        member.instance().debug().unwrap();
    }
    assert_eq!(calls(), asked, "a member's text is formatted once");
}

/// A ring member whose derived-like `Debug` counts its calls: one call per
/// level of the ring it recurses into, each level
/// `Bead { label: 123, next: RefCell { value: Some(` (about 45 characters).
struct Bead {
    label: u32,
    next: RefCell<Option<Rc<Bead>>>,
}

thread_local! {
    static BEAD_CALLS: Cell<usize> = const { Cell::new(0) };
}

impl fmt::Debug for Bead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        BEAD_CALLS.with(|c| c.set(c.get() + 1));
        f.debug_struct("Bead").field("label", &self.label).field("next", &self.next).finish()
    }
}

impl Trace for Bead {
    fn trace(&self, edges: &mut Edges<'_>) {
        edges.field("next", &self.next);
    }
}

/// Printing a cycle reads of each member's `Debug` about what its line
/// shows: the 200 characters shown, then (the text being longer) 400 to
/// find its top level, about 14 levels of the ring. It read 16K characters
/// to find the top level (about 360 levels), for each of the ring's
/// members: most of the cost of printing a large cycle.
#[test]
fn printing_a_cycle_reads_a_bounded_part_of_each_members_debug() {
    if !instrack::ENABLED {
        return;
    }
    const N: u32 = 1_000;
    let weaks = leak_ring(N);

    let cycles = find_cycles();
    let ring = cycles.iter().find(|c| c.members()[0].instance().type_name().ends_with("Bead")).unwrap();
    assert_eq!(ring.members().len(), N as usize);
    let before = BEAD_CALLS.with(Cell::get);
    let text = cycles.to_string();
    let per_member = (BEAD_CALLS.with(Cell::get) - before) as f64 / f64::from(N);
    assert!(text.contains("1000 instances kept alive only by each other"), "{text:.300}");
    assert!(text.contains("    it::cycle_cost::Bead #"), "{text:.300}");
    for member in ring.members() {
        let shown = member.instance().debug().unwrap();
        assert!(shown.starts_with("Bead { label: ") && shown.ends_with(", … }"), "{shown}");
    }
    assert!(per_member <= 20.0, "{per_member} calls into Debug per member printed");

    break_ring(weaks);
}

/// `graph_dot` formats every node it draws, while it holds them, and shows
/// 60 characters of each: it too reads each one's `Debug` as far as a
/// report line needs (it read 16K characters of each, ~355 calls here, and
/// took ~1 s for 100k nodes in the `tracking` bench).
#[test]
fn graph_dot_reads_a_bounded_part_of_each_nodes_debug() {
    if !instrack::ENABLED {
        return;
    }
    const N: u32 = 1_000;
    let weaks = leak_ring(N);
    let before = BEAD_CALLS.with(Cell::get);
    let dot = instrack::graph_dot("Bead");
    let per_node = (BEAD_CALLS.with(Cell::get) - before) as f64 / f64::from(N);
    assert_eq!(dot.matches(" -> ").count(), N as usize, "{dot:.300}");
    assert_eq!(dot.matches("\\nBead { label: ").count(), N as usize, "{dot:.300}");
    assert!(per_node <= 20.0, "{per_node} calls into Debug per node drawn");
    break_ring(weaks);
}

/// A leaked ring of `n` tracked beads; weak handles for [`break_ring`].
fn leak_ring(n: u32) -> Vec<std::rc::Weak<Bead>> {
    let first = Rc::new(Bead { label: 0, next: RefCell::new(None) });
    track!(&first);
    let mut beads = vec![first.clone()];
    for label in 1..n {
        let bead = Rc::new(Bead { label, next: RefCell::new(None) });
        track!(&bead);
        *beads.last().unwrap().next.borrow_mut() = Some(bead.clone());
        beads.push(bead);
    }
    *beads.last().unwrap().next.borrow_mut() = Some(first);
    beads.iter().map(Rc::downgrade).collect()
}

/// Breaks a ring without a recursive drop: every bead held first.
fn break_ring(weaks: Vec<std::rc::Weak<Bead>>) {
    let beads: Vec<Rc<Bead>> = weaks.iter().filter_map(std::rc::Weak::upgrade).collect();
    for bead in &beads {
        bead.next.borrow_mut().take();
    }
}
