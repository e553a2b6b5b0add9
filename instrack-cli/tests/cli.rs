//! The built `instrack` binary, run on the JSON files in `tests/data/` (a
//! real program wrote them: `examples/fixtures.rs`, with the text its live
//! values printed beside them), and against a live endpoint started here.

use instrack::{track, Tracked};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

fn instrack(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_instrack")).args(args).output().expect("the built binary runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A file of its own in the temporary directory.
fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("instrack-cli-{}-{name}", std::process::id()))
}

#[test]
fn diff_of_two_files_prints_what_the_live_diff_printed() {
    let out = instrack(&["diff", path(&data("before.json")), path(&data("after.json"))]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let expected = std::fs::read_to_string(data("diff.txt")).unwrap();
    assert_eq!(stdout(&out), expected);
    assert!(expected.contains("fixtures::Session       150       120       +30        40"), "{expected}");

    // Given newest first: compared the right way round, and said so.
    let out = instrack(&["diff", path(&data("after.json")), path(&data("before.json"))]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).starts_with("instrack: the snapshots were given newest first"), "{}", stdout(&out));
}

#[test]
fn report_prints_a_snapshot_narrowed_or_a_timeline() {
    let out = instrack(&["report", path(&data("after.json"))]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), std::fs::read_to_string(data("report.txt")).unwrap());

    let out = instrack(&["report", path(&data("after.json")), "Buffer Nothing"]);
    let text = stdout(&out);
    assert!(text.starts_with("instrack: 5 live instances of 1 tracked type matching \"Buffer Nothing\""), "{text}");
    assert!(text.contains(r#"Buffer { label: "upload 30", … }"#), "the Debug text recorded in the file: {text}");
    assert!(text.ends_with("no tracked type matches \"Nothing\"\n"), "{text}");

    let out = instrack(&["report", path(&data("timeline.json"))]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with(&std::fs::read_to_string(data("timeline.txt")).unwrap()), "{text}");
    assert!(text.contains("suspect: fixtures::Session: +"), "{text}");
}

/// A file whose instances recorded a tokio task (a program built with the
/// feature `tokio` writes `"task"`; the command reads it without that
/// feature): the report prints it beside the thread.
#[test]
fn report_prints_the_task_a_file_recorded() {
    let file = std::fs::read_to_string(data("after.json")).unwrap();
    let tasked = file.replace(r#""clone_of":null}"#, r#""clone_of":null,"task":7}"#);
    assert_ne!(tasked, file, "the fixture's instances have a clone_of field");
    let with_tasks = temp("tasks.json");
    std::fs::write(&with_tasks, tasked).unwrap();
    let out = instrack(&["report", path(&with_tasks)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let expected =
        std::fs::read_to_string(data("report.txt")).unwrap().replace("thread main  age", "thread main  task 7  age");
    assert!(expected.contains("  task 7  "));
    assert_eq!(stdout(&out), expected);
    std::fs::remove_file(with_tasks).unwrap();
}

#[test]
fn page_writes_one_html_file() {
    let page = temp("page.html");
    let out =
        instrack(&["page", path(&data("after.json")), "--timeline", path(&data("timeline.json")), "-o", path(&page)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let html = std::fs::read_to_string(&page).unwrap();
    std::fs::remove_file(&page).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"), "{}", &html[..100]);
    assert!(html.contains("<title>instrack: after.json</title>"), "titled after the snapshot's file");
    assert!(html.contains("fixtures::Session") && html.contains("fixtures::Buffer"));
    assert!(html.contains("<svg"), "the timeline's chart");
    assert!(!html.contains("compiled out"));
}

/// Exit status 2, nothing on stdout, and a message on stderr containing `says`.
fn fails(args: &[&str], says: &str) {
    let out = instrack(args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(out.stdout.is_empty(), "{args:?}");
    assert!(err.contains(says), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bad_arguments_and_bad_files_exit_with_status_2() {
    let (before, timeline) = (data("before.json"), data("timeline.json"));
    fails(&[], "Usage: instrack <COMMAND>");
    fails(&["frob"], "unrecognized subcommand 'frob'");
    fails(&["diff", path(&before)], "<NEW>");
    fails(&["page", path(&before)], "--output <OUTPUT>");
    fails(&["diff", "/no/such/file.json", path(&before)], "cannot read /no/such/file.json");
    fails(&["diff", path(&timeline), path(&before)], "an instrack.timeline document, not an instrack.snapshot");
    fails(&["report", path(&timeline), "Session"], "a PATTERN narrows snapshots");

    let garbage = temp("garbage.json");
    std::fs::write(&garbage, "{\"schema\": \"instrack.snapshot\", \"version\": 1, \"types\": [").unwrap();
    fails(&["report", path(&garbage)], "not JSON: EOF while parsing");
    std::fs::write(&garbage, [0xff, 0xfe, 0x00]).unwrap();
    fails(&["report", path(&garbage)], "cannot read");
    let newer = std::fs::read_to_string(&before).unwrap().replacen("\"version\":1", "\"version\":7", 1);
    std::fs::write(&garbage, newer).unwrap();
    fails(&["diff", path(&garbage), path(&before)], "schema version 7 is newer than this instrack reads (version 1)");
    std::fs::remove_file(&garbage).unwrap();

    fails(&["page", path(&before), "-o", "/no/such/dir/page.html"], "cannot write /no/such/dir/page.html");
    // Nothing listens there (the port of a listener just closed).
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().to_string();
    fails(&["top", &closed, "--once"], "cannot fetch http://");
    fails(&["top", "", "--once"], "ADDR is empty");
}

struct TopLeak {
    _t: Tracked<Self>,
}

struct TopFlat {
    _t: Tracked<Self>,
}

#[test]
fn top_once_prints_a_frame_of_a_live_endpoint() {
    let server = instrack::Server::builder()
        .sample_every(Duration::from_millis(10))
        .serve("127.0.0.1:0")
        .expect("a loopback port");
    let _flat: Vec<TopFlat> = (0..50).map(|_| TopFlat { _t: track!() }).collect();
    let mut leaked = Vec::new();
    for _ in 0..60 {
        leaked.push(TopLeak { _t: track!() });
        std::thread::sleep(Duration::from_millis(10));
    }
    // On a busy machine the sampler may lag: keep leaking until it has seen the growth.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let text = loop {
        let out = instrack(&["top", &server.addr().to_string(), "--once"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let text = stdout(&out);
        if text.contains("! cli::TopLeak") || std::time::Instant::now() > deadline {
            break text;
        }
        leaked.push(TopLeak { _t: track!() });
        std::thread::sleep(Duration::from_millis(100));
    };
    println!("{text}");
    let live = 50 + leaked.len();
    assert!(text.starts_with(&format!("instrack top  http://{}  2 types, {live} live", server.addr())), "{text}");
    let rows: Vec<&str> = text.lines().skip(3).collect();
    assert!(rows[0].starts_with("! cli::TopLeak"), "most grown first, a suspect: {text}");
    assert!(rows[0].contains("suspect +"), "{text}");
    assert!(rows[1].starts_with("  cli::TopFlat") && rows[1].contains(" 50 "), "{text}");
    assert!(rows[0].contains('█'), "a sparkline: {text}");
}
