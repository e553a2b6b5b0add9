//! Watching a running program: the bounded timeline, the suspects rule on
//! synthetic series (an injected clock, no sleeping), growth, the sampler
//! thread, and the report at exit (in a child process).
//!
//! Tests here run in parallel with the rest of `tests/it`: each uses types
//! of its own and looks only at them. Only `growth_shows_what_grew_since_the_previous_call`
//! calls the process-wide `growth()`.

use instrack::{track, Sampler, Timeline, Tracked};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// A timeline of one type named `name`, one sample a second, live counts from `live`.
fn one_series(name: &str, live: impl IntoIterator<Item = usize>) -> Timeline {
    let mut timeline = Timeline::default();
    for (s, n) in live.into_iter().enumerate() {
        timeline.record(secs(s as u64), [(name, n, s as u64)]);
    }
    timeline
}

fn suspect_names(timeline: &Timeline) -> Vec<String> {
    timeline.suspects().iter().map(|s| s.type_name().to_owned()).collect()
}

/// A small deterministic generator (xorshift), for noise.
struct Noise(u64);
impl Noise {
    fn next(&mut self, below: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % below as u64) as usize
    }
}

// ---- the bounded timeline ------------------------------------------------

#[test]
fn recent_samples_stay_at_full_resolution_and_older_ones_merge_by_four() {
    // 124 samples: the 4 beyond the 120 recent ones make one bucket.
    let live = [7, 2, 9, 4, 5, 6];
    let timeline = one_series("A", (0..124).map(|s| live.get(s).copied().unwrap_or(100 + s)));
    let points = timeline.series()[0].points();
    assert_eq!(points.len(), 121);
    let bucket = points[0];
    // Samples 0..=3 (live 7, 2, 9, 4): the last's time and count, their min and max.
    assert_eq!(
        (bucket.at(), bucket.live(), bucket.live_min(), bucket.live_max(), bucket.total()),
        (secs(3), 4, 2, 9, 3)
    );
    // Everything after the bucket is one sample a second, in order.
    for (i, p) in points[1..].iter().enumerate() {
        assert_eq!(p.at(), secs(4 + i as u64));
        assert_eq!((p.live_min(), p.live_max()), (p.live(), p.live()));
    }
}

#[test]
fn a_week_of_samples_stays_bounded_and_keeps_its_extremes_and_its_start() {
    let week = 7 * 86_400;
    let mut timeline = Timeline::default();
    for s in 0..week {
        let live = match s {
            1_000 => 1_000_000, // one spike, long ago
            5_000 => 0,         // one dip
            _ => 500 + (s % 100) as usize,
        };
        timeline.record(secs(s), [("A", live, s)]);
    }
    let points = timeline.series()[0].points();
    assert!(points.len() <= 620, "{} points", points.len());
    assert_eq!(timeline.samples(), week);
    assert_eq!(timeline.span(), secs(week - 1));
    assert!(points.windows(2).all(|w| w[0].at() < w[1].at()), "oldest first");
    assert!(points[0].at() < secs(86_400), "the start of the week is still covered");
    assert_eq!(points.iter().map(|p| p.live_max()).max(), Some(1_000_000));
    assert_eq!(points.iter().map(|p| p.live_min()).min(), Some(0));
    let last = points[points.len() - 1];
    assert_eq!((last.at(), last.total()), (secs(week - 1), week - 1));
    // The last 100 points are the last 100 samples.
    let recent = &points[points.len() - 100..];
    assert!(recent.iter().enumerate().all(|(i, p)| p.at() == secs(week - 100 + i as u64)));
}

#[test]
fn a_day_of_one_type_takes_a_few_hundred_points() {
    let timeline = one_series("A", (0..86_400).map(|s| s % 50));
    let n = timeline.series()[0].points().len();
    println!("a day: {n} points");
    assert!((300..=620).contains(&n), "{n} points");
}

