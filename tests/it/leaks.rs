//! Leak assertions: `assert_no_leaks!`, `survivors`, checkpoints, and
//! `expect_dropped`. Each test here runs in parallel with the others; none
//! may see another's instances.

use instrack::{assert_no_leaks, expect_dropped, survivors, track, Tracked};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::{Arc, Barrier};
use std::thread;

fn panic_text(f: impl FnOnce()) -> Option<String> {
    let err = catch_unwind(AssertUnwindSafe(f)).err()?;
    Some(err.downcast_ref::<String>().cloned().or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string())).unwrap())
}

#[derive(Debug)]
struct Request {
    _t: Tracked<Self>,
}

#[test]
fn a_block_that_frees_everything_passes_and_returns_its_value() {
    let v = assert_no_leaks!({
        let r = Request { _t: track!() };
        let a = Arc::new(7u8);
        track!(&a);
        drop((r, a));
        "done"
    });
    assert_eq!(v, "done");
}

#[test]
fn a_leaking_block_panics_naming_each_survivor() {
    let mut cache = Vec::new();
    let mut shared = Vec::new();
    let line = line!() + 3;
    let message = panic_text(|| {
        assert_no_leaks!({
            cache.push(Request { _t: track!() });
            drop(Request { _t: track!() });
            let a = Arc::new(String::from("kept"));
            track!(&a);
            shared.push(a);
        })
    });
    if !instrack::ENABLED {
        assert_eq!(message, None, "compiled out, nothing is checked");
        return;
    }
    let message = message.expect("the block leaked, so it must panic");
    assert!(message.starts_with("instrack: 2 tracked instances made here are still alive:"), "{message}");
    let id = cache[0]._t.id().unwrap();
    assert!(message.contains(&format!("leaks::Request #{id}  tests/it/leaks.rs:{line}  thread ")), "{message}");
    assert!(message.contains("alloc::string::String #"), "{message}");
    assert!(message.contains("\"kept\""), "the Debug text of a shared survivor: {message}");
}

#[test]
fn the_function_form_returns_the_survivors() {
    let mut pool = Vec::new();
    let (n, leaked) = survivors(|| {
        pool.push(Request { _t: track!() });
        pool.push(Request { _t: track!() });
        pool.len()
    });
    assert_eq!(n, 2);
    if instrack::ENABLED {
        let ids: Vec<u64> = leaked.iter().map(|i| i.id()).collect();
        assert_eq!(ids, pool.iter().map(|r| r._t.id().unwrap()).collect::<Vec<_>>());
    } else {
        assert!(leaked.is_empty());
    }
}

/// Another thread leaks while this block runs: not this block's leak.
#[test]
fn instances_of_other_threads_never_fail_the_assertion() {
    let started = Arc::new(Barrier::new(2));
    let done = Arc::new(Barrier::new(2));
    let (s, d) = (started.clone(), done.clone());
    let other = thread::spawn(move || {
        s.wait();
        let leak: Vec<Request> = (0..100).map(|_| Request { _t: track!() }).collect();
        d.wait();
        leak
    });
    assert_no_leaks!({
        started.wait();
        let local = Request { _t: track!() };
        done.wait(); // the other thread's 100 are alive now
        drop(local);
    });
    let leak = other.join().unwrap();
    assert_eq!(leak.len(), 100);
}

/// Checkpoints survive a thread's id block running out (blocks of 1024).
#[test]
fn checkpoints_hold_across_id_blocks() {
    let cp = instrack::checkpoint();
    let mut kept = Vec::new();
    for i in 0..5_000 {
        let r = Request { _t: track!() };
        if i % 1_000 == 999 {
            kept.push(r);
        }
    }
    assert_eq!(cp.survivors().len(), if instrack::ENABLED { 5 } else { 0 });
    drop(kept);
    cp.assert_no_survivors();
}

#[test]
fn expect_dropped_passes_once_the_last_owner_is_gone() {
    let config = Arc::new(vec![1, 2, 3]);
    let watch = expect_dropped(&config);
    let reader = Arc::clone(&config);
    drop(config);
    assert!(!watch.is_dropped());
    assert_eq!(watch.strong_count(), 1);
    drop(reader);
    assert!(watch.is_dropped());
    watch.assert_dropped();

    let node = Rc::new("node");
    let watch = expect_dropped(&node);
    drop(node);
    watch.assert_dropped();
}

/// `expect_dropped` needs no registry: it checks in every build mode.
#[test]
fn expect_dropped_fails_with_what_where_and_how_many_owners() {
    let parent = Rc::new(String::from("parent"));
    let line = line!() + 1;
    let watch = expect_dropped(&parent);
    let _child_a = Rc::clone(&parent);
    let _child_b = Rc::clone(&parent);
    drop(parent);
    let message = panic_text(|| watch.assert_dropped()).expect("still owned twice");
    assert_eq!(
        message,
        format!(
            "instrack: expected the `alloc::string::String` watched at tests/it/leaks.rs:{line}:17 to be dropped, \
             but 2 strong references to it remain"
        )
    );
}

/// Issue 16, fault 3: a survivor whose `Debug` panics fails the assertion
/// with its text; the process used to abort ("panicked while processing
/// panic"), as the panic's own message ran the `Debug`.
#[test]
fn a_survivor_whose_debug_panics_fails_the_assertion_without_aborting() {
    struct Grumpy;
    impl std::fmt::Debug for Grumpy {
        fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            panic!("no debug for you")
        }
    }
    let mut kept = Vec::new();
    let message = panic_text(|| {
        assert_no_leaks!({
            let g = Arc::new(Grumpy);
            track!(&g);
            kept.push(g);
        })
    });
    if !instrack::ENABLED {
        assert_eq!(message, None);
        return;
    }
    let message = message.expect("the block leaked, so it must panic");
    assert!(message.contains("<Debug panicked: no debug for you>"), "{message}");
}
