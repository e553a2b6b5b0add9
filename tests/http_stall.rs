//! A client that asks for a large answer and never reads it is cut off at the
//! server's timeout, and others are served meanwhile. A test binary of its
//! own: the 300k instances it makes would slow every other test's snapshots.

use instrack::{track, Server, Tracked};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

struct Bulk {
    _t: Tracked<Self>,
}

#[test]
fn a_client_that_does_not_read_is_cut_off() {
    if !instrack::ENABLED {
        // Compiled out, every answer is a small page: nothing to stall on.
        return;
    }
    // About 45 MB of /snapshot.json: more than loopback socket buffers hold.
    let many: Vec<Bulk> = (0..300_000).map(|_| Bulk { _t: track!() }).collect();
    let server = Server::builder().timeout(Duration::from_millis(500)).serve("127.0.0.1:0").unwrap();
    let addr = server.addr();
    let mut stalled = TcpStream::connect(addr).unwrap();
    stalled.write_all(format!("GET /snapshot.json HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes()).unwrap();

    // Meanwhile another client is answered.
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    let mut other = TcpStream::connect(addr).unwrap();
    other.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    other.write_all(format!("GET /growth.txt HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes()).unwrap();
    let mut reply = String::new();
    other.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200 OK"), "{reply}");
    assert!(started.elapsed() < Duration::from_secs(10), "answered after {:?}", started.elapsed());

    // Long past the write deadline, the stalled client finds the answer cut short.
    std::thread::sleep(Duration::from_secs(3));
    stalled.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut bytes = Vec::new();
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
    let got = bytes.len() - head_end;
    assert!(got < announced, "the whole {announced} bytes were sent to a client that did not read");

    // And dropping the server does not wait for it.
    let started = Instant::now();
    drop(server);
    assert!(started.elapsed() < Duration::from_secs(5), "drop took {:?}", started.elapsed());
    drop(many);
}
