//! What printing one large leaked cycle costs, in instructions (callgrind),
//! which unlike time do not depend on what else the machine does: the
//! `Display` of [`instrack::find_cycles`]'s answer for one ring of 1,000 and
//! one of 10,000 members with a derived `Trace` (with no `Debug`, and with a
//! derived one that recurses through the ring), and `graph_dot` of healthy
//! trees of those sizes.
//!
//!     cargo bench --bench cycle_print --features tracking
//!
//! Printing is linear in the cycle: each member's line reads a bounded part
//! of its `Debug`, and the loop around the cycle and the other references
//! are found through maps built once. The process fails if the 10,000-node
//! case costs more than [`MAX_RATIO`] times the 1,000-node one (linear work
//! gives 10; the search of every edge per member that printing did gave 71).
//! Without valgrind it compares times of one run instead, against the same
//! ratio.

use instrack::{find_cycles, track, Cycles};
use std::cell::RefCell;
use std::hint::black_box;
use std::process::Command;
use std::rc::Rc;
use std::time::Instant;

/// At most this many times the work for ten times the members.
const MAX_RATIO: f64 = 30.0;

/// A ring's members, leaked: `ring(n)` makes a ring of `n` tracked
/// members and returns weak handles with which `unring` breaks it.
macro_rules! ring_of {
    ($ring:ident, $unring:ident, $link:ident) => {
        fn $ring(n: u32) -> Vec<std::rc::Weak<$link>> {
            let first = Rc::new($link { label: 0, next: RefCell::new(None) });
            track!(&first);
            let mut weaks = vec![Rc::downgrade(&first)];
            let mut last = first.clone();
            for label in 1..n {
                let link = Rc::new($link { label, next: RefCell::new(None) });
                track!(&link);
                weaks.push(Rc::downgrade(&link));
                *last.next.borrow_mut() = Some(link.clone());
                last = link;
            }
            *last.next.borrow_mut() = Some(first);
            weaks
        }

        /// Breaks the ring without dropping it recursively: every link held first.
        fn $unring(weaks: Vec<std::rc::Weak<$link>>) {
            let links: Vec<Rc<$link>> = weaks.iter().filter_map(std::rc::Weak::upgrade).collect();
            for link in &links {
                link.next.borrow_mut().take();
            }
        }
    };
}

/// A member of a ring with a derived `Debug`, which follows `next` around
/// the ring (and so never ends).
#[derive(Debug, instrack::Trace)]
struct Link {
    label: u32,
    next: RefCell<Option<Rc<Link>>>,
}
ring_of!(ring, unring, Link);

/// The same with no `Debug`: what printing costs besides the members' text.
#[derive(instrack::Trace)]
#[allow(dead_code)] // `label` as `Link`'s, but shown by no `Debug`
struct Bare {
    label: u32,
    next: RefCell<Option<Rc<Bare>>>,
}
ring_of!(bare_ring, bare_unring, Bare);

/// What is measured: the whole text of the cycles. Not inlined, so that
/// callgrind counts it alone (`--toggle-collect`).
#[inline(never)]
fn print_cycles(cycles: &Cycles) -> usize {
    black_box(cycles.to_string()).len()
}

/// Builds one leaked ring of `n` (`debug`: with a derived `Debug`), finds
/// its cycle, runs `measure` on the answer, and breaks the ring.
fn with_ring<R>(kind: &str, n: u32, measure: impl FnOnce(&Cycles) -> R) -> R {
    let (weaks, bare) = match kind {
        "debug" => (ring(n), Vec::new()),
        "bare" => (Vec::new(), bare_ring(n)),
        other => panic!("unknown ring {other:?}: debug or bare"),
    };
    let cycles = find_cycles();
    assert_eq!(cycles.first().map(|c| c.members().len()), Some(n as usize), "one ring of {n}");
    let result = measure(&cycles);
    drop(cycles);
    unring(weaks);
    bare_unring(bare);
    result
}

