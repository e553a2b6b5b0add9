//! Clients that ask for a large answer and never read it: cut off at the
//! server's timeout while others are served, and cut off at once when the
//! server is dropped. A test binary of its own: the 300k instances it makes
//! would slow every other test's snapshots.

use instrack::{track, Server, Tracked};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

struct Bulk {
    _t: Tracked<Self>,
}

/// About 45 MB of /snapshot.json: more than loopback socket buffers hold.
/// Made once for both tests, which run at the same time.
fn bulk() {
    static BULK: OnceLock<Vec<Bulk>> = OnceLock::new();
    BULK.get_or_init(|| (0..300_000).map(|_| Bulk { _t: track!() }).collect());
}

/// Asks for `/snapshot.json` and waits for the first bytes of the answer:
/// then the snapshot is built (slow in a debug build on a loaded machine, so
/// nothing is timed before this) and the server is writing.
fn stalled_client(addr: SocketAddr) -> (TcpStream, Vec<u8>) {
    let mut stalled = TcpStream::connect(addr).unwrap();
    stalled.write_all(format!("GET /snapshot.json HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes()).unwrap();
    stalled.set_read_timeout(Some(Duration::from_secs(300))).unwrap();
    let mut first = vec![0u8; 16];
    stalled.read_exact(&mut first).expect("the answer starts");
    assert!(first.starts_with(b"HTTP/1.1 200 OK"), "{}", String::from_utf8_lossy(&first));
    (stalled, first)
}

/// Reads the rest of the stalled client's answer and returns how many body
/// bytes it got and how many the head announced.
fn body_got_and_announced(mut stalled: TcpStream, mut bytes: Vec<u8>) -> (usize, usize) {
    stalled.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let _ = stalled.read_to_end(&mut bytes); // a reset also ends it
    let head_end = bytes.windows(4).position(|w| w == b"\r\n\r\n").expect("the head was sent") + 4;
    let head = String::from_utf8_lossy(&bytes[..head_end]);
    let announced: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .expect("a Content-Length")
        .trim()
        .parse()
        .unwrap();
    (bytes.len() - head_end, announced)
}

#[test]
fn a_client_that_does_not_read_is_cut_off() {
    if !instrack::ENABLED {
        // Compiled out, every answer is a small page: nothing to stall on.
        return;
    }
    bulk();
    let timeout = Duration::from_millis(500);
    let server = Server::builder().timeout(timeout).serve("127.0.0.1:0").unwrap();
    let addr = server.addr();
    let (stalled, first) = stalled_client(addr);

    // Meanwhile another client is answered. Timed from when the snapshot is
    // built: what is measured is the stalled writer, not the build.
    let started = Instant::now();
    let mut other = TcpStream::connect(addr).unwrap();
    other.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    other.write_all(format!("GET /growth.txt HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes()).unwrap();
    let mut reply = String::new();
    other.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200 OK"), "{reply}");
    assert!(started.elapsed() < Duration::from_secs(10), "answered after {:?}", started.elapsed());

    // Long past the write deadline, the stalled client finds the answer cut short.
    std::thread::sleep(timeout * 6);
    let (got, announced) = body_got_and_announced(stalled, first);
    assert!(got < announced, "the whole {announced} bytes were sent to a client that did not read");

    // And dropping the server does not wait for it.
    let started = Instant::now();
    drop(server);
    assert!(started.elapsed() < Duration::from_secs(5), "drop took {:?}", started.elapsed());
}

/// Issue 16, fault 9: dropping the server waited for each connection's read
/// and then write deadline (9.7 s with the default 5 s). It shuts the
/// connections down instead: a client that never reads a large answer, and
/// one that never finishes its request, are cut off at once.
#[test]
fn dropping_the_server_cuts_its_clients_off_at_once() {
    if !instrack::ENABLED {
        return;
    }
    bulk();
    let timeout = Duration::from_secs(4);
    let server = Server::builder().timeout(timeout).serve("127.0.0.1:0").unwrap();
    let addr = server.addr();
    let (stalled, first) = stalled_client(addr);
    let mut half = TcpStream::connect(addr).unwrap();
    half.write_all(b"GET /growth.txt HT").unwrap();
    std::thread::sleep(Duration::from_millis(300)); // the server is reading it, and blocked writing the other

    let started = Instant::now();
    drop(server);
    let took = started.elapsed();
    // Before the fix, about one timeout (the deadlines of both clients).
    assert!(took < timeout / 2, "drop took {took:?} with a timeout of {timeout:?}");

    let (got, announced) = body_got_and_announced(stalled, first);
    assert!(got < announced, "the whole {announced} bytes were sent");
    half.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut rest = Vec::new();
    match half.read_to_end(&mut rest) {
        Ok(_) => {}
        Err(e) => assert!(
            !matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut),
            "the half-sent request's connection is still open after the drop"
        ),
    }
}
