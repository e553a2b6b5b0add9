//! The live endpoint: [`serve`] answers the page, the reports and the JSON
//! over HTTP on a loopback address.
//!
//! Blocking std sockets on threads of the server's own: no async runtime is
//! imposed on the program. Requests are read with `httparse` (the parser
//! under `hyper`, no dependency of its own). A server crate such as
//! `tiny_http` was the first choice, but its 0.12 release reads a header line
//! of any length, sets no socket timeout, spawns a thread per connection with
//! no cap, and leaves its accept thread blocked when the server is dropped:
//! every bound this endpoint promises would have had to be rebuilt around it.
//!
//! # The bounds
//! - One request per connection (`Connection: close`); its head must fit in
//!   [`MAX_REQUEST_HEAD`] bytes and 32 headers, else `431`.
//! - Exactly one `Host`, naming a loopback host (see `host.rs`): `400` if it
//!   is missing (HTTP/1.1), repeated or malformed, `421` for another host.
//! - A client has [`ServerBuilder::timeout`] to send its request and as long
//!   again to read the answer, whatever it does byte by byte; then the
//!   connection is closed (`408` if the request was not complete).
//! - At most [`ServerBuilder::max_connections`] connections at once; more are
//!   answered `503` at once, without their request being read: the thread
//!   that accepts connections never waits on a client, so clients that
//!   trickle bytes into the overflow cannot delay anyone else's answer.
//! - One answer is built at a time, from data copied out of the tracker:
//!   no lock of the tracker is held while a client is read or written.
//! - Dropping the [`Server`] shuts every connection down and returns within
//!   about 50 ms, plus the end of an answer being built at that moment (a
//!   snapshot of a large program takes a while); it never waits for a
//!   client's deadline.
//!
//! Inside: `mod.rs` is the public server, its builder and the state its
//! connections share; `conn.rs` accepts connections, reads requests and
//! writes answers within the bounds; `open.rs` keeps the open connections
//! (to shut them down) and the ones turned away; `host.rs` judges a
//! request's `Host`; `routes.rs` decides each answer.

mod conn;
mod host;
mod open;
mod routes;

use crate::Sampler;
use std::io;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// The largest request head (request line and headers) a client may send.
pub const MAX_REQUEST_HEAD: usize = 8 * 1024;

/// Serves the page and the reports on `addr`, a loopback address (`127.0.0.1:0`
/// picks a free port), from a thread of its own, with a [`Sampler`] of its own
/// that samples every second for the chart and the suspects.
///
/// Routes (GET and HEAD only; anything else is `405`):
///
/// | path | content |
/// |---|---|
/// | `/` | the HTML page ([`html::Page`](crate::html::Page)), built at each request |
/// | `/report.txt` | the report of every tracked type ([`report`](crate::report)) |
/// | `/snapshot.json` | the snapshot as JSON (the `serde` feature's schema) |
/// | `/timeline.json` | the sampler's timeline as JSON |
/// | `/growth.txt` | the growth since sampling started ([`Timeline::growth`](crate::Timeline::growth): it does not disturb your calls to [`growth`](crate::growth)) |
/// | `/cycles.dot` | the leaked cycles as Graphviz DOT |
///
/// When tracking is compiled out, every route answers a page that says so.
/// Dropping the [`Server`] stops it at once (see [`Server`]). To share a sampler of your own, to bind
/// a non-loopback address, or to change the bounds, use [`Server::builder`].
///
/// # Errors
/// If `addr` is not a loopback address (the page shows process internals:
/// `Debug` text may hold secrets), or cannot be bound.
///
/// # Examples
/// ```no_run
/// let server = instrack::serve("127.0.0.1:0").unwrap();
/// println!("instrack: http://{}/", server.addr());
/// ```
pub fn serve<A: ToSocketAddrs>(addr: A) -> io::Result<Server> {
    Server::builder().serve(addr)
}

/// A running instrack HTTP endpoint; see [`serve`].
///
/// Dropping it stops the server: it stops accepting, shuts every open
/// connection down (a client in the middle of sending its request or reading
/// an answer sees the connection end) and waits for the server's threads.
/// That takes up to 50 ms (the accept loop's poll), plus the end of an answer
/// being built at that moment, if any; answers still waiting for their turn
/// are not built. It never waits for a client, whatever the timeout.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl Server {
    /// A builder to choose the sampler, the bounds, and whether a
    /// non-loopback address may be bound.
    pub fn builder() -> ServerBuilder {
        ServerBuilder {
            sampler: None,
            sample_every: Duration::from_secs(1),
            any_address: false,
            max_connections: 8,
            timeout: Duration::from_secs(5),
            title: None,
        }
    }

    /// The address the server listens on (with the port chosen, for port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The page's URL: `http://ADDR/`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