#[test]
fn types_named_twice_in_a_sample_are_summed_and_time_never_goes_back() {
    let mut timeline = Timeline::default();
    timeline.record(secs(10), [("A", 1, 1), ("B", 4, 4), ("A", 2, 5)]);
    timeline.record(secs(5), [("A", 3, 7)]); // earlier than the previous sample
    let a = timeline.get("A").expect("A was sampled");
    let points: Vec<_> = a.points().iter().map(|p| (p.at(), p.live(), p.total())).collect();
    assert_eq!(points, [(secs(10), 3, 6), (secs(10), 3, 7)]);
    assert_eq!(timeline.get("B").map(|b| b.points().len()), Some(1), "B was absent from the second sample");
    assert_eq!(timeline.span(), Duration::ZERO);
    assert!(timeline.get("C").is_none());
}

#[test]
fn display_lists_most_grown_first_with_a_sparkline() {
    let mut timeline = Timeline::default();
    for s in 0..20u64 {
        let n = s as usize;
        timeline.record(secs(s), [("flat::Pool", 5, s), ("leaky::Session", 2 * n, s), ("small::Cache", n, s)]);
    }
    let text = timeline.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].contains("3 tracked types over 19.0s, 20 samples"), "{text}");
    assert!(lines[1].contains("leaky::Session") && lines[1].contains("first 0  last 38  min 0  max 38"), "{text}");
    assert!(lines[2].contains("small::Cache"), "{text}");
    assert!(lines[3].contains("flat::Pool") && lines[3].contains("first 5  last 5  min 5  max 5"), "{text}");
    assert!(lines[1].contains('▁') && lines[1].contains('█'), "the sparkline spans the range: {text}");
    assert!(lines[3].contains(&"▁".repeat(20)), "a flat series is a flat line: {text}");
}

// ---- the suspects rule, on synthetic series ------------------------------

#[test]
fn steady_growth_is_a_suspect_with_its_rate() {
    // +2 a minute for 30 minutes, sampled every 10 s.
    let mut timeline = Timeline::default();
    for s in (0..1800u64).step_by(10) {
        timeline.record(secs(s), [("Leak", 100 + (s / 30) as usize, s)]);
    }
    let suspects = timeline.suspects();
    assert_eq!(suspects.len(), 1);
    let leak = &suspects[0];
    assert_eq!(leak.type_name(), "Leak");
    assert!((leak.per_minute() - 2.0).abs() < 0.1, "{}", leak.per_minute());
    // The last sample at the first floor, 100, was at 20 s; it is merged
    // into a bucket of 4 samples that ends at 30 s.
    assert!(leak.since() >= secs(20) && leak.since() <= secs(30), "{:?}", leak.since());
    assert_eq!(leak.floors().0, 100);
    assert!(leak.reason().contains("rose from 100 to"), "{}", leak.reason());
    assert!(leak.to_string().starts_with("Leak: +2.0/min, growing since "), "{leak}");
    assert!(leak.to_string().contains(" after sampling started: its floor "), "{leak}");
}

#[test]
fn a_sawtooth_with_a_rising_floor_is_a_suspect() {
    // A cache that fills to +60 and empties every 90 s, on a floor that rises by 1 each cycle.
    let live = (0..3600).map(|s| s / 90 + (s % 90) * 60 / 90);
    let suspects = one_series("Cache", live).suspects();
    assert_eq!(suspects.len(), 1);
    let per_minute = suspects[0].per_minute();
    assert!((per_minute - 60.0 / 90.0).abs() < 0.15, "{per_minute}");
}

#[test]
fn a_sawtooth_with_a_flat_floor_is_not() {
    for period in [7, 60, 500] {
        let live = (0..3600).map(|s| 10 + (s % period) * 100 / period);
        assert_eq!(suspect_names(&one_series("Cache", live)), Vec::<String>::new(), "period {period}");
    }
}

