//! A report costs about what it prints (issue 16, fault 6): with 10,000
//! types of 10 live instances each, the report text, the by-site text and
//! the page each cost at most 10x the snapshot they read. Before the fix the
//! report scanned every instance once per type: 8.3 s against a 41 ms
//! snapshot.
//!
//! `cargo bench --bench report_cost --features tracking` (add `html` for the
//! page). Times on a shared machine are noisy, so each figure is the minimum
//! of interleaved rounds and only their ratio, measured in one run, is
//! checked: the process fails if a ratio exceeds [`MAX_RATIO`].

use std::any::Any;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// 10 x 10 x 10 x 10 types, one per combination of digits.
struct Ty<const A: usize, const B: usize, const C: usize, const D: usize> {
    _t: instrack::Tracked<Self>,
}

const PER_TYPE: usize = 10;
const MAX_RATIO: f64 = 10.0;
const ROUNDS: usize = 5;

fn make<const A: usize, const B: usize, const C: usize, const D: usize>(keep: &mut Vec<Box<dyn Any>>) {
    for _ in 0..PER_TYPE {
        keep.push(Box::new(Ty::<A, B, C, D> { _t: instrack::track!() }));
    }
}

/// Calls `$f::<prefix…, 0>` to `$f::<prefix…, 9>`.
macro_rules! ten {
    ($f:ident, $keep:expr $(, $p:ident)*) => {
        $f::<$($p,)* 0>($keep);
        $f::<$($p,)* 1>($keep);
        $f::<$($p,)* 2>($keep);
        $f::<$($p,)* 3>($keep);
        $f::<$($p,)* 4>($keep);
        $f::<$($p,)* 5>($keep);
        $f::<$($p,)* 6>($keep);
        $f::<$($p,)* 7>($keep);
        $f::<$($p,)* 8>($keep);
        $f::<$($p,)* 9>($keep);
    };
}

fn with_c<const A: usize, const B: usize, const C: usize>(keep: &mut Vec<Box<dyn Any>>) {
    ten!(make, keep, A, B, C);
}
fn with_b<const A: usize, const B: usize>(keep: &mut Vec<Box<dyn Any>>) {
    ten!(with_c, keep, A, B);
}
fn with_a<const A: usize>(keep: &mut Vec<Box<dyn Any>>) {
    ten!(with_b, keep, A);
}

fn time(f: &mut dyn FnMut()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

fn main() {
    if !instrack::ENABLED {
        println!("report_cost: tracking is compiled out; run with --features tracking");
        return;
    }
    let mut keep: Vec<Box<dyn Any>> = Vec::new();
    ten!(with_a, &mut keep);
    let types = instrack::snapshot().types().filter(|t| t.name().contains("::Ty<")).count();
    assert_eq!(types, 10_000, "the types made");

    type Measure = (&'static str, Box<dyn FnMut()>);
    let mut measures: Vec<Measure> = vec![
        ("snapshot()", Box::new(|| drop(black_box(instrack::snapshot())))),
        ("report_to(_, \"*\")", Box::new(|| instrack::report_to(&mut std::io::sink(), "*").unwrap())),
        ("snapshot().by_site() text", Box::new(|| drop(black_box(instrack::snapshot().by_site().to_string())))),
    ];
    #[cfg(feature = "html")]
    measures.push(("html::Page::now() rendered", Box::new(|| drop(black_box(instrack::html::Page::now().render())))));
    let mut best = vec![Duration::MAX; measures.len()];
    for _ in 0..ROUNDS {
        for (i, (_, f)) in measures.iter_mut().enumerate() {
            best[i] = best[i].min(time(f));
        }
    }
    println!("10,000 types x {PER_TYPE} live instances; minimum of {ROUNDS} interleaved rounds:");
    let snapshot = best[0].as_secs_f64();
    let mut failed = false;
    for ((name, _), time) in measures.iter().zip(&best) {
        let ratio = time.as_secs_f64() / snapshot;
        println!("  {name:<28} {:>9.1} ms  {ratio:>5.1}x the snapshot", time.as_secs_f64() * 1e3);
        failed |= ratio > MAX_RATIO;
    }
    drop(keep);
    if failed {
        eprintln!("report_cost: a text costs more than {MAX_RATIO}x the snapshot it reads");
        std::process::exit(1);
    }
}
