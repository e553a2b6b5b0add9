//! Snapshots and diffs: accessors, new/deleted/delta per type, leak
//! candidates grouped by site, narrowing, and snapshots under concurrency.

use instrack::{track, Tracked};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;

#[test]
fn a_snapshot_gives_types_and_instances_to_programs() {
    #[derive(Debug)]
    struct Cell {
        _t: Tracked<Self>,
    }
    let keep: Vec<Cell> = (0..3).map(|_| Cell { _t: track!() }).collect();
    drop(Cell { _t: track!() });
    let snap = instrack::snapshot().narrow("Cell");
    if !instrack::ENABLED {
        assert_eq!((snap.types().len(), snap.instances().len()), (0, 0));
        return;
    }
    let t = snap.types().next().unwrap();
    assert!(t.name().ends_with("::Cell"));
    assert_eq!((t.counts().live, t.counts().total, t.counts().peak), (3, 4, 4));
    assert_eq!(snap.counts("Cell").live, 3);
    let ids: Vec<u64> = snap.instances().map(|i| i.id()).collect();
    assert_eq!(ids, keep.iter().map(|c| c._t.id().unwrap()).collect::<Vec<_>>());
    assert!(snap.instances().all(|i| i.file() == "tests/it/diff.rs" && i.module_path() == "it::diff"));
    assert!(snap.to_string().contains("::Cell: 3 live, 4 total, 4 peak"));
}

#[test]
fn a_diff_counts_created_dropped_and_net_and_lists_the_new_survivors() {
    #[derive(Debug)]
    struct Page {
        _t: Tracked<Self>,
    }
    #[derive(Debug)]
    struct Style(#[allow(dead_code)] u8);
    let old_page = Page { _t: track!() };
    let before = instrack::snapshot();
    let mut cache = Vec::new();
    let mut styles = Vec::new();
    for i in 0..10_000u32 {
        cache.push(Page { _t: track!() }); // one line leaks 10k
        drop(Page { _t: track!() });
        if i < 2 {
            let s = Arc::new(Style(i as u8));
            track!(&s);
            styles.push(s);
        }
    }
    drop(old_page);
    let diff = instrack::snapshot().diff(&before);
    let text = diff.to_string();
    if !instrack::ENABLED {
        assert!(text.contains("compiled out"), "{text}");
        assert_eq!(diff.types().len(), 0);
        return;
    }
    let page = diff.types().find(|t| t.name.ends_with("::Page")).unwrap();
    assert_eq!((page.created, page.dropped, page.net, page.live), (20_000, 10_001, 9_999, 10_000));
    let style = diff.types().find(|t| t.name.ends_with("::Style")).unwrap();
    assert_eq!((style.created, style.dropped, style.net), (2, 0, 2));
    assert_eq!(diff.new_instances().filter(|i| i.type_name().ends_with("::Page")).count(), 10_000);
    assert!(diff.new_instances().all(|i| i.id() != 0));
    // Ten thousand leaks from one line read as one line.
    let page_lines: Vec<&str> =
        text.lines().filter(|l| l.contains("tests/it/diff.rs") && l.contains("::Page")).collect();
    assert_eq!(page_lines.len(), 1, "{text}");
    assert!(page_lines[0].contains("×10000"), "{text}");
    assert!(text.contains("new instances still alive, by site:"), "{text}");
    let header = text.lines().nth(1).unwrap();
    for column in ["type", "new", "deleted", "delta", "live"] {
        assert!(header.contains(column), "{text}");
    }
    assert!(text.lines().any(|l| l.contains("::Page") && l.contains("+9999")), "{text}");
}

#[test]
fn a_narrowed_earlier_snapshot_narrows_the_diff() {
    #[derive(Debug)]
    struct Wanted {
        _t: Tracked<Self>,
    }
    #[derive(Debug)]
    struct Unwanted {
        _t: Tracked<Self>,
    }
    let before = instrack::snapshot().narrow("Wanted");
    let _w = Wanted { _t: track!() };
    let _u = Unwanted { _t: track!() };
    let diff = instrack::snapshot().diff(&before);
    assert!(diff.types().all(|t| !t.name.ends_with("Unwanted")));
    assert!(diff.new_instances().all(|i| !i.type_name().ends_with("Unwanted")));
    assert_eq!(diff.new_instances().count(), usize::from(instrack::ENABLED));
}

/// Snapshots taken while other threads create and drop instances: every
/// count is one the type really had (live never above total, never negative,
/// and within what the threads could have made), and the end state is exact.
#[test]
fn snapshots_under_concurrent_churn_give_consistent_counts() {
    #[derive(Debug)]
    struct Churn {
        _t: Tracked<Self>,
    }
    const THREADS: usize = 3;
    const HELD: usize = 100;
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..THREADS)
        .map(|_| {
            let stop = stop.clone();
            thread::spawn(move || {
                let mut held: Vec<Churn> = Vec::new();
                let mut made = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    held.push(Churn { _t: track!() });
                    made += 1;
                    if held.len() > HELD {
                        held.swap_remove(0);
                    }
                }
                (held, made)
            })
        })
        .collect();
    let mut last_total = 0;
    for _ in 0..50 {
        let snap = instrack::snapshot().narrow("Churn");
        if let Some(t) = snap.types().next() {
            let c = t.counts();
            assert!(c.live <= THREADS * (HELD + 1), "{c:?}");
            assert!(c.live as u64 <= c.total && c.total >= last_total, "{c:?}");
            assert!(c.peak >= c.live);
            assert!(snap.instances().len() <= THREADS * (HELD + 1));
            last_total = c.total;
        }
    }
    stop.store(true, Ordering::Relaxed);
    let results: Vec<(Vec<Churn>, u64)> = workers.into_iter().map(|w| w.join().unwrap()).collect();
    let held: usize = results.iter().map(|r| r.0.len()).sum();
    let made: u64 = results.iter().map(|r| r.1).sum();
    let n = instrack::counts::<Churn>();
    if instrack::ENABLED {
        assert_eq!((n.live, n.total), (held, made));
        assert_eq!(instrack::snapshot().narrow("Churn").instances().len(), held);
    }
}

#[test]
fn swapped_arguments_are_compared_the_right_way_round_and_said_so() {
    struct Swapped {
        _t: Tracked<Self>,
    }
    let older = instrack::snapshot().narrow("Swapped");
    std::thread::sleep(std::time::Duration::from_millis(2));
    let kept: Vec<Swapped> = (0..3).map(|_| Swapped { _t: track!() }).collect();
    let newer = instrack::snapshot();
    let wrong = older.diff(&newer);
    let right = newer.diff(&older);
    assert!(wrong.swapped());
    assert!(!right.swapped());
    assert_eq!(wrong.interval(), right.interval());
    assert!(wrong.interval() >= std::time::Duration::from_millis(2));
    let text = wrong.to_string();
    if !instrack::ENABLED {
        return;
    }
    assert!(text.starts_with("instrack: the snapshots were given newest first"), "{text}");
    assert!(text.contains("newer.diff(&older)"), "{text}");
    let t = wrong.types().next().expect(&text);
    assert_eq!((t.created, t.dropped, t.net, t.live), (3, 0, 3, 3), "{text}");
    assert_eq!(wrong.new_instances().count(), kept.len());
    assert!(!right.to_string().contains("newest first"));
}
