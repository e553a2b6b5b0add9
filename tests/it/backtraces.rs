//! Optional creation backtraces: off by default, per thread, shown in
//! reports and grouping diffs.

use instrack::{track, Tracked};
use std::sync::Arc;

struct Traced {
    _t: Tracked<Self>,
}

#[derive(Debug)]
struct TracedShared;

// Each helper keeps a frame of its own in release builds: `black_box` after
// the construction keeps it from being a tail call (a `jmp` leaves no frame),
// whether or not the test's body is inlined into the harness's `call_once`.
#[inline(never)]
fn make_in_helper() -> Traced {
    std::hint::black_box(Traced { _t: track!() })
}

#[inline(never)]
fn make_elsewhere() -> Traced {
    std::hint::black_box(Traced { _t: track!() })
}

#[test]
fn backtraces_are_off_by_default_and_captured_when_turned_on() {
    let before = instrack::snapshot();
    let plain = make_in_helper();
    instrack::capture_backtraces(true);
    let made: Vec<Traced> = (0..2).map(|_| make_in_helper()).collect(); // one call site
    let [a, b]: [Traced; 2] = made.try_into().ok().unwrap();
    let c = make_elsewhere();
    let shared = Arc::new(TracedShared);
    track!(&shared);
    instrack::capture_backtraces(false);
    let after = make_in_helper();
    let snap = instrack::snapshot().narrow("backtraces::Traced backtraces::TracedShared");
    let text = snap.to_string();
    let diff = instrack::snapshot().diff(&before).to_string();
    if !instrack::ENABLED {
        return;
    }
    let has = |t: &Traced| snap.instances().find(|i| Some(i.id()) == t._t.id()).unwrap().backtrace().is_some();
    assert!(!has(&plain) && has(&a) && has(&b) && has(&c) && !has(&after));
    let shared_instance = snap.instances().find(|i| i.type_name().ends_with("TracedShared")).unwrap();
    assert!(shared_instance.backtrace().is_some());
    let short = snap.instances().find(|i| Some(i.id()) == a._t.id()).unwrap().short_backtrace().unwrap();
    assert!(!short.frames().is_empty() && short.frames().len() <= 5, "{short}");
    // The frames start in this test crate (in release builds the helper
    // may be inlined into its caller): std and instrack frames are left out.
    assert!(short.frames()[0].contains("it::backtraces::"), "{short}");
    assert!(short.frames().iter().all(|f| !f.starts_with("instrack::") && !f.starts_with("std::")), "{short}");
    assert!(text.contains("        at it::backtraces::"), "{text}");
    // The diff groups by backtrace as well as by site: `a` and `b` share a
    // site and a backtrace, `plain` and `after` the site and no backtrace.
    let lines: Vec<&str> = diff.lines().collect();
    let traced = lines.iter().position(|l| l.contains("Traced  ×2") && l.contains(&format!("#{}", a._t.id().unwrap())));
    let traced = traced.unwrap_or_else(|| panic!("{diff}"));
    assert!(lines[traced + 1].trim_start().starts_with("at "), "{diff}");
    let untraced = lines.iter().position(|l| l.contains(&format!("#{}", plain._t.id().unwrap()))).expect(&diff);
    assert!(lines[untraced].contains("×2") && lines[untraced].contains(&format!("#{}", after._t.id().unwrap())));
    assert!(!lines[untraced + 1].trim_start().starts_with("at "), "{diff}");
    let elsewhere = lines.iter().position(|l| l.contains(&format!("#{}", c._t.id().unwrap()))).expect(&diff);
    assert!(lines[elsewhere + 1].trim_start().starts_with("at "), "{diff}");
    drop((plain, a, b, c, shared, after));
}
