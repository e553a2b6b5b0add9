//! Serves instrack's per-type metrics on `http://127.0.0.1:9184/metrics` for
//! Prometheus to scrape, while a worker leaks one `Session` in ten.
//!
//! ```text
//! cargo run --example prometheus --features metrics            # serves until killed
//! cargo run --example prometheus --features metrics -- 127.0.0.1:0 3   # any port, 3 scrapes, then exits
//! curl -s http://127.0.0.1:9184/metrics | grep instrack_
//! ```
//!
//! The exporter is `metrics-exporter-prometheus` without its default
//! features: it renders the text format and brings no HTTP server, so the
//! few lines below answer every request with the rendered text.

use instrack::{track, Tracked};
use metrics_exporter_prometheus::PrometheusBuilder;
use metrics_util::MetricKindMask;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::time::Duration;

#[allow(dead_code)] // held to be counted
struct Session {
    user: u32,
    _tracked: Tracked<Self>,
}

#[derive(Debug)]
#[allow(dead_code)] // shown through Debug
struct Buffer(Vec<u8>);

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:9184".to_owned());
    let scrapes: Option<usize> = args.next().map(|n| n.parse().expect("the number of scrapes to answer"));

    let interval = Duration::from_millis(200);
    // Series of types that left the top N expire after a few samples.
    let handle = PrometheusBuilder::new()
        .idle_timeout(MetricKindMask::ALL, Some(interval * 5))
        .install_recorder()
        .expect("no other recorder is installed");
    instrack::set_metrics_top_types(10); // default: instrack::DEFAULT_METRICS_TOP_TYPES
    let _sampler = instrack::Sampler::start(interval);

    std::thread::spawn(|| {
        let mut kept = Vec::new();
        let buffers: Vec<std::sync::Arc<Buffer>> = (0..4).map(|_| std::sync::Arc::new(Buffer(vec![0; 4096]))).collect();
        for b in &buffers {
            track!(b);
        }
        for user in 0.. {
            let session = Session { user, _tracked: track!() };
            if user % 10 == 0 {
                kept.push(session); // the leak
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    });

    let listener = TcpListener::bind(&addr)?;
    println!("serving http://{}/metrics", listener.local_addr()?);
    for stream in listener.incoming().take(scrapes.unwrap_or(usize::MAX)) {
        let mut stream = stream?;
        // Read the request head (its path is not looked at), then answer.
        let mut reader = BufReader::new(&mut stream);
        let mut line = String::new();
        while reader.read_line(&mut line)? > 2 {
            line.clear();
        }
        let body = handle.render();
        write!(
            stream,
            "HTTP/1.1 200 OK\r\ncontent-type: text/plain; version=0.0.4\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )?;
    }
    Ok(())
}
