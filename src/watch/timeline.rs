//! [`Timeline`]: per-type series of samples, bounded in memory.
//!
//! Invariant of a [`Series`]: its points are oldest first and form levels,
//! coarsest first: `[level 7 | … | level 1 | level 0]`. Level 0 holds single
//! samples (at least the last [`RECENT`]); a bucket of level `k` merges
//! [`FACTOR`] buckets of level `k - 1`, keeping their minimum, maximum and
//! last values. When a level below the top reaches `FACTOR` more than its
//! capacity, its `FACTOR` oldest buckets (which sit right after level
//! `k + 1`'s newest) merge into one that becomes level `k + 1`'s newest; the
//! top level, when it reaches twice its capacity, merges its buckets in
//! pairs. So a series never holds more than
//! `RECENT + 3 + 6 × (CAPACITY + 3) + 2 × CAPACITY - 1` = 620 points, however
//! long it runs, and the recent past is always at full resolution.
use super::Reading;
use crate::text::{escape, plural, Age, Escaped, COMPILED_OUT};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

// Timelines read back from JSON (`json_read/`): a child module, so that it
// builds them from the private fields whose invariant is stated above.
#[cfg(feature = "serde")]
mod restore;

/// Samples kept at full resolution, per type.
pub(crate) const RECENT: usize = 120;
/// Buckets kept at each coarser level, per type.
pub(crate) const CAPACITY: usize = 60;
/// Buckets of one level merged into one bucket of the next.
pub(crate) const FACTOR: usize = 4;
/// Levels of resolution: full, then ×4, ×16, … ×4⁶; the top one halves when full.
const LEVELS: usize = 8;

/// One point of a [`Series`]: a sample, or several consecutive samples merged.
///
/// Recent points are single samples; older ones are buckets that keep the
/// smallest, the largest and the last live count of the samples they merge.
///
/// # Examples
/// ```
/// use std::time::Duration;
/// let mut timeline = instrack::Timeline::default();
/// timeline.record(Duration::from_secs(1), [("Job", 5, 9)]);
/// let p = timeline.series()[0].points()[0];
/// assert_eq!((p.at(), p.live(), p.live_min(), p.live_max(), p.total()), (Duration::from_secs(1), 5, 5, 5, 9));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Point {
    at: u64,
    live: usize,
    min: usize,
    max: usize,
    total: u64,
}

impl Point {
    /// When the point's last sample was taken, since the sampler started.
    pub fn at(&self) -> Duration {
        Duration::from_nanos(self.at)
    }
    /// The live count at the point's last sample.
    pub fn live(&self) -> usize {
        self.live
    }
    /// The smallest live count among the point's samples.
    pub fn live_min(&self) -> usize {
        self.min
    }
    /// The largest live count among the point's samples.
    pub fn live_max(&self) -> usize {
        self.max
    }
    /// Instances ever created, at the point's last sample.
    pub fn total(&self) -> u64 {
        self.total
    }

    fn merge(self, newer: Point) -> Point {
        Point {
            at: newer.at,
            live: newer.live,
            min: self.min.min(newer.min),
            max: self.max.max(newer.max),
            total: newer.total,
        }
    }
}

/// The samples of one tracked type, oldest first. See [`Timeline`].
///
/// # Examples
/// ```
/// use std::time::Duration;
/// let mut timeline = instrack::Timeline::default();
/// for s in 0..3 {
///     timeline.record(Duration::from_secs(s), [("Job", s as usize, s)]);
/// }
/// let series = &timeline.series()[0];
/// assert_eq!(series.type_name(), "Job");
/// assert_eq!(series.points().iter().map(|p| p.live()).collect::<Vec<_>>(), [0, 1, 2]);
/// ```
#[derive(Clone, Debug)]
pub struct Series {
    name: Arc<str>,
    points: Vec<Point>,
    /// Points per level, level 0 (full resolution) first.
    levels: [u32; LEVELS],
    /// The timeline's sample count when this series last got a point.
    last_sample: u64,
    /// The live count of the series' first sample, kept when its bucket merges.
    first_live: usize,
}

impl Series {
    /// The type's name, as [`std::any::type_name`] spells it.
    pub fn type_name(&self) -> &str {
        &self.name
    }
    /// The points, oldest first: merged buckets, then the recent samples.
    pub fn points(&self) -> &[Point] {
        &self.points
    }

    /// The live count of the series' first sample (kept when it merges
    /// into an older bucket): where [`Timeline::growth`] counts from.
    pub fn first_live(&self) -> usize {
        self.first_live
    }

    pub(crate) fn name_arc(&self) -> &Arc<str> {
        &self.name
    }

