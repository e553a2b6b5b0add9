//! The hot path's one-word check: a `track!` site that recorded its own line
//! with backtraces off everywhere reads one word afterwards. Alone in this
//! binary, because turning backtraces on closes that path for the process:
//! here it is known to be open before the switch.

use instrack::{track, Tracked};

struct Fast {
    _t: Tracked<Self>,
}

#[inline(never)]
fn make() -> Fast {
    Fast { _t: track!() }
}

struct Generic<T> {
    _value: T,
    _t: Tracked<Self>,
}

/// One `track!`, one `static`, every instantiation: the site's fast word
/// holds one type, which must never be taken for another.
#[inline(never)]
fn generic<T: 'static>(value: T) -> Generic<T> {
    Generic { _value: value, _t: track!() }
}

struct Made {
    _t: Tracked<Self>,
}

/// `track!` in a `#[track_caller]` constructor: never fast, always its
/// caller's line.
#[track_caller]
#[inline(never)]
fn made_by_caller() -> Made {
    Made { _t: track!() }
}

fn backtrace_of(id: Option<u64>) -> bool {
    instrack::snapshot().narrow("fast_path::Fast").instances().any(|i| Some(i.id()) == id && i.backtrace().is_some())
}

#[test]
fn a_fast_site_turns_slow_when_backtraces_are_turned_on_and_keeps_every_record() {
    if !instrack::ENABLED || std::env::var_os("INSTRACK_BACKTRACE").is_some() {
        return;
    }
    // Backtraces off: the first instance resolves the site, the next ones
    // take the fast path.
    let warm: Vec<Fast> = (0..3).map(|_| make()).collect();
    assert!(warm.iter().all(|f| !backtrace_of(f._t.id())));

    // Two types through one site, alternately, while it is fast for the first.
    let mut pairs = Vec::new();
    for i in 0..4u8 {
        pairs.push((generic(i), generic(i as u64)));
    }
    assert_eq!(instrack::counts::<Generic<u8>>().live, 4);
    assert_eq!(instrack::counts::<Generic<u64>>().live, 4);
    drop(pairs);
    assert_eq!(instrack::counts::<Generic<u8>>().live, 0);

    // A `#[track_caller]` constructor records each caller's line.
    let (a, line_a) = (made_by_caller(), line!());
    let (b, line_b) = (made_by_caller(), line!());
    let lines: Vec<u32> = instrack::snapshot().narrow("fast_path::Made").instances().map(|i| i.line()).collect();
    assert_eq!(lines, [line_a, line_b]);
    drop((a, b));

    // Turned on on this thread: the very next instance at the fast site,
    // and a clone, get a backtrace.
    instrack::capture_backtraces(true);
    let traced = make();
    let cloned = Fast { _t: traced._t.clone() };
    instrack::capture_backtraces(false);
    let untraced = make();
    assert!(backtrace_of(traced._t.id()), "the fast site skipped the backtrace switch");
    assert!(backtrace_of(cloned._t.id()), "a clone skipped the backtrace switch");
    assert!(!backtrace_of(untraced._t.id()));
    assert_eq!(instrack::counts::<Fast>().live, 6);
    drop((warm, traced, cloned, untraced));
    assert_eq!(instrack::counts::<Fast>().live, 0);
}
