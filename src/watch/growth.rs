//! [`growth`]: what grew since the previous call, as objgraph's `show_growth`,
//! and [`Timeline::growth`]: what grew over a timeline. Both, and the exit
//! and signal reports, compute it with [`Growth::from_changes`].

use super::{read_counts, Reading, Timeline};
use crate::lock::lock;
use crate::text::{escape, plural, Escaped, COMPILED_OUT};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

/// The live counts [`growth`] saw at its previous call, by type name.
static PREVIOUS: Mutex<Option<HashMap<&'static str, usize>>> = Mutex::new(None);

/// Per type, the change in live count since the previous call of `growth`
/// (the first call compares with zero): only the types that grew, largest
/// growth first. objgraph's `show_growth()`, without a saved snapshot.
///
/// The previous counts are process-wide: two callers of `growth` each see
/// the growth since the other's call. [`Timeline::growth`](crate::Timeline::growth)
/// and the exit and signal reports keep their own. Empty when tracking is
/// compiled out.
///
/// # Locking behaviour
/// Reads what [`counts`](crate::counts) reads: counters, under no lock a
/// `Tracked` takes, and for shared values the weak lists under their brief
/// spinlocks; holds a lock of its own while it compares.
///
/// # Examples
/// ```
/// struct Tab { _t: instrack::Tracked<Self> }
///
/// instrack::growth(); // the baseline
/// let tabs: Vec<Tab> = (0..3).map(|_| Tab { _t: instrack::track!() }).collect();
/// let grown = instrack::growth();
/// println!("{grown}");
/// # if !instrack::ENABLED { return; }
/// let tab = grown.entries().iter().find(|e| e.type_name().ends_with("Tab")).unwrap();
/// assert_eq!((tab.live(), tab.change()), (3, 3));
/// ```
pub fn growth() -> Growth {
    let now = read_counts();
    let mut previous = lock(&PREVIOUS);
    let growth = Growth::between(previous.as_ref(), &now);
    *previous = Some(live_by_name(&now));
    growth
}

/// What grew: see [`growth()`] and [`Timeline::growth`](crate::Timeline::growth).
///
/// `Display` prints a table, one line per type that grew:
///
/// ```text
/// instrack: 2 types grew
///     type              live  change
///     app::Session       120    +110
///     app::Connection     12     +12
/// ```
#[derive(Clone, Debug, Default)]
pub struct Growth {
    entries: Vec<GrowthEntry>,
}

impl Growth {
    /// The types that grew, largest growth first.
    pub fn entries(&self) -> &[GrowthEntry] {
        &self.entries
    }

    /// The types whose live count rose, from `(name, live before, live now)`
    /// for each type; largest growth first.
    pub(crate) fn from_changes<N: Into<Arc<str>>>(counts: impl IntoIterator<Item = (N, usize, usize)>) -> Growth {
        let mut entries: Vec<GrowthEntry> = counts
            .into_iter()
            .filter_map(|(name, was, live)| {
                let change = live as i64 - was as i64;
                (change > 0).then(|| GrowthEntry { name: name.into(), live, change })
            })
            .collect();
        entries.sort_by(|a, b| b.change.cmp(&a.change).then_with(|| a.name.cmp(&b.name)));
        Growth { entries }
    }

    /// The growth from `before` (live counts by name; `None` is all zeros) to `now`.
    pub(crate) fn between(before: Option<&HashMap<&'static str, usize>>, now: &[Reading]) -> Growth {
        Growth::from_changes(
            now.iter().map(|r| (r.name, before.and_then(|b| b.get(r.name)).copied().unwrap_or(0), r.live)),
        )
    }
}

/// The live counts of `readings` by type name: a baseline for [`Growth::between`].
pub(crate) fn live_by_name(readings: &[Reading]) -> HashMap<&'static str, usize> {
    readings.iter().map(|r| (r.name, r.live)).collect()
}

impl Timeline {
    /// Per type, the change in live count from its first sample to its last,
    /// for the types that grew, largest first; unlike [`growth()`](crate::growth)
    /// it touches no state.
    ///
    /// # Examples
    /// ```
    /// use std::time::Duration;
    /// let mut timeline = instrack::Timeline::default();
    /// timeline.record(Duration::ZERO, [("A", 5, 5), ("B", 5, 5)]);
    /// timeline.record(Duration::from_secs(1), [("A", 9, 9), ("B", 2, 5)]);
    /// let g = timeline.growth();
    /// assert_eq!(g.entries().len(), 1); // B shrank
    /// assert_eq!((g.entries()[0].type_name(), g.entries()[0].live(), g.entries()[0].change()), ("A", 9, 4));
    /// ```
    pub fn growth(&self) -> Growth {
        Growth::from_changes(
            self.series()
                .iter()
                .filter_map(|s| Some((s.name_arc().clone(), s.first_live(), s.points().last()?.live()))),
        )
    }
}

impl fmt::Display for Growth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.entries.is_empty() {
            if !crate::ENABLED {
                return writeln!(f, "instrack: no growth: {COMPILED_OUT}");
            }
            return writeln!(f, "instrack: no tracked type grew");
        }
        let n = self.entries.len();
        writeln!(f, "instrack: {n} type{} grew", plural(n))?;
        let name_width = self.entries.iter().map(|e| escape(&e.name).chars().count()).max().unwrap_or(0).max(4);
        let live_width = self.entries.iter().map(|e| e.live.to_string().len()).max().unwrap_or(0).max(4);
        let change_width = self.entries.iter().map(|e| e.change.to_string().len() + 1).max().unwrap_or(0).max(6);
        writeln!(f, "    {:<name_width$}  {:>live_width$}  {:>change_width$}", "type", "live", "change")?;
        for e in &self.entries {
            let change = format!("+{}", e.change);
            writeln!(f, "    {:<name_width$}  {:>live_width$}  {change:>change_width$}", Escaped(&e.name), e.live)?;
        }
        Ok(())
    }
}

/// One line of a [`Growth`]: a type, its live count now, and by how much it grew.
///
/// # Examples
/// ```
/// use std::time::Duration;
/// let mut timeline = instrack::Timeline::default();
/// timeline.record(Duration::ZERO, [("Job", 2, 2)]);
/// timeline.record(Duration::from_secs(1), [("Job", 7, 9)]);
/// let growth = timeline.growth();
/// let job = &growth.entries()[0];
/// assert_eq!((job.type_name(), job.live(), job.change()), ("Job", 7, 5));
/// ```
#[derive(Clone, Debug)]
pub struct GrowthEntry {
    name: Arc<str>,
    live: usize,
    change: i64,
}

impl GrowthEntry {
    /// The type's name, as [`std::any::type_name`] spells it.
    pub fn type_name(&self) -> &str {
        &self.name
    }
    /// Its live count now (at the end of the compared interval).
    pub fn live(&self) -> usize {
        self.live
    }
    /// By how much its live count grew over the interval (always positive).
    pub fn change(&self) -> i64 {
        self.change
    }
}
