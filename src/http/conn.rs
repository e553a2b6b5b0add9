//! The connections: the accept loop and its cap, reading one request head
//! within the bounds, and writing one answer within the deadline.

use super::open::{OpenConnections, TurnedAway};
use super::routes::{self, Answer, Head};
use super::{ServerState, MAX_REQUEST_HEAD};
use crate::html::CONTENT_SECURITY_POLICY;
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How often the accept loop looks whether its [`Server`](super::Server) was
/// dropped, and polls the clients it turned away.
const POLL: Duration = Duration::from_millis(50);

/// Accepts connections until the server stops, each answered on a thread of
/// its own, at most `max` at once: beyond, `503` at once. Never waits on a
/// client (see [`open`](super::open)); when stopping, shuts the open
/// connections down and waits for their threads.
pub(super) fn accept_loop(listener: TcpListener, state: Arc<ServerState>, max: usize) {
    let open = OpenConnections::new(max);
    let mut turned_away = TurnedAway::new(answer_bytes(&Answer::text(503, "too many connections; try again\n"), false));
    let mut workers: Vec<JoinHandle<()>> = Vec::new();
    let mut next_id = 0u64;
    while !state.stop.load(Ordering::Acquire) {
        let stream = match listener.accept() {
            Ok((stream, _)) => stream,
            Err(_) => {
                // Nothing to accept (or out of file descriptors, or a
                // connection reset before accept): look again later rather
                // than spin or stop serving.
                turned_away.poll();
                thread::sleep(POLL);
                continue;
            }
        };
        workers.retain(|w| !w.is_finished());
        next_id += 1;
        let Some(slot) = open.enter(next_id, &stream) else {
            turned_away.turn_away(stream);
            continue;
        };
        let _ = stream.set_nonblocking(false);
        let state = state.clone();
        let spawned = thread::Builder::new().name("instrack-http-conn".into()).spawn(move || {
            let _slot = slot;
            connection(stream, &state);
        });
        // If no thread could start, the closure (stream and slot) is dropped.
        if let Ok(worker) = spawned {
            workers.push(worker);
        }
    }
    // Every connection is registered before its thread starts, and none
    // starts from now on: after this sweep each thread's read or write
    // returns at once, and a thread that waited for its turn to build an
    // answer sees `stop` and builds nothing. What is left is at most the
    // answer being built right now.
    open.shut_all_down();
    for worker in workers {
        let _ = worker.join();
    }
}

/// Reads one request, answers it, closes.
fn connection(mut stream: TcpStream, state: &ServerState) {
    let deadline = Instant::now() + state.timeout;
    let head = match read_head(&mut stream, deadline) {
        Ok(head) => head,
        Err(answer) => {
            let _ = respond(&mut stream, &answer, false, Instant::now() + state.timeout);
            return;
        }
    };
    let answer = routes::answer(&head, state);
    let _ = respond(&mut stream, &answer, head.method == "HEAD", Instant::now() + state.timeout);
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
                let hosts = request
                    .headers
                    .iter()
                    .filter(|header| header.name.eq_ignore_ascii_case("host"))
                    .map(|header| header.value.to_vec())
                    .collect();
                return Ok(Head {
                    method: request.method.unwrap_or_default().to_owned(),
                    path: request.path.unwrap_or_default().to_owned(),
                    minor_version: request.version.unwrap_or(1),
                    hosts,
                    reached: stream.local_addr().ok().map(|addr| addr.ip()),
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

/// The bytes of `answer`: status line, headers and (unless `head_only`) body.
fn answer_bytes(answer: &Answer, head_only: bool) -> Vec<u8> {
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
    out
}

/// Writes the answer in chunks, each within what is left of `deadline`: a
/// client that reads slowly is cut off, not waited for.
fn respond(stream: &mut TcpStream, answer: &Answer, head_only: bool, deadline: Instant) -> io::Result<()> {
    let out = answer_bytes(answer, head_only);
    for chunk in out.chunks(64 * 1024) {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        stream.set_write_timeout(Some(left))?;
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