    fn push(&mut self, p: Point) {
        self.points.push(p);
        self.levels[0] += 1;
        let mut k = 0;
        let mut end = self.points.len(); // one past level k's last point
        while k + 1 < LEVELS && self.levels[k] as usize >= FACTOR + if k == 0 { RECENT } else { CAPACITY } {
            let start = end - self.levels[k] as usize;
            let merged = self.points[start..start + FACTOR].iter().copied().reduce(Point::merge).expect("FACTOR > 0");
            self.points[start] = merged;
            self.points.drain(start + 1..start + FACTOR);
            self.levels[k] -= FACTOR as u32;
            self.levels[k + 1] += 1;
            end = start + 1;
            k += 1;
        }
        let top = LEVELS - 1;
        if self.levels[top] as usize >= 2 * CAPACITY {
            let n = self.levels[top] as usize;
            for i in 0..n / 2 {
                self.points[i] = self.points[2 * i].merge(self.points[2 * i + 1]);
            }
            if n % 2 == 1 {
                self.points[n / 2] = self.points[n - 1];
            }
            let kept = n.div_ceil(2);
            self.points.drain(kept..n);
            self.levels[top] = kept as u32;
        }
    }
}

/// Per tracked type, the series of `(time, live, total)` a [`Sampler`](crate::Sampler)
/// recorded, in bounded memory: at least the last 120 samples at full
/// resolution, older ones merged into buckets of 4, 16, 64, … samples that
/// keep the minimum, maximum and last live count (as round-robin databases
/// do). A series never holds more than 620 points (40 bytes each); a day of
/// samples every second takes about 430 points per type, 20 KiB with its
/// allocation (`benches/watch.rs` measures it).
///
/// `Display` prints one line per type, most grown first, with a sparkline of
/// its live count and its first, last, smallest and largest live count.
/// Empty when tracking is compiled out.
///
/// Timelines can also be filled by hand with [`record`](Self::record) (any
/// data, at any clock) or [`sample`](Self::sample) (the counts now).
///
/// # Examples
/// ```
/// use std::time::Duration;
/// let mut timeline = instrack::Timeline::default();
/// for minute in 0..10u64 {
///     let at = Duration::from_secs(60 * minute);
///     timeline.record(at, [("app::Session", 10 * minute as usize, 10 * minute), ("app::Request", 3, 50 * minute)]);
/// }
/// assert_eq!(timeline.span(), Duration::from_secs(540));
/// print!("{timeline}");
/// // instrack: 2 tracked types over 9m00s, 10 samples
/// //     app::Session  ▁▁▂▃▄▄▅▆▇█  first 0  last 90  min 0  max 90
/// //     app::Request  ▁▁▁▁▁▁▁▁▁▁  first 3  last 3  min 3  max 3
/// assert_eq!(timeline.suspects()[0].type_name(), "app::Session");
/// ```
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Timeline {
    series: Vec<Series>,
    index: HashMap<Arc<str>, usize>,
    first: Option<Duration>,
    last: Duration,
    samples: u64,
    started: Option<SystemTime>,
}

impl Timeline {
    /// One series per tracked type, in the order the types were first seen.
    pub fn series(&self) -> &[Series] {
        &self.series
    }

    /// The time from the first sample to the last; zero with fewer than two.
    pub fn span(&self) -> Duration {
        self.first.map_or(Duration::ZERO, |first| self.last.saturating_sub(first))
    }

    /// How many samples were recorded (including those since merged).
    pub fn samples(&self) -> u64 {
        self.samples
    }

    /// The wall-clock time the points' [`at`](Point::at) count from: when the
    /// sampler started. `None` for a timeline filled by hand.
    pub fn started(&self) -> Option<SystemTime> {
        self.started
    }

    /// The series of the type named `type_name` (its full name), if sampled.
    pub fn get(&self, type_name: &str) -> Option<&Series> {
        self.index.get(type_name).map(|&i| &self.series[i])
    }

