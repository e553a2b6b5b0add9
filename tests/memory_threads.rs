//! Threads that have exited leave behind only what live instances still
//! need (issue 16, fault 5): 20k short-lived threads that each make and drop
//! instances must not keep a name each, and a snapshot must not copy the
//! names of every thread that ever ran. Measured with a counting global
//! allocator, alone in this binary.

use instrack::{track, Tracked};
use std::sync::Arc;
use std::thread;

mod common;

#[derive(Debug)]
struct Message;

struct Job {
    _t: Tracked<Self>,
}

/// Runs `n` threads one after the other; each makes and drops a tracked
/// `Arc` and a `Tracked` value, then exits.
fn churn(n: usize) {
    for _ in 0..n {
        thread::spawn(|| {
            let m = Arc::new(Message);
            track!(&m);
            drop(Job { _t: track!() });
        })
        .join()
        .unwrap();
    }
}

/// Bytes allocated (freed or not) while `f` runs.
fn allocated_by(f: impl FnOnce()) -> isize {
    let before = common::allocated_bytes();
    f();
    common::allocated_bytes() - before
}

/// One test in this file, so no other test allocates while it measures.
#[test]
fn exited_threads_leave_nothing_behind_and_cost_queries_nothing() {
    const WARM_UP: usize = 1_000;
    const N: usize = 20_000;
    // Warm up: the registry, the pools of slots, the spare cells, and
    // whatever the thread runtime keeps.
    churn(WARM_UP);
    let snapshot_after_warm_up = allocated_by(|| drop(instrack::snapshot()));
    let before = common::live_bytes();
    churn(N);
    let retained = common::live_bytes() - before;
    let snapshot_after_n = allocated_by(|| drop(instrack::snapshot()));
    println!(
        "{N} exited threads retained {retained} bytes ({:.2} per thread); a snapshot of nothing allocated \
         {snapshot_after_warm_up} bytes after {WARM_UP} exited threads, {snapshot_after_n} after {}",
        retained as f64 / N as f64,
        WARM_UP + N
    );
    if instrack::ENABLED {
        let c = instrack::counts::<Job>();
        assert_eq!((c.live, c.total), (0, (WARM_UP + N) as u64));
        // Allowed: the names of the exited threads still waiting for a sweep
        // (fewer than 64 here) and the tables' spare capacity, well under a
        // byte per thread. Keeping each name costs ~50 bytes per thread.
        assert!(retained < 16 * 1024, "{N} exited threads retained {retained} bytes");
        assert!(
            snapshot_after_n <= snapshot_after_warm_up + 256,
            "a snapshot of nothing allocated {snapshot_after_warm_up} bytes after {WARM_UP} exited threads, \
             {snapshot_after_n} after {}",
            WARM_UP + N
        );
    }
}

/// RSS after 100k short-lived threads, and the time of a snapshot of nothing
/// before and after them: the figures of the issue, measured once by hand
/// (`cargo test --release --features tracking --test memory_threads -- --ignored --nocapture`).
#[test]
#[ignore = "a measurement, not a check: 100k threads take a few seconds"]
fn rss_and_snapshot_time_after_100k_threads() {
    fn rss_kib() -> u64 {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap_or("VmRSS: 0 kB");
        line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).unwrap_or(0)
    }
    fn snapshot_micros() -> f64 {
        let rounds = 200;
        let mut best = f64::MAX;
        for _ in 0..rounds {
            let t = std::time::Instant::now();
            drop(std::hint::black_box(instrack::snapshot()));
            best = best.min(t.elapsed().as_secs_f64() * 1e6);
        }
        best
    }
    churn(1_000);
    let (rss_before, snapshot_before) = (rss_kib(), snapshot_micros());
    churn(100_000);
    let (rss_after, snapshot_after) = (rss_kib(), snapshot_micros());
    println!(
        "RSS {rss_before} KiB -> {rss_after} KiB (+{} KiB) over 100k threads; snapshot of nothing \
         {snapshot_before:.1} us -> {snapshot_after:.1} us (best of 200)",
        rss_after as i64 - rss_before as i64
    );
}
