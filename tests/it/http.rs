//! The live endpoint, fetched with a real HTTP/1.1 exchange over a loopback
//! TCP socket: every route, the refusals, and the bounds on clients.

use instrack::{serve, Server, Tracked};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("UTF-8 body")
    }
}

/// Sends `raw` and reads the reply to the end (the server closes after one).
fn exchange(addr: SocketAddr, raw: &[u8]) -> Reply {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    stream.write_all(raw).unwrap();
    read_reply(&mut stream)
}

fn read_reply(stream: &mut TcpStream) -> Reply {
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).expect("read the reply");
    let split = bytes.windows(4).position(|w| w == b"\r\n\r\n").expect("a complete head");
    let head = String::from_utf8_lossy(&bytes[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    assert!(status_line.starts_with("HTTP/1.1 "), "{status_line}");
    let status = status_line[9..12].parse().unwrap();
    let headers = lines
        .map(|l| {
            let (n, v) = l.split_once(':').unwrap();
            (n.trim().to_owned(), v.trim().to_owned())
        })
        .collect();
    Reply { status, headers, body: bytes[split + 4..].to_vec() }
}

fn request(addr: SocketAddr, method: &str, path: &str) -> Reply {
    exchange(addr, format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes())
}

fn get(addr: SocketAddr, path: &str) -> Reply {
    request(addr, "GET", path)
}

#[derive(Debug)]
struct HttpProbe {
    _t: Tracked<Self>,
}

#[test]
fn every_route_answers_with_its_content_type() {
    let _probe = HttpProbe { _t: instrack::track!() };
    let server = serve("127.0.0.1:0").unwrap();
    let addr = server.addr();
    assert!(addr.ip().is_loopback() && addr.port() != 0);
    assert_eq!(server.url(), format!("http://{addr}/"));
    let routes = [
        ("/", "text/html; charset=utf-8"),
        ("/report.txt", "text/plain; charset=utf-8"),
        ("/snapshot.json", "application/json"),
        ("/timeline.json", "application/json"),
        ("/growth.txt", "text/plain; charset=utf-8"),
        ("/cycles.dot", "text/vnd.graphviz; charset=utf-8"),
    ];
    for (path, content_type) in routes {
        let reply = get(addr, path);
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.header("Content-Length").unwrap().parse::<usize>().unwrap(), reply.body.len(), "{path}");
        assert_eq!(reply.header("X-Content-Type-Options"), Some("nosniff"));
        if !instrack::ENABLED {
            assert_eq!(reply.header("Content-Type"), Some("text/html; charset=utf-8"), "{path}");
            assert!(reply.text().contains("tracking is compiled out"), "{path}");
            continue;
        }
        assert_eq!(reply.header("Content-Type"), Some(content_type), "{path}");
        let text = reply.text();
        match path {
            "/" => {
                assert!(text.starts_with("<!DOCTYPE html>"));
                assert!(text.contains("it::http::HttpProbe"));
            }
            "/report.txt" => assert!(text.contains("it::http::HttpProbe: 1 live"), "{text}"),
            "/snapshot.json" => {
                let json: serde_json::Value = serde_json::from_str(&text).expect("snapshot JSON parses");
                assert_eq!(json["schema"], "instrack.snapshot");
                let types = json["types"].as_array().expect("a list of types");
                assert!(types.iter().any(|t| t["type"] == "it::http::HttpProbe" && t["live"].as_u64() >= Some(1)));
            }
            "/timeline.json" => {
                let json: serde_json::Value = serde_json::from_str(&text).expect("timeline JSON parses");
                assert_eq!(json["schema"], "instrack.timeline");
                assert!(json["series"].is_array());
            }
            "/growth.txt" => assert!(text.starts_with("instrack: "), "{text}"),
            "/cycles.dot" => assert!(text.starts_with("digraph"), "{text}"),
            _ => unreachable!(),
        }
    }
    assert_eq!(get(addr, "/nothing-here").status, 404);
    // HEAD: the same head, no body.
    let head = request(addr, "HEAD", "/report.txt");
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
}

