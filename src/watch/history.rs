//! What the samplers saw over the whole run: every type that was a leak
//! [`Suspect`] at some point, kept after the type's values are gone, for the
//! exit and signal reports.
//!
//! A suspect is flagged while its floor rises; a server torn down before
//! `main` returns drops its values, the floor falls, and a timeline judged at
//! exit clears it. So each sampler judges its timeline as it runs (every
//! [`JUDGE_EVERY`], or every sample if the interval is longer, and never
//! more than 1 % of the time) and when it stops, and records here what it
//! found. A report also judges the timelines of the samplers still running.
//!
//! Locks: the history's mutex and each sampler's timeline mutex are never
//! held together (a timeline is judged, its lock released, then the
//! history's taken); no user code runs under either.

use super::suspects::Suspect;
use super::Timeline;
use crate::lock::lock;
use crate::pattern::Pattern;
use crate::text::Age;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

/// How often a running sampler judges its timeline, at most (and less often
/// when judging takes more than 1 % of that: see `sampler.rs`).
pub(crate) const JUDGE_EVERY: Duration = Duration::from_millis(100);

/// One type that was a suspect during the run.
#[derive(Clone, Debug)]
struct Seen {
    name: Arc<str>,
    /// The rate when it was last judged a suspect (the most samples behind it).
    per_minute: f64,
    first: Instant,
    last: Instant,
}

struct History {
    seen: Vec<Seen>,
    /// The timelines of the samplers running now, judged again by a report.
    running: Vec<Weak<Mutex<Timeline>>>,
}

static HISTORY: Mutex<History> = Mutex::new(History { seen: Vec::new(), running: Vec::new() });
/// Whether a sampler ever started: without one, the reports say nothing of suspects.
static SAMPLED: AtomicBool = AtomicBool::new(false);

/// A sampler starts: its timeline will be judged by reports while it runs.
pub(crate) fn sampler_started(timeline: &Arc<Mutex<Timeline>>) {
    SAMPLED.store(true, Ordering::Relaxed);
    let mut history = lock(&HISTORY);
    history.running.retain(|t| t.strong_count() > 0);
    history.running.push(Arc::downgrade(timeline));
}

/// Judges `timeline` (its lock taken and released here), records its
/// suspects, and returns them (the sampler publishes them, feature `metrics`).
pub(crate) fn judge(timeline: &Mutex<Timeline>) -> Vec<Suspect> {
    let suspects = lock(timeline).suspects();
    note(&suspects, Instant::now());
    suspects
}

/// Records `suspects`, judged `now`.
fn note(suspects: &[Suspect], now: Instant) {
    if suspects.is_empty() {
        return;
    }
    let mut history = lock(&HISTORY);
    for s in suspects {
        match history.seen.iter_mut().find(|seen| *seen.name == *s.type_name()) {
            Some(seen) => {
                seen.per_minute = s.per_minute();
                seen.last = now;
            }
            None => history.seen.push(Seen {
                name: Arc::from(s.type_name()),
                per_minute: s.per_minute(),
                first: now,
                last: now,
            }),
        }
    }
}

/// The section of the exit and signal reports: every type `pattern` selects
/// that was a suspect during the run, with its rate and its peak, e.g.
/// `demo::Session: +12.0/min, peak 93 live, 0 live now; a suspect from 41s
/// ago until 2.0s ago`; `None` when no sampler ever ran (or tracking is
/// compiled out).
pub(crate) fn section(pattern: &str) -> Option<String> {
    if !SAMPLED.load(Ordering::Relaxed) {
        return None;
    }
    let running: Vec<Arc<Mutex<Timeline>>> = lock(&HISTORY).running.iter().filter_map(Weak::upgrade).collect();
    for timeline in &running {
        judge(timeline);
    }
    let mut seen = lock(&HISTORY).seen.clone();
    let selection = Pattern::parse(pattern).ok();
    seen.retain(|s| selection.as_ref().is_none_or(|p| p.selects(&s.name)));
    seen.sort_by(|a, b| b.per_minute.total_cmp(&a.per_minute).then_with(|| a.name.cmp(&b.name)));
    // The peak and live count of each, by name (types sharing a name are summed, as sampled).
    let counts = crate::imp::all_counts();
    let now = Instant::now();
    let lines: Vec<Line<'_>> = seen
        .iter()
        .map(|s| {
            let (peak, live) = counts
                .iter()
                .filter(|t| t.name() == &*s.name)
                .fold((0, 0), |(p, l), t| (p + t.counts().peak, l + t.counts().live));
            Line { seen: s, peak, live, now }
        })
        .collect();
    let mut text = String::new();
    if lines.is_empty() {
        text.push_str("instrack: no tracked type was a leak suspect while the sampler ran\n");
    } else {
        text.push_str("instrack: leak suspects seen while the sampler ran (the rate at their last check):\n");
        for line in &lines {
            text.push_str(&format!("    {line}\n"));
        }
    }
    Some(text)
}

/// One suspect's line in a report.
struct Line<'a> {
    seen: &'a Seen,
    peak: usize,
    live: usize,
    now: Instant,
}

impl fmt::Display for Line<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.seen;
        write!(
            f,
            "{}: +{:.1}/min, peak {} live, {} live now; a suspect from {} ago until {} ago",
            crate::pattern::short_generics(&s.name),
            s.per_minute,
            self.peak,
            self.live,
            Age(self.now.duration_since(s.first)),
            Age(self.now.duration_since(s.last)),
        )
    }
}
