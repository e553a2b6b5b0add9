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
        ("/cycles.txt", "text/plain; charset=utf-8"),
        ("/cycles.json", "application/json"),
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
            // Other tests leak cycles on purpose: each shape is one graph.
            "/cycles.txt" => assert!(text.starts_with("instrack: ") && text.contains("leaked cycle"), "{text}"),
            "/cycles.json" => {
                let json: serde_json::Value = serde_json::from_str(&text).expect("cycles JSON parses");
                assert_eq!(json["schema"], "instrack.cycles");
                assert!(json["groups"].is_array() && json["untraced"].is_array());
            }
            "/cycles.dot" => {
                let graphs = text.matches("digraph").count();
                assert!(graphs >= 1, "{text}");
                if !text.contains("no leaked cycles") {
                    assert_eq!(text.matches("// ").count(), graphs, "each graph says its shape's count: {text}");
                }
            }
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