#[test]
fn only_loopback_addresses_unless_opted_in() {
    for addr in ["0.0.0.0:0", "[::]:0"] {
        let err = serve(addr).expect_err(addr);
        assert_eq!(err.kind(), std::io::ErrorKind::PermissionDenied);
        let message = err.to_string();
        assert!(message.contains("not a loopback address"), "{message}");
        assert!(message.contains("allow_non_loopback_address_exposing_debug_text"), "{message}");
    }
    assert!(serve("localhost:0").is_ok());
    let opted_in = Server::builder().allow_non_loopback_address_exposing_debug_text().serve("0.0.0.0:0").unwrap();
    assert!(opted_in.addr().ip().is_unspecified());
    // Opted in, a Host must still name this machine: here, the address reached.
    let reached: SocketAddr = format!("127.0.0.1:{}", opted_in.addr().port()).parse().unwrap();
    assert_eq!(get(reached, "/growth.txt").status, 200);
    assert_eq!(exchange(reached, b"GET /growth.txt HTTP/1.1\r\nHost: evil.example\r\n\r\n").status, 421);
}

#[test]
fn no_method_but_get_and_head() {
    let server = serve("127.0.0.1:0").unwrap();
    for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
        let reply = request(server.addr(), method, "/");
        assert_eq!(reply.status, 405, "{method}");
        assert_eq!(reply.header("Allow"), Some("GET, HEAD"));
    }
}

#[test]
fn requests_for_another_host_are_refused() {
    // DNS rebinding: a web page's script reaching the endpoint under its own name.
    let server = serve("127.0.0.1:0").unwrap();
    let reply = exchange(server.addr(), b"GET /report.txt HTTP/1.1\r\nHost: evil.example:80\r\n\r\n");
    assert_eq!(reply.status, 421);
    for host in ["localhost", "localhost:1234", "127.0.0.1", "[::1]:8080"] {
        let raw = format!("GET /growth.txt HTTP/1.1\r\nHost: {host}\r\n\r\n");
        assert_eq!(exchange(server.addr(), raw.as_bytes()).status, 200, "{host}");
    }
}

#[test]
fn an_oversized_request_is_cut_off() {
    let server = serve("127.0.0.1:0").unwrap();
    let mut raw = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Filler: ".to_vec();
    raw.resize(instrack::MAX_REQUEST_HEAD * 4, b'a');
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    // The server stops reading at its limit; the rest may not be taken.
    let _ = stream.write_all(&raw);
    assert_eq!(read_reply(&mut stream).status, 431);
    assert_eq!(get(server.addr(), "/growth.txt").status, 200, "still serving");
    // Small, but too many headers: 32 at most.
    let mut raw = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n".to_vec();
    for n in 0..32 {
        raw.extend_from_slice(format!("X-{n}: a\r\n").as_bytes());
    }
    raw.extend_from_slice(b"\r\n");
    assert_eq!(exchange(server.addr(), &raw).status, 431, "33 headers");
}

#[test]
fn slow_and_silent_clients_are_bounded() {
    let server =
        Server::builder().timeout(Duration::from_millis(1000)).max_connections(2).serve("127.0.0.1:0").unwrap();
    let addr = server.addr();
    // A client that sends half a request, one byte at a time, then stops.
    let mut slow = TcpStream::connect(addr).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let started = Instant::now();
    for byte in b"GET / HT" {
        slow.write_all(&[*byte]).unwrap();
        std::thread::sleep(Duration::from_millis(30));
    }
    // A silent one takes the second place.
    let silent = TcpStream::connect(addr).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    // Over the cap: turned away at once, not queued.
    let turned_away = exchange(addr, b"GET /growth.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    assert_eq!(turned_away.status, 503);
    let reply = read_reply(&mut slow);
    assert_eq!(reply.status, 408);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(5), "the slow client was cut off after {took:?}");
    drop(silent);
    // Once they are gone, others are served.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let reply = get(addr, "/growth.txt");
        if reply.status == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "still turned away: {}", reply.status);
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn dropping_the_server_stops_it() {
    let server = Server::builder().timeout(Duration::from_millis(300)).serve("127.0.0.1:0").unwrap();
    let addr = server.addr();
    assert_eq!(get(addr, "/growth.txt").status, 200);
    let _idle = TcpStream::connect(addr).unwrap(); // an open connection does not hold up the drop
    std::thread::sleep(Duration::from_millis(50));
    let started = Instant::now();
    drop(server);
    assert!(started.elapsed() < Duration::from_secs(5), "drop took {:?}", started.elapsed());
    assert!(TcpStream::connect(addr).is_err(), "nothing listens after the drop");
}

