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
//!   [`MAX_REQUEST_HEAD`] bytes, else `431`.
//! - A client has [`ServerBuilder::timeout`] to send its request and as long
//!   again to read the answer, whatever it does byte by byte; then the
//!   connection is closed (`408` if the request was not complete).
//! - At most [`ServerBuilder::max_connections`] connections at once; more are
//!   answered `503` at once and closed.
//! - One answer is built at a time, from data copied out of the tracker:
//!   no lock of the tracker is held while a client is read or written.

use crate::html::Page;
use crate::Sampler;
use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// The largest request head (request line and headers) a client may send.
pub const MAX_REQUEST_HEAD: usize = 8 * 1024;
/// How often the accept loop looks whether its [`Server`] was dropped.
const POLL: Duration = Duration::from_millis(50);

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
/// Dropping the [`Server`] stops it. To share a sampler of your own, to bind
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

/// A running instrack HTTP endpoint; see [`serve`]. Dropping it stops the
/// server and waits for its threads (at most about its timeout).
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
        self.stop.store(true, Ordering::Relaxed);
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
    /// answer (5 s by default).
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
        let shared = Arc::new(Shared {
            sampler,
            timeout: self.timeout,
            host_check: !self.any_address,
            title: self.title,
            building: Mutex::new(()),
        });
        let stop = Arc::new(AtomicBool::new(false));
        let accept = {
            let stop = stop.clone();
            thread::Builder::new()
                .name("instrack-http".into())
                .spawn(move || accept_loop(listener, shared, stop, self.max_connections))?
        };
        Ok(Server { addr, stop, accept: Some(accept) })
    }
}

struct Shared {
    sampler: Arc<Sampler>,
    timeout: Duration,
    /// Answer only requests whose `Host` is a loopback name: a web page the
    /// user visits cannot then read the endpoint through DNS rebinding.
    host_check: bool,
    title: Option<String>,
    /// One answer is built at a time: a burst of requests cannot take many
    /// snapshots of a large program at once.
    building: Mutex<()>,
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>, stop: Arc<AtomicBool>, max: usize) {
    let active = Arc::new(AtomicUsize::new(0));
    let mut workers: Vec<JoinHandle<()>> = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        let (mut stream, _) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                thread::sleep(POLL);
                continue;
            }
            Err(_) => {
                // Out of file descriptors, a connection reset before accept:
                // try again later rather than spin or stop serving.
                thread::sleep(POLL);
                continue;
            }
        };
        workers.retain(|w| !w.is_finished());
        let _ = stream.set_nonblocking(false);
        if active.load(Ordering::Acquire) >= max {
            // A fresh socket's send buffer is empty: this write does not block.
            let _ = stream.set_write_timeout(Some(Duration::from_millis(100)));
            let _ = respond(&mut stream, &Answer::text(503, "too many connections; try again\n"), false, None);
            continue;
        }
        active.fetch_add(1, Ordering::AcqRel);
        let (shared, active_now) = (shared.clone(), active.clone());
        let spawned = thread::Builder::new().name("instrack-http-conn".into()).spawn(move || {
            // Gives the place back even if building the answer panics.
            let _place = Place(active_now);
            connection(stream, &shared);
        });
        match spawned {
            Ok(worker) => workers.push(worker),
            Err(_) => {
                active.fetch_sub(1, Ordering::AcqRel);
            }
        }
    }
    // Each worker ends within its two timeouts (plus one answer's build).
    for worker in workers {
        let _ = worker.join();
    }
}

/// One of the `max_connections` places, held by a connection's thread.
struct Place(Arc<AtomicUsize>);

impl Drop for Place {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Reads one request, answers it, closes.
fn connection(mut stream: TcpStream, shared: &Shared) {
    let deadline = Instant::now() + shared.timeout;
    let head = match read_head(&mut stream, deadline) {
        Ok(head) => head,
        Err(answer) => {
            let _ = respond(&mut stream, &answer, false, Some(Instant::now() + shared.timeout));
            return;
        }
    };
    let answer = answer(&head, shared);
    let _ = respond(&mut stream, &answer, head.method == "HEAD", Some(Instant::now() + shared.timeout));
}

struct Head {
    method: String,
    path: String,
    host: Option<String>,
}

/// Reads the request head within `deadline` and [`MAX_REQUEST_HEAD`] bytes.
fn read_head(stream: &mut TcpStream, deadline: Instant) -> Result<Head, Answer> {
    let mut buf = vec![0u8; MAX_REQUEST_HEAD];
    let mut len = 0;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Answer::text(408, "request not received in time\n"));
        }
        // The deadline bounds the whole request, not each read: a client
        // sending a byte at a time gets no more time than a fast one.
        let _ = stream.set_read_timeout(Some(left));
        let n = match stream.read(&mut buf[len..]) {
            Ok(0) => return Err(Answer::text(400, "connection closed before the request was complete\n")),
            Ok(n) => n,
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                return Err(Answer::text(408, "request not received in time\n"))
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return Err(Answer::text(400, "could not read the request\n")),
        };
        len += n;
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut request = httparse::Request::new(&mut headers);
        match request.parse(&buf[..len]) {
            Ok(httparse::Status::Complete(_)) => {
                let host = request
                    .headers
                    .iter()
                    .find(|h| h.name.eq_ignore_ascii_case("host"))
                    .map(|h| String::from_utf8_lossy(h.value).into_owned());
                return Ok(Head {
                    method: request.method.unwrap_or_default().to_owned(),
                    path: request.path.unwrap_or_default().to_owned(),
                    host,
                });
            }
            Ok(httparse::Status::Partial) if len == buf.len() => {
                return Err(Answer::text(431, "request head too large\n"));
            }
            Ok(httparse::Status::Partial) => {}
            Err(httparse::Error::TooManyHeaders) => return Err(Answer::text(431, "too many headers\n")),
            Err(_) => return Err(Answer::text(400, "malformed request\n")),
        }
    }
}

