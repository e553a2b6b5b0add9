//! The cost of watching: one sample of 100 tracked types with 1M live
//! instances, and the memory of a day-long timeline.
//!
//!     cargo bench --bench watch --features tracking
//!
//! Before divan's table it prints the memory a day of samples takes: 86,400
//! samples, one a second, of 100 types, recorded with an injected clock.

use instrack::{track, Timeline, Tracked};
use std::hint::black_box;
use std::sync::OnceLock;
use std::time::Duration;

/// The tests' counting allocator, to weigh the timeline.
#[path = "../tests/common/mod.rs"]
mod counting;

const TYPES: usize = 100;
const LIVE: usize = 1_000_000;
const DAY: u64 = 86_400;

/// One of 100 distinct tracked types.
struct Leaf<const N: usize> {
    _t: Tracked<Self>,
}

fn make<const N: usize>(keep: &mut Vec<Box<dyn std::any::Any + Send + Sync>>) {
    for _ in 0..LIVE / TYPES {
        keep.push(Box::new(Leaf::<N> { _t: track!() }));
    }
}

macro_rules! make_all {
    ($keep:ident; $($n:literal)*) => { $( make::<$n>(&mut $keep); )* };
}

/// 1M live instances of 100 types, made once and kept for the whole run.
fn population() -> &'static Vec<Box<dyn std::any::Any + Send + Sync>> {
    static KEEP: OnceLock<Vec<Box<dyn std::any::Any + Send + Sync>>> = OnceLock::new();
    KEEP.get_or_init(|| {
        let mut keep = Vec::with_capacity(LIVE);
        make_all!(keep;
            0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29
            30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59
            60 61 62 63 64 65 66 67 68 69 70 71 72 73 74 75 76 77 78 79 80 81 82 83 84 85 86 87 88 89
            90 91 92 93 94 95 96 97 98 99);
        keep
    })
}

/// Type names as the day-long timeline sees them.
fn names() -> Vec<String> {
    (0..TYPES).map(|i| format!("app::module{}::Type{i}", i % 7)).collect()
}

/// A timeline of `samples` samples a second apart of 100 types with changing counts.
fn timeline_of(samples: u64, names: &[String]) -> Timeline {
    let mut timeline = Timeline::default();
    for s in 0..samples {
        let at = Duration::from_secs(s);
        timeline.record(at, names.iter().enumerate().map(|(i, n)| (n.as_str(), (s as usize * i) % 977, s * i as u64)));
    }
    timeline
}

fn main() {
    println!("instrack::ENABLED = {}", instrack::ENABLED);
    let names = names();
    let before = counting::live_bytes();
    let day = timeline_of(DAY, &names);
    let bytes = counting::live_bytes() - before;
    let points: usize = day.series().iter().map(|s| s.points().len()).sum();
    println!(
        "a day-long timeline ({DAY} samples at 1 s, {TYPES} types): {bytes} bytes ({:.1} KiB per type), \
         {points} points ({} per type), span {:?}",
        bytes as f64 / 1024.0 / TYPES as f64,
        points / TYPES,
        day.span()
    );
    drop(day);
    if instrack::ENABLED {
        let _ = population();
    } else {
        println!("tracking is compiled out: `sample` reads no counts; run with --features tracking");
    }
    divan::main();
}

/// One sample: read the counters of 100 types (1M live instances among
/// them, made before the run) and record them in a timeline.
#[divan::bench(sample_size = 100)]
fn one_sample(b: divan::Bencher) {
    let _ = population();
    let mut timeline = Timeline::default();
    let mut second = 0u64;
    b.bench_local(|| {
        second += 1;
        timeline.sample(Duration::from_secs(second));
    });
    black_box(timeline);
}

/// Recording one sample of 100 types into a timeline already a day long:
/// the bookkeeping alone, merges included.
#[divan::bench(sample_size = 100)]
fn record_into_a_full_day(b: divan::Bencher) {
    let names = names();
    let mut timeline = timeline_of(DAY, &names);
    let mut second = DAY;
    b.bench_local(|| {
        second += 1;
        let s = second as usize;
        timeline.record(
            Duration::from_secs(second),
            names.iter().enumerate().map(|(i, n)| (n.as_str(), s % (i + 3), s as u64)),
        );
    });
    black_box(timeline);
}

/// A copy of a day-long timeline: what `Sampler::timeline` costs.
#[divan::bench(sample_size = 10)]
fn copy_a_day(b: divan::Bencher) {
    let day = timeline_of(DAY, &names());
    b.bench_local(|| black_box(day.clone()));
}
