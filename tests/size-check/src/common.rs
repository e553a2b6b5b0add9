//! What both programs do: make tracked values, plain and shared.

use instrack::{track, Tracked};
use std::rc::Rc;
use std::sync::Arc;

#[derive(Debug)]
pub struct Session {
    pub user: String,
    _tracked: Tracked<Self>,
}

#[derive(Debug)]
pub struct Node {
    pub name: String,
}

impl instrack::Trace for Node {
    fn trace(&self, _: &mut instrack::Edges<'_>) {}
}

pub fn work() -> (Vec<Session>, Arc<Node>, Rc<Node>) {
    let sessions: Vec<Session> =
        std::env::args().map(|user| Session { user, _tracked: track!() }).collect();
    let shared = Arc::new(Node { name: "arc".into() });
    track!(&shared);
    let local = Rc::new(Node { name: "rc".into() });
    track!(&local);
    let users: Vec<&str> = sessions.iter().map(|s| s.user.as_str()).collect();
    println!("{} sessions, {} {}", users.join(" "), shared.name, local.name);
    (sessions, shared, local)
}