#[test]
fn a_burst_then_flat_is_not() {
    for burst_at in [100, 1800, 3500] {
        let live = (0..3600).map(|s| if s < burst_at { 10 } else { 5000 });
        assert!(suspect_names(&one_series("Burst", live)).is_empty(), "burst at {burst_at}");
    }
    // Nor growth that stopped halfway or earlier: a cache warming up.
    for until in [100, 1800, 2400] {
        let live = (0..3600).map(|s| 10 + s.min(until));
        assert!(suspect_names(&one_series("Warmup", live)).is_empty(), "warm-up until {until}");
    }
}

#[test]
fn noise_is_not() {
    for seed in 1..=200u64 {
        let mut noise = Noise(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let live = (0..600).map(|_| 100 + noise.next(50));
        assert!(suspect_names(&one_series("Noisy", live)).is_empty(), "seed {seed}");
        // Few samples, so the floors themselves are noisy.
        let live = (0..20).map(|_| 100 + noise.next(50));
        assert!(suspect_names(&one_series("Sparse", live)).is_empty(), "seed {seed}");
    }
}

#[test]
fn a_leak_under_noise_with_a_dip_is_still_a_suspect_since_it_began() {
    let mut noise = Noise(42);
    // Flat for 10 minutes, then +5 a minute for 20 minutes, with noise and
    // one dip (some of the leaked values freed, once).
    let live = (0..1800).map(|s| {
        let base = if s < 600 { 200 } else { 200 + (s - 600) / 12 };
        if s == 1500 {
            base - 30
        } else {
            base + noise.next(20)
        }
    });
    let suspects = one_series("Leak", live).suspects();
    assert_eq!(suspects.len(), 1, "a dip does not clear a leak");
    let leak = &suspects[0];
    assert!(leak.since() >= secs(500) && leak.since() <= secs(700), "{:?}", leak.since());
    assert!(leak.per_minute() > 2.0 && leak.per_minute() < 7.0, "{}", leak.per_minute());
}

#[test]
fn too_few_samples_say_nothing() {
    assert!(one_series("Short", [1, 2, 3, 4, 5]).suspects().is_empty());
    assert!(Timeline::default().suspects().is_empty());
}

#[test]
fn suspects_come_fastest_first() {
    let mut timeline = Timeline::default();
    for s in 0..600u64 {
        let n = s as usize;
        timeline.record(secs(s), [("Slow", n / 60, s), ("Fast", n / 6, s), ("Flat", 3, s)]);
    }
    assert_eq!(suspect_names(&timeline), ["Fast", "Slow"]);
}

// ---- growth ---------------------------------------------------------------

struct Grower {
    _t: Tracked<Self>,
}
fn grower() -> Grower {
    Grower { _t: track!() }
}
fn grower_entry(g: &instrack::Growth) -> Option<(usize, i64)> {
    g.entries().iter().find(|e| e.type_name().ends_with("watch::Grower")).map(|e| (e.live(), e.change()))
}

#[test]
fn growth_shows_what_grew_since_the_previous_call() {
    instrack::growth();
    let mut kept: Vec<Grower> = (0..5).map(|_| grower()).collect();
    let g = instrack::growth();
    if !instrack::ENABLED {
        assert!(g.entries().is_empty());
        assert!(g.to_string().contains("compiled out"), "{g}");
        return;
    }
    assert_eq!(grower_entry(&g), Some((5, 5)));
    assert!(g.entries().windows(2).all(|w| w[0].change() >= w[1].change()), "largest first");
    let text = g.to_string();
    assert!(text.contains("type") && text.contains("change"), "{text}");
    assert!(
        text.lines().any(|l| l.contains("watch::Grower") && l.split_whitespace().skip(1).eq(["5", "+5"])),
        "{text}"
    );

    kept.truncate(2);
    assert_eq!(grower_entry(&instrack::growth()), None, "shrank: not listed");
    kept.extend((0..3).map(|_| grower()));
    assert_eq!(grower_entry(&instrack::growth()), Some((5, 3)), "since the previous call, not the first");

    // Timeline::growth compares the timeline's ends and leaves growth()'s state alone.
    let mut timeline = Timeline::default();
    timeline.sample(secs(0));
    kept.extend((0..4).map(|_| grower()));
    timeline.sample(secs(1));
    assert_eq!(grower_entry(&timeline.growth()), Some((9, 4)));
    assert_eq!(grower_entry(&instrack::growth()), Some((9, 4)));
}

// ---- the sampler thread ---------------------------------------------------

struct Sampled {
    _t: Tracked<Self>,
}

/// Polls `sampler` until `done` holds (a test of behaviour, not of speed:
/// the generous deadline only stops a broken sampler from hanging the run).
/// Returns at once when tracking is compiled out: there is nothing to wait for.
fn wait_for(sampler: &Sampler, done: impl Fn(&Timeline) -> bool) -> Timeline {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let timeline = sampler.timeline();
        if !instrack::ENABLED || done(&timeline) || Instant::now() > deadline {
            return timeline;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn the_sampler_records_the_counts_of_every_type() {
    let sampler = Sampler::start(Duration::from_millis(1));
    let _kept: Vec<Sampled> = (0..5).map(|_| Sampled { _t: track!() }).collect();
    let sampled = |t: &Timeline| {
        t.series().iter().find(|s| s.type_name().ends_with("watch::Sampled")).and_then(|s| s.points().last()).copied()
    };
    let timeline = wait_for(&sampler, |t| t.samples() >= 3 && sampled(t).is_some_and(|p| p.live() == 5));
    if !instrack::ENABLED {
        assert!(!sampler.is_running());
        assert!(timeline.series().is_empty() && timeline.samples() == 0);
        assert!(timeline.to_string().contains("compiled out"), "{timeline}");
        return;
    }
    assert!(sampler.is_running());
    let last = sampled(&timeline).expect("Sampled was sampled");
    assert_eq!((last.live(), last.total()), (5, 5));
    assert!(timeline.started().is_some());
    let series = timeline.series().iter().find(|s| s.type_name().ends_with("watch::Sampled")).unwrap();
    assert!(series.points().windows(2).all(|w| w[0].at() <= w[1].at()));
    assert!(format!("{sampler:?}").contains("running: true"));
}

#[test]
fn dropping_a_sampler_stops_it_without_waiting_out_the_interval() {
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || {
        let sampler = Sampler::start(Duration::from_secs(3600));
        // The first sample is taken at once.
        let timeline = wait_for(&sampler, |t| t.samples() >= 1);
        assert_eq!(timeline.samples(), u64::from(instrack::ENABLED));
        drop(sampler);
        done.send(()).unwrap();
    });
    finished.recv_timeout(Duration::from_secs(60)).expect("drop returned instead of sleeping out the hour");
}

#[derive(Debug)]
#[allow(dead_code)] // read through Debug
struct Watched(u32);

/// Counts the `Debug` calls of a shared value.
struct Loud {
    calls: Arc<AtomicUsize>,
}
impl std::fmt::Debug for Loud {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.calls.fetch_add(1, Relaxed);
        f.write_str("Loud")
    }
}

#[test]
fn sampling_runs_no_user_code() {
    let calls = Arc::new(AtomicUsize::new(0));
    let loud = Arc::new(Loud { calls: calls.clone() });
    track!(&loud);
    let mut timeline = Timeline::default();
    timeline.sample(secs(0));
    timeline.sample(secs(1));
    assert_eq!(calls.load(Relaxed), 0);
    if instrack::ENABLED {
        let series = timeline.series().iter().find(|s| s.type_name().ends_with("watch::Loud")).expect("sampled");
        assert_eq!(series.points().len(), 2);
        assert_eq!(series.points()[1].live(), 1);
    }
    drop(loud);
}

// ---- the report at exit, in a child process -------------------------------

struct ExitLeak {
    _t: Tracked<Self>,
}

/// Run by the tests below as a child process (this test binary, filtered to
/// this test, with `INSTRACK_WATCH_CHILD` set); does nothing otherwise.
#[test]
fn exit_child() {
    let Ok(pattern) = std::env::var("INSTRACK_WATCH_CHILD") else { return };
    let guard = instrack::report_at_exit(&pattern);
    println!("pattern={:?} file={:?}", guard.pattern(), guard.file());
    for _ in 0..3 {
        std::mem::forget(ExitLeak { _t: track!() });
    }
    // The guard writes when dropped, at the end of this function.
}

/// Runs `exit_child` with `pattern` and the environment `env`; returns its stdout and stderr.
fn run_exit_child(pattern: &str, env: &[(&str, &str)]) -> (String, String) {
    let mut child = std::process::Command::new(std::env::current_exe().unwrap());
    child.args(["--exact", "watch::exit_child", "--nocapture", "--test-threads=1"]);
    child.env("INSTRACK_WATCH_CHILD", pattern).env_remove("INSTRACK_REPORT").env_remove("INSTRACK_REPORT_FILE");
    child.envs(env.iter().copied());
    let out = child.output().unwrap();
    let (stdout, stderr) =
        (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned());
    assert!(out.status.success(), "child failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("1 passed"), "the child ran its test:\n{stdout}");
    (stdout, stderr)
}

fn temp_file(name: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("instrack-{}-{name}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

#[test]
fn the_exit_report_goes_to_stderr_with_the_growth_since_the_guard() {
    let (_, stderr) = run_exit_child("ExitLeak", &[]);
    if instrack::ENABLED {
        assert!(stderr.contains("ExitLeak: 3 live, 3 total"), "{stderr}");
        assert!(stderr.contains("growth since report_at_exit"), "{stderr}");
        assert!(!stderr.contains("suspect"), "no sampler ran: nothing to say of suspects: {stderr}");
        assert!(
            stderr.lines().any(|l| l.contains("watch::ExitLeak") && l.split_whitespace().skip(1).eq(["3", "+3"])),
            "{stderr}"
        );
    } else {
        assert!(stderr.contains("compiled out"), "{stderr}");
        assert!(!stderr.contains("ExitLeak"), "{stderr}");
    }
}

#[test]
fn instrack_report_overrides_the_pattern_and_report_file_takes_the_text() {
    let file = temp_file("exit-report");
    let path = file.to_str().unwrap();
    let (stdout, stderr) =
        run_exit_child("NoSuchType", &[("INSTRACK_REPORT", "ExitLeak"), ("INSTRACK_REPORT_FILE", path)]);
    assert!(stdout.contains("pattern=Some(\"ExitLeak\")"), "{stdout}");
    let text = std::fs::read_to_string(&file).expect("the report was written to the file");
    assert!(!stderr.contains("instrack:"), "nothing on stderr: {stderr}");
    if instrack::ENABLED {
        assert!(text.contains("ExitLeak: 3 live"), "{text}");
        assert!(!text.contains("NoSuchType"), "{text}");
    } else {
        assert!(text.contains("compiled out"), "{text}");
    }
    // A second run appends.
    run_exit_child("ExitLeak", &[("INSTRACK_REPORT_FILE", path)]);
    let twice = std::fs::read_to_string(&file).unwrap();
    assert!(twice.len() > text.len() && twice.starts_with(&text));
    let _ = std::fs::remove_file(&file);
}

#[test]
fn instrack_report_off_disables_the_exit_report() {
    let file = temp_file("exit-off");
    let (stdout, stderr) =
        run_exit_child("ExitLeak", &[("INSTRACK_REPORT", "off"), ("INSTRACK_REPORT_FILE", file.to_str().unwrap())]);
    assert!(stdout.contains("pattern=None"), "{stdout}");
    assert!(!file.exists());
    assert!(!stderr.contains("instrack:"), "{stderr}");
}

#[test]
fn sampler_timeline_and_growth_are_send_and_sync() {
    fn both<T: Send + Sync>() {}
    both::<Sampler>();
    both::<Timeline>();
    both::<instrack::Growth>();
    both::<instrack::Suspect>();
    both::<instrack::ExitReport>();
}
