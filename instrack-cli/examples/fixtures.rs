//! Writes the JSON files the command's tests read (`tests/data/`): a small
//! server that leaks one session in five, snapshotted before and after a
//! burst of requests, and its sampler's timeline; and, beside them, the text
//! the live values print (`diff.txt`, `report.txt`, `timeline.txt`), which
//! the command must print from the files alone.
//!
//! ```text
//! cargo run -p instrack-cli --example fixtures -- instrack-cli/tests/data
//! ```
//!
//! The tests check the command against these committed files, which the
//! command did not write; run this again only when the schema changes.

use instrack::{track, Tracked};
use std::sync::Arc;
use std::time::Duration;

#[allow(dead_code)] // held to be counted
struct Session {
    user: u32,
    _tracked: Tracked<Self>,
}

#[derive(Debug)]
#[allow(dead_code)] // shown through Debug
struct Buffer {
    label: String,
    bytes: Vec<u8>,
}

#[derive(Debug)]
#[allow(dead_code)] // shown through Debug
struct Config {
    name: &'static str,
}

fn main() -> std::io::Result<()> {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "instrack-cli/tests/data".into()));
    std::fs::create_dir_all(&dir)?;
    let sampler = instrack::Sampler::start(Duration::from_millis(20));
    let config = Arc::new(Config { name: "prod" });
    track!(&config);
    let mut sessions = Vec::new();
    let mut buffers = Vec::new();
    for user in 0..10 {
        sessions.push(Session { user, _tracked: track!() });
    }
    let before = instrack::snapshot();
    for user in 10..160u32 {
        let session = Session { user, _tracked: track!() };
        if user % 5 == 0 {
            sessions.push(session); // the leak
        }
        if user % 30 == 0 {
            let buffer = Arc::new(Buffer { label: format!("upload {user}"), bytes: vec![0; 64] });
            track!(&buffer);
            buffers.push(buffer);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let after = instrack::snapshot();
    let timeline = sampler.timeline();
    std::fs::write(dir.join("before.json"), instrack::to_json(&before))?;
    std::fs::write(dir.join("after.json"), instrack::to_json(&after))?;
    std::fs::write(dir.join("timeline.json"), instrack::to_json(&timeline))?;
    // What the live values print, for the tests to compare the command with.
    std::fs::write(dir.join("diff.txt"), after.diff(&before).to_string())?;
    std::fs::write(dir.join("report.txt"), after.to_string())?;
    std::fs::write(dir.join("timeline.txt"), timeline.to_string())?;
    println!("{}", after.diff(&before));
    Ok(())
}
