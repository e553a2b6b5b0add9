//! [`Suspect`]: the rule that tells a leak from a sawtooth, and
//! [`Timeline::suspects`], which applies it.

use super::timeline::{Point, Timeline};
use crate::text::{Age, Escaped};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Parts the window is split into; each gives one floor.
const PARTS: usize = 10;
/// Fewer non-empty parts than this say nothing.
const MIN_PARTS: usize = 6;
/// Kendall's τ of the floors at least this: they rise in (nearly) every comparison.
const MIN_TAU: f64 = 0.7;

/// A type whose live count keeps growing over a [`Timeline`]: a likely leak.
///
/// **The rule.** The timeline's window is cut into ten equal parts of time,
/// and each part gives its *floor*: the lowest live count sampled in it. A
/// cache that fills and empties, or a pool that follows the load, has a flat
/// floor however high its peaks; a leak raises the floor. A type is a
/// suspect when:
///
/// 1. at least six parts hold a sample;
/// 2. the floors rise: comparing every later part with every earlier one,
///    the later floor is higher in at least 70 % more comparisons than it is
///    lower (Kendall's τ ≥ 0.7; a dip or two does not clear a leak, and
///    random noise passes about once in a thousand types);
/// 3. the floors still rise: the last part's floor is above the middle
///    part's, by at least half as much as the middle part's is above the
///    first's (a burst, or growth that stopped halfway, is not "keeps
///    growing"; growth that started halfway is).
///
/// [`per_minute`](Self::per_minute) is the Theil–Sen slope of the floors (the
/// median of the slopes between every two of them), and
/// [`since`](Self::since) the last moment the live count was as low as the
/// first part's floor.
///
/// # Examples
/// ```
/// use std::time::Duration;
/// let mut timeline = instrack::Timeline::default();
/// for second in 0..600u64 {
///     // A cache that fills to 50 and empties every minute: not a leak.
///     let cache = (second % 60) as usize * 50 / 60;
///     // Sessions: the same sawtooth, on a floor that rises by 1 a minute.
///     let sessions = cache + (second / 60) as usize;
///     timeline.record(Duration::from_secs(second), [("Cache", cache, second), ("Session", sessions, second)]);
/// }
/// let suspects = timeline.suspects();
/// assert_eq!(suspects.len(), 1);
/// assert_eq!(suspects[0].type_name(), "Session");
/// assert!((suspects[0].per_minute() - 1.0).abs() < 0.2);
/// println!("{}", suspects[0]);
/// ```
#[derive(Clone, Debug)]
pub struct Suspect {
    name: Arc<str>,
    per_minute: f64,
    since: Duration,
    first_floor: usize,
    last_floor: usize,
    reason: String,
}

impl Suspect {
    /// The type's name, as [`std::any::type_name`] spells it.
    pub fn type_name(&self) -> &str {
        &self.name
    }
    /// How fast the floor of the live count rises, in instances per minute.
    pub fn per_minute(&self) -> f64 {
        self.per_minute
    }
    /// Since when it grows: the last moment the live count was as low as at
    /// the start of the window (time since the sampler started).
    pub fn since(&self) -> Duration {
        self.since
    }
    /// The floor of the first part of the window and of the last.
    pub fn floors(&self) -> (usize, usize) {
        (self.first_floor, self.last_floor)
    }
    /// Why it was flagged, in words.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for Suspect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: +{:.1}/min, growing since {} after sampling started: {}",
            Escaped(&self.name),
            self.per_minute,
            Age(self.since),
            self.reason
        )
    }
}