/// Configures a [`Server`]; from [`Server::builder`].
///
/// # Examples
/// ```no_run
/// use std::sync::Arc;
/// use std::time::Duration;
///
/// let sampler = Arc::new(instrack::Sampler::start(Duration::from_secs(10)));
/// let server = instrack::Server::builder()
///     .sampler(sampler.clone()) // the page charts the program's own sampler
///     .timeout(Duration::from_secs(2))
///     .serve("127.0.0.1:8077")
///     .unwrap();
/// ```
#[derive(Debug)]
pub struct ServerBuilder {
    sampler: Option<Arc<Sampler>>,
    sample_every: Duration,
    any_address: bool,
    max_connections: usize,
    timeout: Duration,
    title: Option<String>,
}

impl ServerBuilder {
    /// Charts the timeline of this sampler instead of starting one. The
    /// server keeps it (and so its thread) alive until the server drops.
    pub fn sampler(mut self, sampler: Arc<Sampler>) -> Self {
        self.sampler = Some(sampler);
        self
    }

    /// The interval of the sampler the server starts when none is given
    /// (one second by default).
    pub fn sample_every(mut self, interval: Duration) -> Self {
        self.sample_every = interval;
        self
    }

    /// Allows an address other than loopback (`0.0.0.0`, a LAN address).
    /// **Anyone who can reach it can read** the program's type names, file
    /// names and the `Debug` text of its shared values, which may hold
    /// secrets, with no authentication. Prefer loopback and an SSH tunnel.
    ///
    /// A request's `Host` must still name this machine: a loopback name or
    /// address, or the address the client connected to (so open
    /// `http://192.168.1.5:8077/`, not a DNS name of the machine, which is
    /// answered `421` like any other name).
    pub fn allow_non_loopback_address_exposing_debug_text(mut self) -> Self {
        self.any_address = true;
        self
    }

    /// At most this many connections at once (8 by default); more are
    /// answered `503` and closed.
    pub fn max_connections(mut self, n: usize) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// How long a client has to send its request, and again to read the
    /// answer (5 s by default). Dropping the [`Server`] does not wait for it.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// The page's title; the program's name by default.
    pub fn title(mut self, title: &str) -> Self {
        self.title = Some(title.to_owned());
        self
    }

    /// Binds `addr` and starts serving; see [`serve`].
    ///
    /// # Errors
    /// If `addr` resolves to no loopback address and
    /// [`allow_non_loopback_address_exposing_debug_text`](Self::allow_non_loopback_address_exposing_debug_text)
    /// was not called, or if binding fails.
    pub fn serve<A: ToSocketAddrs>(self, addr: A) -> io::Result<Server> {
        let candidates: Vec<SocketAddr> = addr.to_socket_addrs()?.collect();
        let allowed: Vec<SocketAddr> =
            candidates.iter().copied().filter(|a| self.any_address || a.ip().is_loopback()).collect();
        if allowed.is_empty() {
            let shown: Vec<String> = candidates.iter().map(|a| a.to_string()).collect();
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!(
                    "instrack::serve refuses to listen on {}: not a loopback address. The page shows process \
                     internals (type names, file names, Debug text that may hold secrets) to anyone who can \
                     connect. Use 127.0.0.1 or [::1] (and an SSH tunnel to reach it from elsewhere), or opt in \
                     with Server::builder().allow_non_loopback_address_exposing_debug_text()",
                    if shown.is_empty() { "no address".to_owned() } else { shown.join(", ") }
                ),
            ));
        }
        let listener = TcpListener::bind(&allowed[..])?;
        let addr = listener.local_addr()?;
        // Non-blocking accept, polled: dropping the `Server` is seen within
        // `POLL` with no wake-up connection that could fail.
        listener.set_nonblocking(true)?;
        let sampler = match self.sampler {
            Some(s) => s,
            None => Arc::new(Sampler::start(self.sample_every)),
        };
        let stop = Arc::new(AtomicBool::new(false));
        let state = Arc::new(ServerState {
            sampler,
            timeout: self.timeout,
            any_address: self.any_address,
            title: self.title,
            building: Mutex::new(()),
            stop: stop.clone(),
        });
        let accept = thread::Builder::new()
            .name("instrack-http".into())
            .spawn(move || conn::accept_loop(listener, state, self.max_connections))?;
        Ok(Server { addr, stop, accept: Some(accept) })
    }
}

/// What every connection of one server reads.
struct ServerState {
    sampler: Arc<Sampler>,
    timeout: Duration,
    /// A non-loopback bind was opted in to: a `Host` may also name the
    /// address the client connected to (see [`host`]).
    any_address: bool,
    title: Option<String>,
    /// One answer is built at a time: a burst of requests cannot take many
    /// snapshots of a large program at once.
    building: Mutex<()>,
    /// Set when the [`Server`] is dropped: the accept loop stops, and an
    /// answer not yet built is not built.
    stop: Arc<AtomicBool>,
}