struct Answer {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
    allow: bool,
}

impl Answer {
    fn text(status: u16, body: &str) -> Answer {
        Answer { status, content_type: "text/plain; charset=utf-8", body: body.as_bytes().to_vec(), allow: false }
    }
    fn ok(content_type: &'static str, body: Vec<u8>) -> Answer {
        Answer { status: 200, content_type, body, allow: false }
    }
}

const HTML: &str = "text/html; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";
const JSON: &str = "application/json";
const DOT: &str = "text/vnd.graphviz; charset=utf-8";

fn answer(head: &Head, shared: &Shared) -> Answer {
    if head.method != "GET" && head.method != "HEAD" {
        // No route changes the program's state: there is nothing to POST.
        return Answer { allow: true, ..Answer::text(405, "only GET and HEAD are served\n") };
    }
    if shared.host_check && !head.host.as_deref().is_none_or(is_loopback_host) {
        return Answer::text(421, "this endpoint answers only requests addressed to a loopback host\n");
    }
    let path = head.path.split(['?', '#']).next().unwrap_or("");
    let page = || {
        let mut page = Page::now();
        if let Some(title) = &shared.title {
            page = page.title(title);
        }
        page
    };
    let _turn = shared.building.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if !crate::ENABLED {
        let known = ["/", "/report.txt", "/snapshot.json", "/timeline.json", "/growth.txt", "/cycles.dot"];
        let status = if known.contains(&path) { 200 } else { 404 };
        return Answer { status, ..Answer::ok(HTML, page().render().into_bytes()) };
    }
    match path {
        "/" | "/index.html" => {
            let timeline = shared.sampler.timeline();
            Answer::ok(HTML, page().timeline(&timeline).render().into_bytes())
        }
        "/report.txt" => {
            let mut out = Vec::new();
            let _ = crate::report_to(&mut out, "*");
            Answer::ok(TEXT, out)
        }
        "/snapshot.json" => json(&crate::snapshot()),
        "/timeline.json" => json(&shared.sampler.timeline()),
        "/growth.txt" => Answer::ok(TEXT, shared.sampler.timeline().growth().to_string().into_bytes()),
        "/cycles.dot" => {
            let cycles = crate::find_cycles();
            let text = if cycles.is_empty() {
                "digraph \"no leaked cycles\" {}\n".to_owned()
            } else {
                cycles.iter().map(|c| c.to_dot()).collect::<Vec<_>>().join("\n")
            };
            Answer::ok(DOT, text.into_bytes())
        }
        _ => Answer::text(
            404,
            "not found; the routes are / /report.txt /snapshot.json /timeline.json /growth.txt /cycles.dot\n",
        ),
    }
}

#[allow(dead_code)]
fn json<T: serde::Serialize>(value: &T) -> Answer {
    match serde_json::to_vec(value) {
        Ok(body) => Answer::ok(JSON, body),
        Err(e) => Answer::text(500, &format!("could not serialize: {e}\n")),
    }
}

/// `localhost`, `127.x.y.z` or `[::1]`, with or without a port.
fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(name, _port)| name),
    };
    name.eq_ignore_ascii_case("localhost") || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        421 => "Misdirected Request",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "",
    }
}

/// Writes the answer in chunks, each within what is left of `deadline`: a
/// client that reads slowly is cut off, not waited for.
fn respond(stream: &mut TcpStream, answer: &Answer, head_only: bool, deadline: Option<Instant>) -> io::Result<()> {
    let mut out = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\nCache-Control: no-store\r\n\
         X-Content-Type-Options: nosniff\r\nReferrer-Policy: no-referrer\r\n\
         Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\r\n",
        answer.status,
        reason(answer.status),
        answer.content_type,
        answer.body.len()
    )
    .into_bytes();
    if answer.allow {
        out.extend_from_slice(b"Allow: GET, HEAD\r\n");
    }
    out.extend_from_slice(b"\r\n");
    if !head_only {
        out.extend_from_slice(&answer.body);
    }
    for chunk in out.chunks(64 * 1024) {
        if let Some(deadline) = deadline {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(io::ErrorKind::TimedOut.into());
            }
            stream.set_write_timeout(Some(left))?;
        }
        stream.write_all(chunk)?;
    }
    stream.flush()?;
    // Tell the client we are done, then drain briefly so that closing with
    // unread request bytes does not reset the connection before it reads.
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
    let mut sink = [0u8; 1024];
    for _ in 0..16 {
        match stream.read(&mut sink) {
            Ok(n) if n > 0 => {}
            _ => break,
        }
    }
    Ok(())
}
