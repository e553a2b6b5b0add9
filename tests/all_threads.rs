//! `checkpoint_all_threads` and `assert_no_leaks!(all_threads, …)` (issue 18,
//! point 6). A binary of its own: a checkpoint of every thread is exact only
//! when nothing else in the process makes instances meanwhile, so these tests
//! are kept out of `tests/it` (whose modules run in parallel) and take turns
//! on one lock here (under `cargo nextest` each runs in its own process).

use instrack::{assert_no_leaks, checkpoint, checkpoint_all_threads, track, Tracked};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;

fn one_at_a_time() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock().unwrap_or_else(|e| e.into_inner())
}

#[derive(Debug)]
struct Session {
    _t: Tracked<Self>,
}

#[derive(Debug)]
struct Page(#[allow(dead_code)] u32);

#[test]
fn survivors_made_on_any_thread_since_the_checkpoint_are_listed() {
    let _turn = one_at_a_time();
    // Made before the checkpoint on another thread, and still alive: not a survivor.
    let older = thread::spawn(|| Session { _t: track!() }).join().unwrap();
    let cp = checkpoint_all_threads();
    let mine = checkpoint();
    assert!(cp.is_all_threads() && !mine.is_all_threads());
    let kept = thread::Builder::new().name("worker".into()).spawn(|| Session { _t: track!() }).unwrap().join().unwrap();
    thread::spawn(|| drop(Session { _t: track!() })).join().unwrap();
    let page = thread::spawn(|| {
        let page = Arc::new(Page(7));
        track!(&page);
        page
    })
    .join()
    .unwrap();
    let survivors = cp.survivors();
    if !instrack::ENABLED {
        assert!(survivors.is_empty());
        return;
    }
    let found: Vec<(u64, &str, &str)> = survivors.iter().map(|i| (i.id(), i.type_name(), i.thread())).collect();
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(found[0], (kept._t.id().unwrap(), std::any::type_name::<Session>(), "worker"));
    assert_eq!(found[1].1, std::any::type_name::<Page>());
    assert_eq!(survivors[1].debug(), Some("Page(7)"));
    assert!(!found.iter().any(|f| Some(f.0) == older._t.id()), "made before the checkpoint");
    // The checkpoint of this thread alone sees none of them.
    assert!(mine.survivors().is_empty());
    drop((kept, page));
    assert!(cp.survivors().is_empty());
    cp.assert_no_survivors();
    drop(older);
}

#[test]
fn the_all_threads_assertion_catches_a_leak_on_a_spawned_thread() {
    let _turn = one_at_a_time();
    let sessions = Mutex::new(Vec::new());
    let leak = || {
        thread::scope(|s| {
            s.spawn(|| sessions.lock().unwrap().push(Session { _t: track!() }));
        })
    };
    // The thread's form passes: the leak is not on this thread (issue 18).
    assert_no_leaks!({ leak() });
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| assert_no_leaks!(all_threads, { leak() })));
    if !instrack::ENABLED {
        assert!(caught.is_ok());
        return;
    }
    let message = *caught.expect_err("a survivor made on another thread").downcast::<String>().unwrap();
    assert!(
        message.starts_with("instrack: 1 tracked instance made on any thread since the checkpoint is still alive:\n"),
        "{message}"
    );
    assert!(message.contains("all_threads::Session #"), "{message}");
    assert!(message.contains(&format!("{}:", file!())), "{message}");
    assert!(message.contains("  thread #"), "an unnamed spawned thread: {message}");
    sessions.lock().unwrap().clear();
    // Clean, and the block's value comes through.
    let n = assert_no_leaks!(all_threads, {
        leak();
        sessions.lock().unwrap().clear();
        5
    });
    assert_eq!(n, 5);
}
