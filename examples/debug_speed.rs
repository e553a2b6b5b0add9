//! How fast tracking is in the build you run it in: the figures of README.md,
//! "Debug builds are slower".
//!
//!     cargo run --example debug_speed                 # a debug build
//!     cargo run --example debug_speed --config 'profile.dev.opt-level=1'
//!     cargo run --release --features tracking --example debug_speed
//!
//! Best of 5 rounds of: 1M constructions and drops of a tracked struct, 100k
//! `Arc::new` + `track!(&arc)` + drop, and a snapshot of 1M live instances.

use instrack::{track, Tracked};
use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

struct Item {
    _t: Tracked<Self>,
}

#[derive(Debug)]
struct Shared(#[allow(dead_code)] u64);

fn main() {
    if !instrack::ENABLED {
        instrack::report("*"); // says that tracking is compiled out, and how to turn it on
        return;
    }
    let n = 1_000_000;
    let mut best = [f64::MAX; 3];
    for _ in 0..5 {
        let t = Instant::now();
        for _ in 0..n {
            black_box(Item { _t: track!() });
        }
        best[0] = best[0].min(t.elapsed().as_nanos() as f64 / n as f64);
        let t = Instant::now();
        for i in 0..n / 10 {
            let a = Arc::new(Shared(i));
            track!(&a);
            black_box(a);
        }
        best[1] = best[1].min(t.elapsed().as_nanos() as f64 / (n / 10) as f64);
        let keep: Vec<Item> = (0..n).map(|_| Item { _t: track!() }).collect();
        let t = Instant::now();
        let snap = instrack::snapshot();
        best[2] = best[2].min(t.elapsed().as_secs_f64() * 1000.0);
        drop((keep, snap));
    }
    println!(
        "construct+drop {:.1} ns; Arc::new + track!(&arc) + drop {:.1} ns; snapshot of 1M live {:.0} ms",
        best[0], best[1], best[2]
    );
}
