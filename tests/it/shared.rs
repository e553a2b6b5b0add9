//! `track!(&arc)` and `track!(&rc)`: weak references, `Debug` text in
//! reports, panicking `Debug`, and re-entrant drops during a report.

use instrack::{counts, live, live_rc, track, Tracked};
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::thread;

fn report(pattern: &str) -> String {
    let mut out = Vec::new();
    instrack::report_to(&mut out, pattern).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn tracking_an_arc_never_keeps_it_alive() {
    #[derive(Debug)]
    struct Doc {
        _title: &'static str,
    }
    let a = Arc::new(Doc { _title: "a" });
    track!(&a);
    assert_eq!(Arc::strong_count(&a), 1);
    let weak = Arc::downgrade(&a);
    drop(a);
    assert!(weak.upgrade().is_none(), "the tracker kept the value alive");
    let n = counts::<Doc>();
    assert_eq!((n.live, n.total), if instrack::ENABLED { (0, 1) } else { (0, 0) });
}

#[test]
fn live_returns_the_live_arcs_oldest_first() {
    #[derive(Debug)]
    struct Cfg(u32);
    let all: Vec<Arc<Cfg>> = (0..5).map(|i| Arc::new(Cfg(i))).collect();
    for a in &all {
        track!(a);
    }
    let kept: Vec<Arc<Cfg>> = all.into_iter().filter(|c| c.0 % 2 == 0).collect();
    let found = live::<Cfg>();
    if instrack::ENABLED {
        assert_eq!(found.iter().map(|c| c.0).collect::<Vec<_>>(), [0, 2, 4]);
        assert!(found.iter().zip(&kept).all(|(a, b)| Arc::ptr_eq(a, b)));
        let n = counts::<Cfg>();
        assert_eq!((n.live, n.total, n.peak), (3, 5, 5));
    } else {
        assert!(found.is_empty());
    }
}

#[test]
fn counts_cover_tokens_and_shared_instances_alike() {
    #[derive(Debug)]
    struct Both;
    struct Holder {
        _t: Tracked<Both>,
    }
    let _h = Holder { _t: track!() };
    let a = Arc::new(Both);
    track!(&a);
    let r = Rc::new(Both);
    track!(&r);
    let n = counts::<Both>();
    assert_eq!((n.live, n.total), if instrack::ENABLED { (3, 3) } else { (0, 0) });
}

#[test]
fn rc_instances_are_visible_on_their_own_thread_only() {
    #[derive(Debug)]
    struct Node(#[allow(dead_code)] u8);
    let mine = Rc::new(Node(1));
    track!(&mine);
    let other_thread_live = thread::spawn(|| {
        let theirs = Rc::new(Node(2));
        track!(&theirs);
        let seen = live_rc::<Node>().len();
        std::mem::forget(theirs); // alive forever, on a thread that is gone
        seen
    })
    .join()
    .unwrap();
    let here = live_rc::<Node>();
    let n = counts::<Node>();
    if instrack::ENABLED {
        assert_eq!(other_thread_live, 1);
        assert_eq!(here.len(), 1);
        assert!(Rc::ptr_eq(&here[0], &mine));
        // `total` counts every thread's registrations; `live` this thread's.
        assert_eq!((n.live, n.total), (1, 2));
    } else {
        assert!(here.is_empty());
        assert_eq!(n.total, 0);
    }
}

#[test]
fn reports_show_the_debug_text_cut_to_a_bounded_length() {
    #[derive(Debug)]
    #[allow(dead_code)]
    struct Profile {
        name: String,
        bio: String,
    }
    let short = Arc::new(Profile { name: "ada".into(), bio: "math".into() });
    track!(&short);
    let long = Rc::new(Profile { name: "bob".into(), bio: "x".repeat(10_000) });
    track!(&long);
    let text = report("Profile");
    let snap = instrack::snapshot().narrow("Profile");
    if !instrack::ENABLED {
        assert_eq!(snap.instances().len(), 0);
        return;
    }
    assert!(text.contains(r#"Profile { name: "ada", bio: "math" }"#), "{text}");
    let cut = snap.instances().find_map(|i| i.debug().filter(|d| d.contains("bob"))).unwrap();
    assert_eq!(cut.chars().count(), 200, "199 characters and an ellipsis");
    assert!(cut.ends_with('…'));
    assert!(text.lines().all(|l| l.chars().count() < 400), "no line carries the whole bio");
    drop((short, long));
}

#[test]
fn a_panicking_debug_is_reported_and_does_not_break_the_report() {
    struct Grumpy;
    impl std::fmt::Debug for Grumpy {
        fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            panic!("no debug for you")
        }
    }
    #[derive(Debug)]
    struct Calm;
    let g = Arc::new(Grumpy);
    track!(&g);
    let c = Arc::new(Calm);
    track!(&c);
    let text = report("Grumpy Calm");
    if instrack::ENABLED {
        assert!(text.contains("<Debug panicked: no debug for you>"), "{text}");
        assert!(text.contains("  Calm\n"), "{text}");
    }
    // The registry still works afterwards.
    let again = report("Grumpy");
    assert_eq!(again.contains("Grumpy: 1 live"), instrack::ENABLED, "{again}");
}

/// Issue 16, fault 3: a `Debug` that panics with a megabyte of message still
/// gives one line of at most 200 characters.
#[test]
fn a_debug_panicking_with_a_megabyte_message_gives_one_short_line() {
    struct Loud;
    impl std::fmt::Debug for Loud {
        fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            panic!("{}\nFAKE::Type: 999 live", "x".repeat(1 << 20))
        }
    }
    let loud = Arc::new(Loud);
    track!(&loud);
    let text = report("Loud");
    let snap = instrack::snapshot().narrow("Loud");
    if !instrack::ENABLED {
        assert_eq!(snap.instances().len(), 0);
        return;
    }
    let debug = snap.instances().next().and_then(|i| i.debug()).expect("a Debug text").to_owned();
    assert!(debug.starts_with("<Debug panicked: xxxx"), "{debug}");
    assert!(debug.chars().count() <= 200, "{} characters", debug.chars().count());
    assert!(debug.ends_with("x…>"), "cut, and says so: {debug}");
    assert_eq!(text.lines().count(), 3, "a header, the type and the instance's line: {}", &text[..text.len().min(600)]);
    assert!(text.lines().all(|l| l.chars().count() < 400), "no line carries the message");
    drop(loud);
}

/// Issue 16, fault 3: a panic payload whose own `Drop` panics (a foreign
/// value the report must let go of) escapes neither the report nor `debug`.
#[test]
fn a_panic_payload_whose_drop_panics_does_not_escape_the_report() {
    struct Payload;
    impl Drop for Payload {
        fn drop(&mut self) {
            panic!("the payload's drop panicked");
        }
    }
    struct Booby;
    impl std::fmt::Debug for Booby {
        fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            std::panic::panic_any(Payload)
        }
    }
    let booby = Arc::new(Booby);
    track!(&booby);
    let text = std::panic::catch_unwind(|| report("Booby")).expect("the report returns");
    if instrack::ENABLED {
        assert!(text.contains("<Debug panicked: non-string payload>"), "{text}");
    }
    drop(booby);
}

/// The report upgrades each weak reference. If the value's last other owner
/// goes away meanwhile, the report holds the last strong reference, and its
/// drop runs the value's `Drop`, which here makes, drops and reports tracked
/// values. Nothing deadlocks and nothing is counted twice.
#[test]
fn a_report_may_end_up_dropping_the_last_reference() {
    static OWNER: Mutex<Option<Arc<Fragile>>> = Mutex::new(None);
    struct Fragile;
    #[derive(Debug)]
    struct Spawned;
    impl std::fmt::Debug for Fragile {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            // The outside owner lets go while the report holds a reference.
            drop(OWNER.lock().unwrap().take());
            f.write_str("Fragile")
        }
    }
    impl Drop for Fragile {
        fn drop(&mut self) {
            let s = Arc::new(Spawned);
            track!(&s);
            let _ = report("Spawned Fragile");
            let _ = counts::<Fragile>();
            std::mem::forget(s);
            let s2 = Arc::new(Spawned);
            track!(&s2);
        }
    }
    let f = Arc::new(Fragile);
    track!(&f);
    let weak = Arc::downgrade(&f);
    *OWNER.lock().unwrap() = Some(f);
    let text = report("Fragile");
    let (fragile, spawned) = (counts::<Fragile>(), counts::<Spawned>());
    if instrack::ENABLED {
        assert!(weak.upgrade().is_none(), "the report's reference was the last and is gone");
        assert!(text.contains("Fragile: 1 live"), "{text}");
        assert_eq!((fragile.live, fragile.total), (0, 1));
        assert_eq!((spawned.live, spawned.total), (1, 2));
    } else {
        assert!(weak.upgrade().is_some(), "compiled out, the report touches nothing");
        drop(OWNER.lock().unwrap().take());
    }
}

#[test]
fn arcs_registered_and_dropped_on_many_threads_count_exactly() {
    #[derive(Debug)]
    struct Job(#[allow(dead_code)] usize);
    let kept: Vec<Arc<Job>> = thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|t| {
                s.spawn(move || {
                    let mut kept = Vec::new();
                    for i in 0..5_000 {
                        let j = Arc::new(Job(i));
                        track!(&j);
                        if i % 100 == t {
                            kept.push(j);
                        }
                    }
                    kept
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let n = counts::<Job>();
    let found = live::<Job>();
    if instrack::ENABLED {
        assert_eq!((n.live, n.total), (kept.len(), 20_000));
        assert_eq!(found.len(), kept.len());
    } else {
        assert!(found.is_empty());
    }
}
