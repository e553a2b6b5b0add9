//! Issue 18, point 5: the exit report keeps what the run saw. A type that was
//! a leak suspect while a `Sampler` ran is named with its rate and its peak,
//! even when its values were torn down before the report.

use instrack::{track, Sampler, Timeline, Tracked};
use std::time::{Duration, Instant};

struct TornDown {
    _t: Tracked<Self>,
}

struct SteadyNeighbour {
    _t: Tracked<Self>,
}

fn names_suspect(t: &Timeline, suffix: &str) -> bool {
    t.suspects().iter().any(|s| s.type_name().ends_with(suffix))
}

/// Until `done` holds; the deadline only keeps a broken sampler from hanging the run.
fn until(mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "gave up waiting");
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn the_exit_report_names_a_suspect_whose_values_are_gone() {
    if std::env::var_os("INSTRACK_REPORT").is_some() {
        return; // the pattern would not be ours
    }
    let guard = instrack::report_at_exit("TornDown SteadyNeighbour");
    let sampler = Sampler::start(Duration::from_millis(2));
    let _steady: Vec<SteadyNeighbour> = (0..5).map(|_| SteadyNeighbour { _t: track!() }).collect();
    let mut leaked = Vec::new();
    if instrack::ENABLED {
        // A leak: one more every 2 ms, until the sampler's timeline flags it,
        // then long enough for the sampler to judge it at least twice.
        let grow = |leaked: &mut Vec<TornDown>| {
            leaked.push(TornDown { _t: track!() });
            std::thread::sleep(Duration::from_millis(2));
        };
        until(|| {
            grow(&mut leaked);
            names_suspect(&sampler.timeline(), "::TornDown")
        });
        let span = sampler.timeline().span();
        until(|| {
            grow(&mut leaked);
            sampler.timeline().span() > span + Duration::from_millis(250)
        });
    }
    let peak = leaked.len();
    // The server is torn down: its values go, and the timeline clears the suspect.
    drop(leaked);
    until(|| !names_suspect(&sampler.timeline(), "::TornDown"));
    drop(sampler);

    let mut out = Vec::new();
    guard.write_to(&mut out).unwrap();
    guard.cancel();
    let text = String::from_utf8(out).unwrap();
    if !instrack::ENABLED {
        assert!(text.contains("compiled out"), "{text}");
        assert!(!text.contains("suspect"), "{text}");
        return;
    }
    assert!(text.contains("::TornDown: 0 live"), "{text}");
    let section = &text[text.find("instrack: leak suspects seen while the sampler ran").expect(&text)..];
    let line = section.lines().find(|l| l.contains("::TornDown: +")).expect(section);
    assert!(line.contains(&format!("/min, peak {peak} live, 0 live now; a suspect from ")), "{line}");
    let rate: f64 = line[line.find(": +").unwrap() + 3..line.find("/min").unwrap()].parse().unwrap();
    // One every 2 ms is 30 000 a minute; a loaded machine sleeps longer.
    assert!(rate > 1000.0 && rate < 40_000.0, "{line}");
    assert!(!section.contains("SteadyNeighbour"), "a flat type is no suspect: {section}");
}