    /// Records one sample taken at `at`: for each type, its name, live count
    /// and total. Types named twice in one sample are summed; a type absent
    /// from a sample gets no point for it. An `at` earlier than the previous
    /// sample's counts as the previous sample's.
    ///
    /// # Examples
    /// ```
    /// use std::time::Duration;
    /// let mut timeline = instrack::Timeline::default();
    /// timeline.record(Duration::ZERO, [("A", 1, 1), ("A", 2, 2)]);
    /// assert_eq!(timeline.series()[0].points()[0].live(), 3);
    /// ```
    pub fn record<'a>(&mut self, at: Duration, counts: impl IntoIterator<Item = (&'a str, usize, u64)>) {
        let at = at.max(self.last);
        self.first.get_or_insert(at);
        self.last = at;
        self.samples += 1;
        let nanos = u64::try_from(at.as_nanos()).unwrap_or(u64::MAX);
        for (name, live, total) in counts {
            let i = match self.index.get(name) {
                Some(&i) => i,
                None => {
                    let name: Arc<str> = Arc::from(name);
                    self.index.insert(name.clone(), self.series.len());
                    self.series.push(Series {
                        name,
                        points: Vec::new(),
                        levels: [0; LEVELS],
                        last_sample: 0,
                        first_live: live,
                    });
                    self.series.len() - 1
                }
            };
            let series = &mut self.series[i];
            let point = Point { at: nanos, live, min: live, max: live, total };
            if series.last_sample == self.samples {
                // The same name twice in one sample: two types that share a name.
                let only = series.points.len() == 1;
                let p = series.points.last_mut().expect("a point of this sample");
                p.live += live;
                p.min = p.live;
                p.max = p.max.max(p.live);
                p.total += total;
                if only {
                    series.first_live = p.live;
                }
            } else {
                series.last_sample = self.samples;
                series.push(point);
            }
        }
    }

    /// Records the counts of every tracked type now, as taken at `at` (the
    /// time since this timeline's origin, on a clock of your choosing): what
    /// a [`Sampler`](crate::Sampler) does each interval. Reads counters only.
    /// Records an empty sample when tracking is compiled out.
    ///
    /// # Examples
    /// ```
    /// use std::time::Duration;
    /// struct Frame { _t: instrack::Tracked<Self> }
    /// let _f = Frame { _t: instrack::track!() };
    ///
    /// let mut timeline = instrack::Timeline::default();
    /// timeline.sample(Duration::ZERO); // e.g. once per game frame
    /// # if !instrack::ENABLED { return; }
    /// assert!(timeline.series().iter().any(|s| s.type_name().ends_with("Frame")));
    /// ```
    pub fn sample(&mut self, at: Duration) {
        self.record_readings(at, super::read_counts());
    }

    pub(crate) fn record_readings(&mut self, at: Duration, readings: Vec<Reading>) {
        self.record(at, readings.into_iter().map(|r| (r.name, r.live, r.total)));
    }

    pub(crate) fn set_started(&mut self, started: SystemTime) {
        self.started = Some(started);
    }
}

impl fmt::Display for Timeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.series.is_empty() {
            if !crate::ENABLED {
                return writeln!(f, "instrack: no timeline: {COMPILED_OUT}");
            }
            return writeln!(f, "instrack: no tracked type sampled yet ({} samples)", self.samples);
        }
        writeln!(
            f,
            "instrack: {} tracked type{} over {}, {} sample{}",
            self.series.len(),
            plural(self.series.len()),
            Age(self.span()),
            self.samples,
            plural(self.samples)
        )?;
        let mut rows: Vec<&Series> = self.series.iter().filter(|s| !s.points.is_empty()).collect();
        let grown = |s: &Series| s.points.last().map_or(0, |p| p.live as i64) - s.first_live as i64;
        rows.sort_by(|a, b| grown(b).cmp(&grown(a)).then_with(|| a.name.cmp(&b.name)));
        let name_width = rows.iter().map(|s| escape(&s.name).chars().count()).max().unwrap_or(0);
        let spark_width = rows.iter().map(|s| s.points.len().min(SPARK_WIDTH)).max().unwrap_or(0);
        for s in rows {
            let first = s.first_live;
            let last = s.points[s.points.len() - 1].live;
            let min = s.points.iter().map(|p| p.min).min().unwrap_or(0);
            let max = s.points.iter().map(|p| p.max).max().unwrap_or(0);
            writeln!(
                f,
                "    {:<name_width$}  {:<spark_width$}  first {first}  last {last}  min {min}  max {max}",
                Escaped(&s.name),
                sparkline(&s.points)
            )?;
        }
        Ok(())
    }
}

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
/// Characters of a sparkline at most.
pub(crate) const SPARK_WIDTH: usize = 40;

/// The live counts of `points` as at most `SPARK_WIDTH` bars, each bar the
/// last live count in its slice of time, scaled from the series' min to max.
pub(crate) fn sparkline(points: &[Point]) -> String {
    let (Some(first), Some(last)) = (points.first(), points.last()) else { return String::new() };
    let lo = points.iter().map(Point::live_min).min().unwrap_or(0);
    let hi = points.iter().map(Point::live_max).max().unwrap_or(0);
    let width = points.len().min(SPARK_WIDTH);
    let span = (last.at() - first.at()).as_nanos();
    let mut columns: Vec<Option<usize>> = vec![None; width];
    for (i, p) in points.iter().enumerate() {
        let col = if span == 0 {
            i * width / points.len()
        } else {
            ((p.at() - first.at()).as_nanos() * width as u128 / (span + 1)) as usize
        };
        columns[col.min(width - 1)] = Some(p.live());
    }
    let mut previous = first.live();
    columns
        .into_iter()
        .map(|c| {
            let v = c.unwrap_or(previous);
            previous = v;
            let level = if hi == lo { 0 } else { (v - lo) * (BARS.len() - 1) / (hi - lo) };
            BARS[level]
        })
        .collect()
}
