//! `report_on_signal` (feature `signal`, Unix): a child process — this test
//! binary, filtered to `child` — registers the report; the test sends it
//! `SIGUSR1` twice with `kill` and reads the two reports from the file named
//! by `INSTRACK_REPORT_FILE`. A test binary of its own, so no other test
//! shares the child's signal handlers.
#![cfg(all(unix, feature = "signal"))]

use instrack::{track, Tracked};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct SigLeak {
    _t: Tracked<Self>,
}

/// The child: tracked values, the registration, then waits for its stdin to close.
#[test]
fn child() {
    if std::env::var_os("INSTRACK_SIGNAL_CHILD").is_none() {
        return;
    }
    let _kept: Vec<SigLeak> = (0..3).map(|_| SigLeak { _t: track!() }).collect();
    // A sampler ran: the reports say which types were leak suspects (none).
    let _sampler = instrack::Sampler::start(Duration::from_millis(5));
    let registration = instrack::report_on_signal("SigLeak").expect("the handler registers");
    println!("ready {:?}", registration.pattern());
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    drop(registration); // unregisters and joins the reporting thread
}

fn reports_in(file: &std::path::Path) -> usize {
    std::fs::read_to_string(file).map_or(0, |text| text.matches("instrack: report on SIGUSR1").count())
}

/// Waits until `file` holds `n` reports (the deadline only keeps a broken
/// handler from hanging the run; nothing here measures speed).
fn wait_for_reports(file: &std::path::Path, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while reports_in(file) < n {
        assert!(Instant::now() < deadline, "no report {n} after SIGUSR1");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Starts the child with `INSTRACK_REPORT_FILE=file` and waits until it has
/// registered; returns it with its stdout.
fn start_child(file: &Path, stderr: Stdio) -> (Child, BufReader<ChildStdout>) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child", "--nocapture", "--test-threads=1"])
        .env("INSTRACK_SIGNAL_CHILD", "1")
        .env("INSTRACK_REPORT_FILE", file)
        .env_remove("INSTRACK_REPORT")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    // libtest prints "test child ... " first, on the same line.
    while !line.contains("ready ") {
        line.clear();
        assert!(stdout.read_line(&mut line).unwrap() > 0, "the child ended before registering");
    }
    assert!(line.trim_end().ends_with("ready Some(\"SigLeak\")"), "{line}");
    (child, stdout)
}

#[test]
fn sigusr1_writes_a_report_each_time_and_the_process_lives_on() {
    let file = std::env::temp_dir().join(format!("instrack-signal-{}", std::process::id()));
    let _ = std::fs::remove_file(&file);
    let (mut child, mut stdout) = start_child(&file, Stdio::inherit());

    let pid = child.id().to_string();
    for n in 1..=2 {
        assert!(Command::new("kill").args(["-USR1", &pid]).status().unwrap().success());
        wait_for_reports(&file, n);
    }
    drop(child.stdin.take()); // lets the child finish
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "SIGUSR1 must not end the process: {status:?}\n{rest}");
    assert!(rest.contains("1 passed"), "{rest}");

    let text = std::fs::read_to_string(&file).unwrap();
    let _ = std::fs::remove_file(&file);
    let reports: Vec<&str> = text.split("instrack: report on SIGUSR1\n").skip(1).collect();
    assert_eq!(reports.len(), 2, "{text}");
    if instrack::ENABLED {
        for report in &reports {
            assert!(report.contains("signal::SigLeak: 3 live, 3 total"), "{report}");
            // What the run's samplers saw (issue 18): SigLeak is flat.
            assert!(
                report.contains("instrack: no tracked type was a leak suspect while the sampler ran\n"),
                "{report}"
            );
        }
        // The first compares with nothing, the second with the first.
        let grew =
            |r: &str| r.lines().any(|l| l.contains("signal::SigLeak") && l.split_whitespace().skip(1).eq(["3", "+3"]));
        assert!(grew(reports[0]), "{}", reports[0]);
        assert!(!grew(reports[1]) && reports[1].contains("no tracked type grew"), "{}", reports[1]);
    } else {
        for report in &reports {
            assert!(report.contains("compiled out"), "{report}");
        }
    }
}

/// Issue 16, fault 7: a report file that cannot be opened does not lose the
/// signal report: it goes to stderr, after one line that says why.
#[test]
fn an_unwritable_report_file_sends_the_signal_report_to_stderr_saying_why() {
    let file = std::env::temp_dir().join(format!("instrack-signal-missing-{}", std::process::id())).join("report");
    let (mut child, mut stdout) = start_child(&file, Stdio::piped());
    let stderr = Arc::new(Mutex::new(String::new()));
    let reader = {
        let (mut pipe, stderr) = (child.stderr.take().unwrap(), Arc::clone(&stderr));
        std::thread::spawn(move || {
            let mut buf = [0; 4096];
            while let Ok(n @ 1..) = pipe.read(&mut buf) {
                stderr.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        })
    };
    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-USR1", &pid]).status().unwrap().success());
    let deadline = Instant::now() + Duration::from_secs(60);
    // The growth section ends the report.
    while !stderr.lock().unwrap().contains("instrack: growth since") && !stderr.lock().unwrap().contains("compiled out")
    {
        assert!(Instant::now() < deadline, "no report on stderr after SIGUSR1: {}", stderr.lock().unwrap());
        std::thread::sleep(Duration::from_millis(5));
    }
    drop(child.stdin.take());
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert!(child.wait().unwrap().success(), "{rest}");
    reader.join().unwrap();
    let stderr = stderr.lock().unwrap().clone();
    let why = format!(
        "instrack: cannot write the report to {file:?}: No such file or directory (os error 2); writing it to stderr instead\n\
         instrack: report on SIGUSR1\n"
    );
    assert!(stderr.contains(&why), "{stderr}");
    let expected = if instrack::ENABLED { "signal::SigLeak: 3 live, 3 total" } else { "compiled out" };
    assert!(stderr.contains(expected), "{stderr}");
    assert!(!file.exists());
}
