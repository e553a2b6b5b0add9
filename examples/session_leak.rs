//! The leak hunt of the README's "Reference cycles" section: sessions whose
//! `on_close` callback captures the session itself, found and named with
//! nothing but `#[derive(instrack::Trace)]` and a `TracedFn`.
//!
//!     cargo run --example session_leak --features derive
//!     cargo run --example session_leak --features derive --release   # compiled out
//!
//! A pool of worker threads opens and closes sessions; each session's
//! callback holds an `Arc` of its session, so no closed session is ever
//! freed. A page cache of a type without `Trace` is tracked too: the
//! analysis says it cannot see through it.

use instrack::{track, TracedFn};
use std::sync::{Arc, Mutex};
use std::thread;

type Callback = TracedFn<Box<dyn Fn() + Send + Sync>>;

#[derive(Debug, instrack::Trace)]
struct Session {
    user: String,                      // a leaf: nothing to write
    requests: u64,                     // likewise
    on_close: Mutex<Option<Callback>>, // traced as `.on_close`
}

/// Tracked, but with no `Trace` impl: the analysis cannot see what it holds.
#[derive(Debug)]
#[allow(dead_code)] // read through Debug
struct CachedPage {
    url: String,
}

fn open(user: String) -> Arc<Session> {
    let session = Arc::new(Session { user, requests: 0, on_close: Mutex::new(None) });
    track!(&session);
    let captured = Arc::clone(&session); // the bug: the callback owns its session
    let on_close = Callback::new(Box::new(move || println!("closing {}", captured.user))).holding(&session);
    *session.on_close.lock().unwrap() = Some(on_close);
    session
}

fn main() {
    let cache: Vec<Arc<CachedPage>> =
        (0..3).map(|i| Arc::new(CachedPage { url: format!("/home?nonce={i}") })).collect();
    for page in &cache {
        track!(page);
    }
    let workers: Vec<_> = (0..4)
        .map(|w| {
            thread::spawn(move || {
                for i in 0..25 {
                    let session = open(format!("user{w}-{i}"));
                    let _ = session.requests;
                    drop(session); // closed, never freed
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    let cycles = instrack::find_cycles();
    print!("{cycles}");
    if !instrack::ENABLED {
        return;
    }
    assert_eq!(cycles.len(), 100, "one cycle per session");
    assert_eq!(cycles.groups().len(), 1, "all of one shape");
}
