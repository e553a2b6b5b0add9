//! What the HTML page costs to build with 1M live instances:
//! `cargo bench --bench html --features html,tracking`.
//!
//! The instances are of 4 types made at 20 sites (`Tracked` fields, so no
//! `Debug` runs). Three figures: the snapshot alone, the page from a snapshot
//! (grouping by site and writing), and both, as a request to `/` does.

use instrack::html::Page;
use instrack::{track, Tracked};
use std::hint::black_box;
use std::sync::Once;

struct A(#[allow(dead_code)] Tracked<Self>);
struct B(#[allow(dead_code)] Tracked<Self>);
struct C(#[allow(dead_code)] Tracked<Self>);
struct D(#[allow(dead_code)] Tracked<Self>);

const LIVE: usize = 1_000_000;

/// Makes the 1M instances once and leaks them: they stay live for every bench.
fn populate() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let mut a = Vec::new();
        let mut b = Vec::new();
        let mut c = Vec::new();
        let mut d = Vec::new();
        for i in 0..LIVE / 20 {
            // Five sites per type.
            a.extend([A(track!()), A(track!()), A(track!()), A(track!()), A(track!())]);
            b.extend([B(track!()), B(track!()), B(track!()), B(track!()), B(track!())]);
            c.extend([C(track!()), C(track!()), C(track!()), C(track!()), C(track!())]);
            d.extend([D(track!()), D(track!()), D(track!()), D(track!()), D(track!())]);
            black_box(i);
        }
        std::mem::forget((a, b, c, d));
        if instrack::ENABLED {
            assert_eq!(instrack::snapshot().instances().len(), LIVE);
        }
    });
}

fn main() {
    populate();
    let bytes = Page::new(instrack::snapshot()).render().len();
    println!("instrack::ENABLED = {}; {LIVE} live instances; the page is {bytes} bytes", instrack::ENABLED);
    divan::main();
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn snapshot_only(b: divan::Bencher) {
    populate();
    b.bench(instrack::snapshot);
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn page_from_snapshot(b: divan::Bencher) {
    populate();
    b.with_inputs(instrack::snapshot).bench_values(|snapshot| Page::new(snapshot).render().len());
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn snapshot_and_page(b: divan::Bencher) {
    populate();
    b.bench(|| Page::new(instrack::snapshot()).render().len());
}