#[test]
fn the_page_charts_a_shared_sampler() {
    let sampler = std::sync::Arc::new(instrack::Sampler::start(Duration::from_millis(10)));
    let _probe = HttpProbe { _t: instrack::track!() };
    std::thread::sleep(Duration::from_millis(150));
    let server = Server::builder().sampler(sampler.clone()).serve("127.0.0.1:0").unwrap();
    let page = get(server.addr(), "/").text();
    if instrack::ENABLED {
        assert!(page.contains("<svg class=\"chart\""), "the chart is drawn from the shared sampler");
        assert!(page.contains("data-type=\"it::http::HttpProbe\""));
    } else {
        assert!(page.contains("tracking is compiled out"));
    }
    drop(server);
    assert_eq!(std::sync::Arc::strong_count(&sampler), 1, "the dropped server let go of the sampler");
}

#[test]
fn the_server_and_the_page_can_move_between_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Server>();
    send_sync::<instrack::ServerBuilder>();
    send_sync::<instrack::html::Page<'static>>();
}

/// Issue 16, fault 8: with every slot held, clients that trickle a byte at a
/// time into the overflow path made a fresh client wait 5.5 s for its first
/// answer, because the `503` path read each surplus client on the accept
/// thread. Turning a client away must not wait on it.
#[test]
fn surplus_clients_that_trickle_do_not_stall_a_fresh_one() {
    // The default bounds: 8 slots, 5 s to send a request.
    let server = serve("127.0.0.1:0").unwrap();
    let addr = server.addr();
    // Eight silent clients hold the eight slots; a probe's 503 says they do.
    let holders: Vec<TcpStream> = (0..8).map(|_| TcpStream::connect(addr).unwrap()).collect();
    let mut probes = 0;
    while get(addr, "/growth.txt").status != 503 {
        probes += 1;
        assert!(probes < 100, "the eight silent clients never filled the slots");
        std::thread::sleep(Duration::from_millis(20));
    }
    // Ten more clients, each sending its request a byte every 80 ms.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let tricklers: Vec<_> = (0..10)
        .map(|_| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut stream = TcpStream::connect(addr).unwrap();
                let request =
                    format!("GET /growth.txt HTTP/1.1\r\nHost: {addr}\r\nX-Filler: {}\r\n\r\n", "a".repeat(200));
                for byte in request.as_bytes() {
                    if stop.load(std::sync::atomic::Ordering::Relaxed) || stream.write_all(&[*byte]).is_err() {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(80));
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    // A fresh client: its first answer (a 503, or a 200 if a slot freed) comes at once.
    let started = Instant::now();
    let mut fresh = TcpStream::connect(addr).unwrap();
    fresh.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    fresh.write_all(format!("GET /growth.txt HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes()).unwrap();
    let mut first = [0u8; 12];
    let got = fresh.read_exact(&mut first);
    let waited = started.elapsed();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for trickler in tricklers {
        trickler.join().unwrap();
    }
    drop(holders);
    got.expect("an answer");
    let status = String::from_utf8_lossy(&first).into_owned();
    assert!(status == "HTTP/1.1 503" || status == "HTTP/1.1 200", "{status}");
    // 5.5 s before the fix; a few milliseconds after it.
    assert!(waited < Duration::from_millis(1500), "the fresh client waited {waited:?} for its first answer");
}

/// The status a request with these raw `Host` header lines gets.
fn status_with_host_lines(addr: SocketAddr, version: &str, host_lines: &[u8]) -> u16 {
    let mut raw = format!("GET /growth.txt {version}\r\n").into_bytes();
    raw.extend_from_slice(host_lines);
    raw.extend_from_slice(b"\r\n");
    exchange(addr, &raw).status
}

/// Issue 16, fault 10: the authority is parsed strictly (a loopback name or
/// address, an optional port of digits, nothing else) and there is exactly
/// one `Host`. Malformed is `400`; well formed but another host is `421`.
#[test]
fn hostile_host_headers_are_refused() {
    let server = serve("127.0.0.1:0").unwrap();
    let addr = server.addr();
    let port = addr.port();
    let served = [
        "localhost".to_owned(),
        "LocalHost".to_owned(),
        format!("localhost:{port}"),
        "127.0.0.1".to_owned(),
        format!("127.0.0.1:{port}"),
        "127.255.255.254:1".to_owned(),
        "127.0.0.1:65535".to_owned(),
        "[::1]".to_owned(),
        format!("[::1]:{port}"),
        "[0:0:0:0:0:0:0:1]".to_owned(),
        format!(" 127.0.0.1:{port} "), // whitespace around a field value is not part of it
    ];
    let malformed = [
        format!("127.0.0.1:{port}@evil.example"),
        "[::1]evil.example".to_owned(),
        format!("[::1]:{port}@evil.example"),
        format!("evil.example@127.0.0.1:{port}"),
        "127.0.0.1@evil.example".to_owned(),
        format!("user:pass@localhost:{port}"),
        format!("localhost:{port}/evil"),
        format!("localhost:{port}?evil"),
        format!("localhost:{port}#evil"),
        format!("localhost:{port}:{port}"),
        "localhost:".to_owned(),
        "localhost:0".to_owned(),
        "localhost:65536".to_owned(),
        "localhost:99999999999999999999".to_owned(),
        "localhost:-1".to_owned(),
        "localhost:+80".to_owned(),
        "localhost: 80".to_owned(),
        "localhost :80".to_owned(),
        "local host".to_owned(),
        "localhost,evil.example".to_owned(),
        "localhost, localhost".to_owned(),
        "localhost%00".to_owned(),
        "localhost\\evil".to_owned(),
        "".to_owned(),
        format!(":{port}"),
        "[::1".to_owned(),
        "::1".to_owned(),
        format!("::1:{port}"),
        "[::1]]".to_owned(),
        "[[::1]]".to_owned(),
        "[::1%25lo]".to_owned(),
        "[v1.fe]".to_owned(),
        "[127.0.0.1]".to_owned(),
        "\u{ff2c}\u{ff2f}\u{ff23}\u{ff21}\u{ff2c}\u{ff28}\u{ff2f}\u{ff33}\u{ff34}".to_owned(), // fullwidth LOCALHOST
    ];
    let elsewhere = [
        "evil.example".to_owned(),
        "evil.example:80".to_owned(),
        "127.0.0.1.evil.example".to_owned(),
        "localhost.evil.example".to_owned(),
        "localhost.".to_owned(),
        "127.1".to_owned(),
        "0127.0.0.1".to_owned(),
        "2130706433".to_owned(),
        "0x7f.0.0.1".to_owned(),
        "256.0.0.1".to_owned(),
        "10.0.0.1".to_owned(),
        "[::2]".to_owned(),
        "[::ffff:127.0.0.1]".to_owned(),
    ];
    let cases = served.iter().map(|h| (h, 200)).chain(malformed.iter().map(|h| (h, 400)));
    for (host, expected) in cases.chain(elsewhere.iter().map(|h| (h, 421))) {
        let status = status_with_host_lines(addr, "HTTP/1.1", format!("Host: {host}\r\n").as_bytes());
        assert_eq!(status, expected, "Host: {host:?}");
    }
    // Bytes that are not UTF-8, and control characters.
    for raw in [&b"Host: localhost\xff\r\n"[..], b"Host: \xc0\xaflocalhost\r\n", b"Host: local\x00host\r\n"] {
        assert_eq!(status_with_host_lines(addr, "HTTP/1.1", raw), 400, "{}", String::from_utf8_lossy(raw));
    }
    // Exactly one Host (RFC 9112, 3.2), whatever its case; HTTP/1.0 may omit it.
    let two = format!("Host: {addr}\r\nHost: {addr}\r\n");
    assert_eq!(status_with_host_lines(addr, "HTTP/1.1", two.as_bytes()), 400, "two Host headers");
    let two = format!("Host: {addr}\r\nhOST: evil.example\r\n");
    assert_eq!(status_with_host_lines(addr, "HTTP/1.1", two.as_bytes()), 400, "two Host headers");
    assert_eq!(status_with_host_lines(addr, "HTTP/1.1", b""), 400, "no Host in HTTP/1.1");
    assert_eq!(status_with_host_lines(addr, "HTTP/1.0", b""), 200, "no Host in HTTP/1.0");
    assert_eq!(status_with_host_lines(addr, "HTTP/1.0", b"Host: evil.example\r\n"), 421);
}