impl Timeline {
    /// The types whose live count keeps growing over the timeline: see
    /// [`Suspect`] for the rule. Largest growth per minute first.
    ///
    /// # Examples
    /// ```
    /// use std::time::Duration;
    /// let mut timeline = instrack::Timeline::default();
    /// for minute in 0..30u64 {
    ///     let leaked = minute as usize; // one more every minute
    ///     let burst = if minute < 5 { 0 } else { 500 }; // a burst, then flat
    ///     timeline.record(Duration::from_secs(60 * minute), [("Leak", leaked, minute), ("Burst", burst, 500)]);
    /// }
    /// let suspects = timeline.suspects();
    /// assert_eq!(suspects.len(), 1);
    /// assert_eq!(suspects[0].type_name(), "Leak");
    /// assert!((suspects[0].per_minute() - 1.0).abs() < 0.01);
    /// ```
    pub fn suspects(&self) -> Vec<Suspect> {
        #[cfg(test)]
        JUDGEMENTS.with(|n| n.set(n.get() + 1));
        let mut found: Vec<Suspect> = self.series().iter().filter_map(|s| judge(s.name_arc(), s.points())).collect();
        found.sort_by(|a, b| b.per_minute.total_cmp(&a.per_minute).then_with(|| a.name.cmp(&b.name)));
        found
    }
}

#[cfg(test)]
thread_local! {
    /// How many times this thread judged a timeline: the sampler's tests
    /// count the judgements of one sample.
    pub(crate) static JUDGEMENTS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// One part's floor: the lowest live count and about when it was sampled.
#[derive(Clone, Copy)]
struct Floor {
    live: usize,
    at: u64,
}

fn judge(name: &Arc<str>, points: &[Point]) -> Option<Suspect> {
    let (first, last) = (points.first()?.at(), points.last()?.at());
    let span = (last - first).as_nanos();
    if span == 0 {
        return None;
    }
    let mut parts: [Option<Floor>; PARTS] = [None; PARTS];
    let mut previous = first;
    for p in points {
        let i = (((p.at() - first).as_nanos() * PARTS as u128) / (span + 1)) as usize;
        // A bucket's lowest sample is somewhere in it: take its middle.
        let at = ((previous.as_nanos() + p.at().as_nanos()) / 2) as u64;
        previous = p.at();
        match &mut parts[i] {
            Some(floor) if floor.live <= p.live_min() => {}
            slot => *slot = Some(Floor { live: p.live_min(), at }),
        }
    }
    let floors: Vec<Floor> = parts.into_iter().flatten().collect();
    if floors.len() < MIN_PARTS {
        return None;
    }
    let (mut higher, mut lower) = (0usize, 0usize);
    for (i, a) in floors.iter().enumerate() {
        for b in &floors[i + 1..] {
            higher += usize::from(b.live > a.live);
            lower += usize::from(b.live < a.live);
        }
    }
    let pairs = floors.len() * (floors.len() - 1) / 2;
    let tau = (higher as f64 - lower as f64) / pairs as f64;
    let (start, middle, end) = (floors[0], floors[floors.len() / 2], floors[floors.len() - 1]);
    // Still rising: the second half raised the floor by at least half as much as the first.
    let (first_half, second_half) = (middle.live.saturating_sub(start.live), end.live.saturating_sub(middle.live));
    if tau < MIN_TAU || end.live <= start.live || second_half == 0 || second_half * 2 < first_half {
        return None;
    }
    let since = points.iter().rev().find(|p| p.live_min() <= start.live).map_or(first, |p| p.at());
    let reason = format!(
        "its floor (the lowest live count in each tenth of {}) rose from {} to {}: \
         higher in {higher} of {pairs} comparisons of a later tenth with an earlier one, lower in {lower}",
        Age(last - first),
        start.live,
        end.live,
    );
    Some(Suspect {
        name: name.clone(),
        per_minute: theil_sen(&floors) * 60e9,
        since,
        first_floor: start.live,
        last_floor: end.live,
        reason,
    })
}

/// The median of the slopes between every two floors, per nanosecond.
fn theil_sen(floors: &[Floor]) -> f64 {
    let mut slopes: Vec<f64> = Vec::new();
    for (i, a) in floors.iter().enumerate() {
        for b in &floors[i + 1..] {
            if b.at > a.at {
                slopes.push((b.live as f64 - a.live as f64) / (b.at - a.at) as f64);
            }
        }
    }
    slopes.sort_by(f64::total_cmp);
    match slopes.len() {
        0 => 0.0,
        n if n % 2 == 1 => slopes[n / 2],
        n => (slopes[n / 2 - 1] + slopes[n / 2]) / 2.0,
    }
}
