//! The cost of creation backtraces (`instrack::capture_backtraces`), with
//! tracking on: `cargo bench --features tracking --bench backtrace`.
//! Compiled out, capture does nothing and both benchmarks are equal.

use instrack::{track, Tracked};
use std::hint::black_box;
use std::sync::Arc;

fn main() {
    println!("instrack::ENABLED = {}", instrack::ENABLED);
    divan::main();
}

struct Marked {
    _t: Tracked<Self>,
}

#[derive(Debug)]
struct Shared(#[allow(dead_code)] u64);

#[divan::bench(args = [false, true], sample_count = 20, sample_size = 1000)]
fn construct_drop(b: divan::Bencher, capture: bool) {
    instrack::capture_backtraces(capture);
    b.bench(|| drop(black_box(Marked { _t: track!() })));
    instrack::capture_backtraces(false);
}

#[divan::bench(args = [false, true], sample_count = 20, sample_size = 1000)]
fn arc_new_track_drop(b: divan::Bencher, capture: bool) {
    instrack::capture_backtraces(capture);
    b.bench(|| {
        let a = Arc::new(Shared(7));
        track!(&a);
        drop(black_box(a));
    });
    instrack::capture_backtraces(false);
}

/// Printing resolves symbols: the first report with backtraces pays for
/// loading debug info, later ones reuse it.
#[divan::bench(sample_count = 10)]
fn report_of_100_with_backtraces(b: divan::Bencher) {
    instrack::capture_backtraces(true);
    let keep: Vec<Marked> = (0..100).map(|_| Marked { _t: track!() }).collect();
    instrack::capture_backtraces(false);
    b.bench(|| {
        let mut sink = Vec::new();
        instrack::report_to(&mut sink, "Marked").unwrap();
        sink.len()
    });
    drop(keep);
}
