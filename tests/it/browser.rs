//! The page as a person sees it: `examples/dashboard.rs --write` makes it, and
//! headless Chromium renders it; the test reads the DOM after the page's
//! scripts ran, and saves a screenshot in `target/instrack-browser/<profile>/`.
//!
//! Skipped, with a message, when Chromium or the example binary is missing;
//! with `INSTRACK_BROWSER_TESTS=1` (as `.ci/features.sh` sets) a missing one fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Why the test cannot run: a failure when browser tests are required.
fn missing(what: &str) {
    if std::env::var_os("INSTRACK_BROWSER_TESTS").is_some_and(|v| v == "1") {
        panic!("INSTRACK_BROWSER_TESTS=1 but {what}");
    }
    eprintln!("browser test SKIPPED: {what} (set INSTRACK_BROWSER_TESTS=1 to make this a failure)");
}

fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("INSTRACK_CHROMIUM") {
        return Some(path.into());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// `target/<profile>/`: the test binary lives in its `deps/`.
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().and_then(Path::parent).unwrap().to_path_buf()
}

/// Runs `command` to its end or for at most a minute; its stdout.
fn run(command: &mut Command) -> String {
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("start");
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{command:?} did not finish within a minute");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{command:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Headless Chromium on `page`, with a fresh profile and nothing that
/// reaches the network; `extra` says what to produce.
fn chromium_on(browser: &Path, page: &Path, profile: &Path, extra: &[String]) -> String {
    let mut command = Command::new(browser);
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()));
    run(&mut command)
}

/// The text between the first `start` and the next `end` after it.
fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text.find(start).unwrap_or_else(|| panic!("{start:?} not found")) + start.len();
    let to = text[from..].find(end).unwrap_or_else(|| panic!("{end:?} not found after {start:?}"));
    &text[from..from + to]
}

