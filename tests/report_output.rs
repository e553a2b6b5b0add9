//! Issue 16, faults 1 and 7: where reports go, checked in child processes of
//! this test binary (each test below runs it again, filtered to one `child_`
//! function, with the scenario in the environment):
//! - a report never holds stderr's lock while a user `Debug` runs: the
//!   deadlock of the issue, run under a timeout, so that a deadlock fails the
//!   test instead of hanging CI;
//! - the exit report falls back to stderr, saying why, when the file
//!   `INSTRACK_REPORT_FILE` names cannot be opened or written.
//!
//! A binary of its own: the children's exit reports and stderr must hold
//! nothing of other tests.

use instrack::track;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SCENARIO: &str = "INSTRACK_TEST_SCENARIO";

/// Runs `child` of this binary with `env`, and returns what it printed;
/// fails if it has not ended within `timeout`.
fn run_child(child: &str, env: &[(&str, &std::ffi::OsStr)], timeout: Duration) -> Output {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command.args(["--exact", child, "--nocapture", "--test-threads=1"]);
    command.env_remove("INSTRACK_REPORT").env_remove("INSTRACK_REPORT_FILE");
    for (key, value) in env {
        command.env(key, value);
    }
    let mut running = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let deadline = Instant::now() + timeout;
    while running.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = running.kill();
            let output = running.wait_with_output().unwrap();
            panic!(
                "{child} did not end within {timeout:?}: deadlocked\nstdout:\n{}\nstderr:\n{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let output = running.wait_with_output().unwrap();
    assert!(output.status.success(), "{child}: {:?}\n{}", output.status, String::from_utf8_lossy(&output.stderr));
    output
}

// ---- fault 1: no lock held while a user `Debug` runs ----------------------

static LOCKY_MUTEX: Mutex<()> = Mutex::new(());
static IN_DEBUG: AtomicBool = AtomicBool::new(false);

/// A `Debug` that takes a lock of the program's own.
struct Locky;

impl fmt::Debug for Locky {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        IN_DEBUG.store(true, Ordering::SeqCst);
        let _held = LOCKY_MUTEX.lock().unwrap();
        f.write_str("Locky")
    }
}

/// Thread A holds the program's lock and writes to stderr once thread B's
/// report is inside `Debug`, waiting for that lock. B must not hold stderr's
/// lock then, or both wait forever. `how` is how B reports.
fn locky_scenario(how: &str) {
    let locky = Arc::new(Locky);
    track!(&locky);
    let held = LOCKY_MUTEX.lock().unwrap();
    let reporter = {
        let how = how.to_owned();
        std::thread::spawn(move || match how.as_str() {
            "report" => instrack::report("Locky"),
            "exit" => drop(instrack::report_at_exit("Locky")),
            other => panic!("unknown scenario {other}"),
        })
    };
    while !IN_DEBUG.load(Ordering::SeqCst) {
        if !instrack::ENABLED || reporter.is_finished() {
            break; // compiled out: no Debug runs
        }
        std::thread::yield_now();
    }
    eprintln!("thread A writes while holding the lock");
    drop(held);
    reporter.join().unwrap();
    drop(locky);
}

#[test]
fn child_locky() {
    if let Ok(how) = std::env::var(SCENARIO) {
        locky_scenario(&how);
    }
}

fn assert_no_deadlock(how: &str) {
    let output = run_child("child_locky", &[(SCENARIO, how.as_ref())], Duration::from_secs(30));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("thread A writes while holding the lock"), "{stderr}");
    if instrack::ENABLED {
        assert!(stderr.contains("Locky: 1 live"), "{stderr}");
        assert!(stderr.contains("  Locky\n"), "the Debug text: {stderr}");
    } else {
        assert!(stderr.contains("compiled out"), "{stderr}");
    }
}

#[test]
fn report_runs_debug_with_no_lock_held_not_even_stderrs() {
    assert_no_deadlock("report");
}

#[test]
fn the_exit_report_runs_debug_with_no_lock_held() {
    assert_no_deadlock("exit");
}

// ---- fault 7: a report file that cannot be written -------------------------

struct ExitLeak {
    _t: instrack::Tracked<Self>,
}

