//! A small server that leaks, watched live in a browser.
//!
//!     cargo run --example dashboard --features http                 # open the printed URL
//!     cargo run --example dashboard --features http -- --write instrack.html
//!     cargo run --example dashboard --features http -- --help
//!
//! With `--write PATH` it runs a few seconds of traffic (`--seconds N`, 4 by
//! default), writes the page to `PATH` and exits; otherwise it serves the page
//! on a loopback port until stopped (or for `--seconds N`). `--help`, and any
//! argument it does not know, print its usage instead.
//!
//! The traffic: every request makes a `Request` (dropped when answered); the
//! response cache fills and is emptied (a sawtooth, not a leak); each login
//! makes a `Session`, and the `recent` list keeps every one of them: the leak
//! the page's suspects should name first. A page cache keyed by a URL that
//! carries a nonce never hits, so its `CachedPage`s pile up more slowly: the
//! second suspect. One client sends markup as its user name, to show that
//! `Debug` text is escaped, and a parent and child document point at each
//! other: a leaked cycle.

use instrack::{track, Edges, Trace, Tracked};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug)]
#[allow(dead_code)] // fields are read through Debug
struct Request {
    path: String,
    _tracked: Tracked<Self>,
}

#[derive(Debug)]
#[allow(dead_code)]
struct CacheEntry {
    key: u64,
    _tracked: Tracked<Self>,
}

#[derive(Debug)]
#[allow(dead_code)]
struct Session {
    user: String,
    token: &'static str,
}

#[derive(Debug)]
#[allow(dead_code)]
struct Document {
    title: String,
    links: Mutex<Vec<Arc<Document>>>,
}

impl Trace for Document {
    fn trace(&self, edges: &mut Edges<'_>) {
        edges.trace(&self.links);
    }
}

#[derive(Debug)]
#[allow(dead_code)]
struct CachedPage {
    url: String,
    body: [u8; 256],
    _tracked: Tracked<Self>,
}

#[derive(Default)]
struct App {
    cache: Vec<CacheEntry>,
    recent: Vec<Arc<Session>>,
    pages: std::collections::HashMap<String, CachedPage>,
    served: u64,
}

impl App {
    fn handle(&mut self, n: u64) {
        let request = Request { path: format!("/item/{}", n % 97), _tracked: track!() };
        if self.cache.len() >= 60 {
            self.cache.clear(); // evicted in one go: the sawtooth of a healthy cache
        }
        self.cache.push(CacheEntry { key: n, _tracked: track!() });
        if n % 3 == 0 {
            let user = if n == 30 { "<script>alert('x')</script>".to_owned() } else { format!("user{n}") };
            let session = Arc::new(Session { user, token: "tok-…" });
            track!(&session);
            self.recent.push(session); // the leak: nobody ever prunes `recent`
        }
        if n % 7 == 0 {
            // The second leak: the key carries a nonce, so no page is ever found again.
            let url = format!("/page/{}?nonce={n}", n % 5);
            self.pages.entry(url.clone()).or_insert(CachedPage { url, body: [0; 256], _tracked: track!() });
        }
        self.served += 1;
        drop(request);
    }
}

fn leak_a_cycle() {
    let parent = Arc::new(Document { title: "index".into(), links: Mutex::new(Vec::new()) });
    let child = Arc::new(Document { title: "about".into(), links: Mutex::new(vec![parent.clone()]) });
    parent.links.lock().unwrap().push(child.clone());
    track!(&parent);
    track!(&child);
}

const USAGE: &str = "\
usage: dashboard [--write PATH] [--seconds N]

A small server that leaks, watched by instrack.

  (no option)     serve the page on a loopback port until stopped; open the printed URL
  --write PATH    run a few seconds of traffic, write the page to PATH and exit
  --seconds N     run the traffic for N seconds (4 with --write; forever otherwise)
  -h, --help      print this and exit
";

/// What the command line asks for.
struct Options {
    write_to: Option<String>,
    seconds: Option<u64>,
}

/// The options, or the text to print and the exit status: the usage for
/// `--help` (success), a complaint and the usage for anything else it does
/// not know (failure, before anything is served).
fn parse(args: &[String]) -> Result<Options, (String, i32)> {
    let mut options = Options { write_to: None, seconds: None };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value =
            |name: &str| args.next().cloned().ok_or((format!("dashboard: {name} needs a value\n\n{USAGE}"), 2));
        match arg.as_str() {
            "-h" | "--help" => return Err((USAGE.to_owned(), 0)),
            "--write" => options.write_to = Some(value("--write PATH")?),
            "--seconds" => {
                let n = value("--seconds N")?;
                let n = n
                    .parse()
                    .map_err(|_| (format!("dashboard: --seconds takes a whole number, not {n:?}\n\n{USAGE}"), 2))?;
                options.seconds = Some(n);
            }
            other => return Err((format!("dashboard: unknown argument {other:?}\n\n{USAGE}"), 2)),
        }
    }
    Ok(options)
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Options { write_to, seconds } = match parse(&args) {
        Ok(options) => options,
        Err((text, 0)) => {
            print!("{text}");
            return Ok(());
        }
        Err((text, status)) => {
            eprint!("{text}");
            std::process::exit(status);
        }
    };

    // Sample often when writing a page after a few seconds; every 250 ms live.
    let interval = if write_to.is_some() { Duration::from_millis(40) } else { Duration::from_millis(250) };
    let sampler = Arc::new(instrack::Sampler::start(interval));
    let server = match write_to {
        Some(_) => None,
        None => {
            let server =
                instrack::Server::builder().sampler(sampler.clone()).title("dashboard example").serve("127.0.0.1:0")?;
            println!("instrack: open {}", server.url());
            if !instrack::ENABLED {
                println!("(tracking is compiled out of this build: the page will say so)");
            }
            Some(server)
        }
    };

    leak_a_cycle();
    let mut app = App::default();
    let run_for = Duration::from_secs(seconds.unwrap_or(if write_to.is_some() { 4 } else { u64::MAX / 4 }));
    let started = Instant::now();
    let mut n = 0;
    while started.elapsed() < run_for {
        app.handle(n);
        n += 1;
        std::thread::sleep(Duration::from_millis(5));
    }

    if let Some(path) = write_to {
        let timeline = sampler.timeline();
        let page = instrack::html::Page::now().timeline(&timeline).title("dashboard example");
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path)?);
        instrack::html::write(&mut file, &page)?;
        std::io::Write::flush(&mut file)?;
        println!("served {} requests; wrote {path}", app.served);
        if !instrack::ENABLED {
            println!("(tracking is compiled out of this build: the page says so)");
        }
    }
    drop(server);
    Ok(())
}