/// Every value of `attribute` in `text`, in order.
fn attributes(text: &str, attribute: &str) -> Vec<String> {
    let needle = format!("{attribute}=\"");
    text.match_indices(&needle)
        .map(|(i, _)| {
            let rest = &text[i + needle.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect()
}

#[test]
fn the_dashboard_page_in_headless_chromium() {
    let Some(browser) = chromium() else {
        return missing("chromium is not installed (apt-get install chromium)");
    };
    let example = profile_dir().join("examples/dashboard");
    if !example.is_file() {
        return missing(&format!(
            "{} is not built (`cargo test --features http` builds it; a filtered `--test it` run does not)",
            example.display()
        ));
    }
    let profile = if cfg!(debug_assertions) { "debug" } else { "release" };
    let out = profile_dir().parent().unwrap().join("instrack-browser").join(profile);
    std::fs::create_dir_all(&out).unwrap();
    let page = out.join("dashboard.html");
    run(Command::new(&example).args(["--write", page.to_str().unwrap(), "--seconds", "3"]));
    let html = std::fs::read_to_string(&page).unwrap();

    // The same page with a script that clicks a header once loaded (the
    // "live" one, or "type" twice): the DOM dumped afterwards shows what the
    // clicks did.
    let clicking = |key: &str, times: usize| {
        let path = out.join(format!("dashboard-clicked-{key}.html"));
        let click = format!("document.querySelector('th[data-key={key}]').click();").repeat(times);
        std::fs::write(&path, html.replacen("</body>", &format!("<script>{click}</script></body>"), 1)).unwrap();
        path
    };
    let (by_live, by_type) = (clicking("live", 1), clicking("type", 2));

    let tmp = std::env::temp_dir().join(format!("instrack-chromium-{}", std::process::id()));
    let screenshot = out.join("dashboard.png");
    let _ = std::fs::remove_file(&screenshot);
    chromium_on(
        &browser,
        &page,
        &tmp.join("shot"),
        &[format!("--screenshot={}", screenshot.display()), "--window-size=1280,2000".into()],
    );
    assert!(std::fs::metadata(&screenshot).map(|m| m.len() > 10_000).unwrap_or(false), "no screenshot");
    let dom = chromium_on(&browser, &page, &tmp.join("plain"), &["--dump-dom".into()]);
    let dump = |page: &Path, profile: &str| chromium_on(&browser, page, &tmp.join(profile), &["--dump-dom".into()]);
    let (clicked, clicked_type) =
        if instrack::ENABLED { (dump(&by_live, "live"), dump(&by_type, "type")) } else { Default::default() };
    let _ = std::fs::remove_dir_all(&tmp);
    eprintln!("browser test: page, DOM and screenshot in {}", out.display());
    std::fs::write(out.join("dashboard-dom.html"), &dom).unwrap();

    if !instrack::ENABLED {
        assert!(dom.contains("tracking is compiled out"), "{dom}");
        return;
    }

    // The leaking type is the suspect the page names first.
    let suspects = between(&dom, "<section id=\"suspects\">", "</section>");
    let first = between(suspects, "<li class=\"suspect\"><span class=\"type\">", "</span>");
    assert!(first.ends_with("Session"), "first suspect: {first}\n{suspects}");
    assert!(suspects.contains("<span class=\"type\">dashboard::CachedPage</span>"), "the second leak:\n{suspects}");
    assert!(!suspects.contains("CacheEntry"), "the sawtooth cache is not a suspect:\n{suspects}");

    // The chart: one series per type, the same types as the table's.
    let chart = between(&dom, "<svg class=\"chart\"", "</svg>");
    let mut series = attributes(chart, "data-type");
    let mut table: Vec<String> =
        attributes(between(&dom, "<tbody>", "</tbody>"), "data-v").into_iter().filter(|v| v.contains("::")).collect();
    series.sort();
    table.sort();
    assert_eq!(series, table, "one series per tracked type");
    assert!(chart.contains("class=\"series suspect\" data-type=\"dashboard::Session\""));
    assert!(chart.contains("class=\"series suspect\" data-type=\"dashboard::CachedPage\""));
    assert!(chart.contains(">Session</text>") && chart.contains(">CachedPage</text>"), "named at their line ends");
    assert!(chart.contains("time since sampling started (s)") && chart.contains("live instances"));

    // Escaped Debug text is text: the only scripts are the page's own.
    assert_eq!(dom.matches("<script").count(), 1, "a script element came from Debug text");
    assert!(dom.contains("&lt;script&gt;alert('x')&lt;/script&gt;"), "the hostile user name is shown as text");

    // The click sorted the table by live count, ascending.
    let live_of_rows = |dom: &str| -> Vec<u64> {
        between(dom, "<table class=\"sortable\" id=\"types-table\">", "</table>")
            .split("<tr>")
            .skip(2) // before the head row, the head row
            .map(|row| {
                let cells = attributes(row, "data-v");
                cells[1].parse().unwrap()
            })
            .collect()
    };
    let before = live_of_rows(&dom);
    let after = live_of_rows(&clicked);
    assert!(before.windows(2).all(|w| w[0] >= w[1]), "first shown most live first: {before:?}");
    assert!(after.windows(2).all(|w| w[0] <= w[1]), "sorted ascending after the click: {after:?}");
    assert_ne!(before, after, "the click changed the order");
    assert!(clicked.contains("data-key=\"live\" class=\"num\" aria-sort=\"ascending\""));
    // Two clicks on "type": by name, descending (text, not numbers).
    let names: Vec<String> = between(&clicked_type, "<table class=\"sortable\" id=\"types-table\">", "</table>")
        .split("<tr>")
        .skip(2)
        .map(|row| attributes(row, "data-v")[0].clone())
        .collect();
    let mut expected = names.clone();
    // The script compares text with `localeCompare`: letters before case
    // (`CacheEntry` < `CachedPage`), as a case-insensitive order tells here.
    expected.sort_by_key(|name| std::cmp::Reverse(name.to_lowercase()));
    assert_eq!(names, expected, "sorted by name, descending, after two clicks");
    assert!(clicked_type.contains("data-key=\"type\" aria-sort=\"descending\""));

    // The leaked cycle is drawn.
    let cycles = between(&dom, "<section id=\"cycles\">", "</section>");
    assert!(cycles.contains("<svg class=\"cycle-graph\"") && cycles.contains("digraph"));
}

/// Issue 18: `--help` and an unknown flag print the example's usage instead
/// of serving (which would run until killed).
#[test]
fn the_dashboard_prints_its_usage_for_help_and_for_an_unknown_flag() {
    let example = profile_dir().join("examples/dashboard");
    if !example.is_file() {
        return missing(&format!("{} is not built", example.display()));
    }
    let ends = |args: &[&str]| -> std::process::Output {
        let mut child =
            Command::new(&example).args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("start");
        let deadline = Instant::now() + Duration::from_secs(60);
        while child.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("dashboard {args:?} did not end: it served instead of printing its usage");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        child.wait_with_output().unwrap()
    };
    for help in ["--help", "-h"] {
        let out = ends(&[help]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{help}: {out:?}");
        assert!(stdout.starts_with("usage: dashboard [--write PATH] [--seconds N]\n"), "{stdout}");
        assert!(!stdout.contains("instrack: open"), "{help} served: {stdout}");
    }
    for wrong in [&["--port", "8080"][..], &["--seconds", "soon"], &["--write"]] {
        let out = ends(wrong);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{wrong:?}: {out:?}");
        assert!(stderr.starts_with("dashboard: ") && stderr.contains("usage: dashboard"), "{wrong:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{wrong:?} served: {out:?}");
    }
}