/// Instructions callgrind counts in what `mode kind n` measures
/// (`print_cycles` or `draw_dot`).
fn instructions(mode: &str, kind: &str, n: u32) -> Option<u64> {
    let exe = std::env::current_exe().ok()?;
    let measured = if mode == "dot" { "draw_dot" } else { "print_cycles" };
    let out = Command::new("valgrind")
        .args(["--tool=callgrind", "--callgrind-out-file=/dev/null", &format!("--toggle-collect=*{measured}*")])
        .arg(exe)
        .args([mode, kind, &n.to_string()])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "`{mode} {kind} {n}` failed under valgrind:\n{text}");
    text.lines().find_map(|l| l.split("Collected :").nth(1)).and_then(|v| v.trim().parse().ok())
}

/// Seconds for what `mode kind n` measures, the fastest of three.
fn seconds(mode: &str, kind: &str, n: u32) -> f64 {
    let fastest = |f: &mut dyn FnMut()| {
        (0..3)
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min)
    };
    if mode == "dot" {
        let root = tree(n as usize);
        let best = fastest(&mut || {
            draw_dot();
        });
        drop(root);
        return best;
    }
    with_ring(kind, n, |cycles| {
        fastest(&mut || {
            print_cycles(cycles);
        })
    })
}

/// A node of a healthy tree, as in the `tracking` bench's `graph_dot_100k`:
/// its derived `Debug` prints its whole subtree.
#[derive(Debug, instrack::Trace)]
struct Node {
    parent: std::rc::Weak<Node>,
    children: RefCell<Vec<Rc<Node>>>,
}

/// A tree of `n` tracked nodes, each with up to 4 children; returns the root.
fn tree(n: usize) -> Rc<Node> {
    let root = Rc::new(Node { parent: std::rc::Weak::new(), children: RefCell::new(Vec::new()) });
    track!(&root);
    let mut all = vec![root.clone()];
    for i in 1..n {
        let parent = &all[(i - 1) / 4];
        let node = Rc::new(Node { parent: Rc::downgrade(parent), children: RefCell::new(Vec::new()) });
        track!(&node);
        parent.children.borrow_mut().push(node.clone());
        all.push(node);
    }
    root
}

/// What is measured of `graph_dot`: the whole call. Not inlined, so that
/// callgrind counts it alone.
#[inline(never)]
fn draw_dot() -> usize {
    black_box(instrack::graph_dot("cycle_print::Node")).len()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    if !instrack::ENABLED {
        println!("tracking is compiled out: nothing to print (run with --features tracking)");
        return;
    }
    // Under valgrind: `print KIND N`, `dot tree N`.
    if let [mode, kind, n] = &args[..] {
        let n = n.parse().expect("a number of members");
        match (mode.as_str(), kind.as_str()) {
            ("print", _) => drop(with_ring(kind, n, print_cycles)),
            ("dot", "tree") => {
                let root = tree(n as usize);
                draw_dot();
                drop(root);
            }
            _ => panic!("unknown mode {mode:?} {kind:?}"),
        }
        return;
    }
    let (small, large) = (1_000, 10_000);
    let valgrind = Command::new("valgrind").arg("--version").output().is_ok();
    if !valgrind {
        eprintln!("valgrind is not installed: comparing times instead (apt-get install valgrind)");
    }
    let mut failed = false;
    // `print bare`, the graph work alone, is the case that catches a
    // quadratic search: the `Debug` text of each member (in `print debug`)
    // costs more and would hide one at these sizes.
    for (mode, kind, what) in [
        ("print", "bare", "printing one leaked cycle, no Debug"),
        ("print", "debug", "printing one leaked cycle, derived Debug"),
        ("dot", "tree", "graph_dot of a healthy tree, derived Debug"),
    ] {
        let (unit, a, b) = match (valgrind, instructions(mode, kind, small), instructions(mode, kind, large)) {
            (true, Some(a), Some(b)) => ("instructions (callgrind)", a as f64, b as f64),
            _ => ("seconds", seconds(mode, kind, small), seconds(mode, kind, large)),
        };
        let ratio = b / a;
        println!(
            "{what}, {unit}: {small} nodes {a:.0} ({:.0} each), {large} nodes {b:.0} ({:.0} each): {ratio:.1}x",
            a / f64::from(small),
            b / f64::from(large)
        );
        if ratio > MAX_RATIO {
            eprintln!("{what}: {large} nodes cost {ratio:.1}x {small}, over {MAX_RATIO}x: not linear");
            failed = true;
        }
    }
    if failed {
        std::process::exit(1);
    }
}