#[test]
fn child_exit() {
    if std::env::var_os(SCENARIO).is_none() {
        return;
    }
    let _report = instrack::report_at_exit("ExitLeak");
    // Alive when the guard drops: the leak the report is about.
    std::mem::forget(ExitLeak { _t: track!() });
}

/// Runs the exit report with `INSTRACK_REPORT_FILE=path` and returns the
/// child's stderr.
fn exit_report_with_file(path: &Path) -> String {
    let output = run_child(
        "child_exit",
        &[(SCENARIO, "exit".as_ref()), ("INSTRACK_REPORT_FILE", path.as_os_str())],
        Duration::from_secs(30),
    );
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The report is on stderr, after one line that names the path and the OS
/// error, and nowhere else.
fn assert_fell_back(stderr: &str, path: &Path, error: &str) {
    let why = format!("instrack: cannot write the report to {path:?}: {error}");
    let lines: Vec<&str> = stderr.lines().collect();
    let at = lines.iter().position(|l| l.starts_with(&why)).unwrap_or_else(|| panic!("no {why:?} in:\n{stderr}"));
    assert!(lines[at].ends_with("; writing it to stderr instead"), "{stderr}");
    let report = lines[at + 1..].join("\n");
    if instrack::ENABLED {
        assert!(report.contains("instrack: 1 live instance of 1 tracked type matching \"ExitLeak\""), "{stderr}");
        assert!(report.contains("ExitLeak: 1 live, 1 total, 1 peak"), "{stderr}");
        assert!(report.contains("instrack: growth since report_at_exit"), "{stderr}");
    } else {
        assert!(report.contains("compiled out"), "{stderr}");
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("instrack-report-output-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_report_file_in_a_missing_directory_falls_back_to_stderr_saying_why() {
    let dir = scratch("missing");
    let path = dir.join("no such directory").join("report.txt");
    let stderr = exit_report_with_file(&path);
    assert_fell_back(&stderr, &path, "No such file or directory (os error 2)");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_report_file_that_is_a_directory_falls_back_to_stderr_saying_why() {
    let dir = scratch("directory");
    let stderr = exit_report_with_file(&dir);
    assert_fell_back(&stderr, &dir, "Is a directory (os error 21)");
    std::fs::remove_dir_all(dir).unwrap();
}

/// Opened for appending (by root too), but every write fails.
#[test]
fn a_report_file_that_cannot_be_written_falls_back_to_stderr_saying_why() {
    for (path, error) in [("/proc/version", "os error"), ("/dev/full", "No space left on device (os error 28)")] {
        let path = Path::new(path);
        if !path.exists() {
            continue; // not Linux
        }
        let stderr = exit_report_with_file(path);
        assert_fell_back(&stderr, path, "");
        assert!(stderr.lines().next().is_some_and(|l| l.contains(error)), "{stderr}");
    }
}

/// Read-only: unwritable unless the test runs as root, who may write it
/// anyway; either way the report is where it can be read.
#[test]
fn a_read_only_report_file_falls_back_to_stderr_unless_it_can_be_written() {
    let dir = scratch("read-only");
    let path = dir.join("report.txt");
    std::fs::write(&path, "before\n").unwrap();
    let mut permissions = std::fs::metadata(&path).unwrap().permissions();
    permissions.set_readonly(true);
    std::fs::set_permissions(&path, permissions).unwrap();
    let writable = std::fs::OpenOptions::new().append(true).open(&path).is_ok(); // root
    let stderr = exit_report_with_file(&path);
    let file = std::fs::read_to_string(&path).unwrap();
    if writable {
        assert!(!stderr.contains("instrack"), "{stderr}");
        assert!(file.starts_with("before\ninstrack: "), "{file}");
    } else {
        assert_fell_back(&stderr, &path, "Permission denied (os error 13)");
        assert_eq!(file, "before\n");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// The control: a writable file gets the report, and stderr nothing of it.
#[test]
fn a_writable_report_file_gets_the_report_and_stderr_stays_quiet() {
    let dir = scratch("writable");
    let path = dir.join("report.txt");
    let stderr = exit_report_with_file(&path);
    assert!(!stderr.contains("instrack"), "{stderr}");
    let file = std::fs::read_to_string(&path).unwrap();
    let expected = if instrack::ENABLED { "ExitLeak: 1 live" } else { "compiled out" };
    assert!(file.contains(expected), "{file}");
    std::fs::remove_dir_all(dir).unwrap();
}
