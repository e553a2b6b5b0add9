//! Which tokio task made each live instance: a server that handles each
//! request in a task of its own, and keeps the session of one request in
//! five by mistake.
//!
//! ```text
//! cargo run --example tasks --features tokio
//! ```
//!
//! The report names the task beside the thread (`task 13`), and the
//! by-site view lists the tasks that made each site's instances: here the
//! leaked sessions come from five different requests, on whichever worker
//! each request ran.

use instrack::{track, Tracked};
use std::sync::{Arc, Mutex};

#[derive(Debug)]
#[allow(dead_code)] // shown through Debug
struct Session {
    user: u32,
}

struct Request {
    _tracked: Tracked<Self>,
}

/// Handles one request: a `Request` for its span, a tracked `Session`.
async fn handle(user: u32, cache: Arc<Mutex<Vec<Arc<Session>>>>) {
    let _request = Request { _tracked: track!() };
    let session = Arc::new(Session { user });
    track!(&session);
    tokio::task::yield_now().await; // the rest may run on another worker
    if user % 5 == 0 {
        cache.lock().unwrap().push(session); // the leak: never removed
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("worker")
        .build()
        .expect("a tokio runtime");
    let cache = Arc::new(Mutex::new(Vec::new()));
    runtime.block_on(async {
        let requests: Vec<_> = (1..=25).map(|user| tokio::spawn(handle(user, cache.clone()))).collect();
        for request in requests {
            request.await.expect("the request's task ran");
        }
    });
    // Every request is done: any `Request` or `Session` left is a leak.
    let snapshot = instrack::snapshot().narrow("Request Session");
    print!("{snapshot}");
    print!("{}", snapshot.by_site());
    if !instrack::ENABLED {
        return;
    }
    let leaked: Vec<_> = snapshot.instances().collect();
    assert_eq!(leaked.len(), 5, "one session in five leaked");
    assert!(leaked.iter().all(|i| i.task().is_some() == cfg!(feature = "tokio")));
}
