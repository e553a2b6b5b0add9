//! A small server under synthetic load, watched while it runs: it leaks one
//! type slowly and churns the others, and the sampler's timeline and
//! suspects name the leak without a report planted anywhere.
//!
//!     cargo run --example leaky_server              # tracking on (debug build)
//!     cargo run --example leaky_server --release    # tracking compiled out
//!
//! For three seconds, clients send requests. Each `Request` lives for one
//! request; `Connection`s come and go with the load; the response `Cache`
//! fills and is flushed twice a second (a sawtooth, not a leak). The bug:
//! every 200th request logs its client in again, and the old `Session` stays
//! in `sessions_by_token`, which nobody prunes.

use instrack::{track, Sampler, Tracked};
use std::collections::HashMap;
use std::time::{Duration, Instant};

#[derive(Debug)]
#[allow(dead_code)] // read through Debug
struct Session {
    user: String,
    _tracked: Tracked<Self>,
}

#[derive(Debug)]
#[allow(dead_code)] // read through Debug
struct Connection {
    peer: u32,
    _tracked: Tracked<Self>,
}

#[derive(Debug)]
#[allow(dead_code)] // read through Debug
struct Request {
    path: &'static str,
    _tracked: Tracked<Self>,
}

#[derive(Debug)]
#[allow(dead_code)] // read through Debug
struct CacheEntry {
    body: Vec<u8>,
    _tracked: Tracked<Self>,
}

#[derive(Default)]
struct Server {
    connections: Vec<Connection>,
    sessions_by_token: HashMap<u64, Session>,
    cache: Vec<CacheEntry>,
    served: u64,
}

impl Server {
    fn handle(&mut self, client: u32) {
        let request = Request { path: "/feed", _tracked: track!() };
        self.served += 1;
        if self.served % 200 == 0 {
            // Re-login: a new token, and the old session is never removed.
            let session = Session { user: format!("user{client}"), _tracked: track!() };
            self.sessions_by_token.insert(self.served, session);
        }
        self.cache.push(CacheEntry { body: request.path.as_bytes().to_vec(), _tracked: track!() });
        drop(request);
    }

    /// The load rises and falls: connections follow it.
    fn adjust_connections(&mut self, wanted: usize) {
        while self.connections.len() < wanted {
            let peer = self.connections.len() as u32;
            self.connections.push(Connection { peer, _tracked: track!() });
        }
        self.connections.truncate(wanted);
    }
}

fn main() {
    // Declared first, so it reports last, after the server is gone: the
    // sessions leak while the server runs, and are freed with it, so the
    // exit report finds none alive. The timeline is what catches this leak.
    let _report = instrack::report_at_exit("Session");
    let sampler = Sampler::start(Duration::from_millis(20));
    let mut server = Server::default();
    let start = Instant::now();
    let mut tick = 0u64;
    while start.elapsed() < Duration::from_secs(3) {
        tick += 1;
        server.adjust_connections(10 + (tick * 7 % 23) as usize);
        for client in 0..server.connections.len() as u32 {
            server.handle(client);
        }
        if tick % 100 == 0 {
            server.cache.clear(); // the flush: the cache's floor stays at zero
        }
        std::thread::sleep(Duration::from_millis(5));
    }

    let timeline = sampler.timeline();
    print!("{timeline}");
    let suspects = timeline.suspects();
    if suspects.is_empty() && instrack::ENABLED {
        println!("no suspects");
    }
    for suspect in &suspects {
        println!("suspect: {suspect}");
    }
    print!("\n{}", timeline.growth());
    drop(sampler);
}
