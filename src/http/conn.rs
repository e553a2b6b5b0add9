//! The connections: the accept loop and its cap, reading one request head
//! within the bounds, and writing one answer within the deadline.

use super::routes::{self, Answer, Head};
use super::{ServerState, MAX_REQUEST_HEAD};
use crate::html::CONTENT_SECURITY_POLICY;
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How often the accept loop looks whether its [`Server`](super::Server) was dropped.
const POLL: Duration = Duration::from_millis(50);

/// Accepts connections until `stop`, each answered on a thread of its own,
/// at most `max` at once: beyond, `503` at once.
pub(super) fn accept_loop(listener: TcpListener, state: Arc<ServerState>, stop: Arc<AtomicBool>, max: usize) {
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
        let (state, active_now) = (state.clone(), active.clone());
        let spawned = thread::Builder::new().name("instrack-http-conn".into()).spawn(move || {
            // Gives the slot back even if building the answer panics.
            let _slot = ConnectionSlot(active_now);
            connection(stream, &state);
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

/// One of the `max_connections` slots, held by a connection's thread: it
/// counts one in the server's count of open connections until dropped.
struct ConnectionSlot(Arc<AtomicUsize>);

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Reads one request, answers it, closes.
fn connection(mut stream: TcpStream, state: &ServerState) {
    let deadline = Instant::now() + state.timeout;
    let head = match read_head(&mut stream, deadline) {
        Ok(head) => head,
        Err(answer) => {
            let _ = respond(&mut stream, &answer, false, Some(Instant::now() + state.timeout));
            return;
        }
    };
    let answer = routes::answer(&head, state);
    let _ = respond(&mut stream, &answer, head.method == "HEAD", Some(Instant::now() + state.timeout));
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
                    .find(|header| header.name.eq_ignore_ascii_case("host"))
                    .map(|header| String::from_utf8_lossy(header.value).into_owned());
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
         Content-Security-Policy: {CONTENT_SECURITY_POLICY}\r\n",
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
