//! A tiny chat server with a leak, and the report that finds it.
//!
//!     cargo run --example server              # tracking on (debug build)
//!     cargo run --example server --release    # tracking compiled out
//!
//! Clients connect, log in and disconnect. Each `Connection` owns a `Session`.
//! The bug: a client that disconnects without logging out leaves its session
//! in the server's `recent` cache, which nobody ever prunes.

use instrack::{track, Tracked};
use std::collections::HashMap;

#[derive(Debug)]
struct Server {
    connections: HashMap<u32, Connection>,
    recent: Vec<Session>,
    _tracked: Tracked<Self>,
}

#[derive(Debug)]
struct Connection {
    peer: String,
    session: Option<Session>,
    _tracked: Tracked<Self>,
}

#[derive(Debug, Clone)]
struct Session {
    user: String,
    _tracked: Tracked<Self>,
}

impl Server {
    fn new() -> Self {
        Server { connections: HashMap::new(), recent: Vec::new(), _tracked: track!() }
    }

    fn connect(&mut self, id: u32) {
        let conn = Connection { peer: format!("10.0.0.{id}:5000"), session: None, _tracked: track!() };
        self.connections.insert(id, conn);
    }

    fn login(&mut self, id: u32, user: &str) {
        let session = Session { user: user.to_owned(), _tracked: track!() };
        // Cached "for quick reconnects": the copy that leaks.
        self.recent.push(session.clone());
        if let Some(conn) = self.connections.get_mut(&id) {
            conn.session = Some(session);
        }
    }

    fn logout(&mut self, id: u32) {
        if let Some(conn) = self.connections.get_mut(&id) {
            if let Some(s) = conn.session.take() {
                self.recent.retain(|r| r.user != s.user);
            }
        }
    }

    fn disconnect(&mut self, id: u32) {
        self.connections.remove(&id);
    }
}

fn main() {
    let mut server = Server::new();
    for id in 0..40 {
        server.connect(id);
        server.login(id, &format!("user{id}"));
        if id % 4 != 0 {
            server.logout(id); // three clients in four log out politely
        }
        if id < 36 {
            server.disconnect(id);
        }
    }
    // 4 clients are still connected, so 4 connections are expected; but
    // every client that skipped logout left a session behind.
    println!("connected clients: {}", server.connections.len());
    println!("peers: {:?}", server.connections.values().map(|c| c.peer.as_str()).collect::<Vec<_>>());
    println!("sessions in use: {}", server.connections.values().filter(|c| c.session.is_some()).count());
    println!("cached users: {:?}", server.recent.iter().map(|s| s.user.as_str()).take(3).collect::<Vec<_>>());
    println!();
    instrack::report("*");

    let sessions = instrack::counts::<Session>();
    let in_use = server.connections.values().filter(|c| c.session.is_some()).count();
    if instrack::ENABLED {
        println!(
            "\nSession: {} live ({} total, {} peak) while {in_use} is in use: the `recent` cache leaks \
             the sessions of clients that never logged out. Each line above gives the site that made one.",
            sessions.live, sessions.total, sessions.peak
        );
    }
}
