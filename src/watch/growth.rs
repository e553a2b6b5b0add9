//! [`growth`]: what grew since the previous call, as objgraph's `show_growth`.

use super::{read_counts, Reading};
use crate::lock::lock;
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
    *previous = Some(now.iter().map(|&(name, live, _)| (name, live)).collect());
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

    pub(crate) fn from_entries(mut entries: Vec<GrowthEntry>) -> Growth {
        entries.sort_by(|a, b| b.change.cmp(&a.change).then_with(|| a.name.cmp(&b.name)));
        Growth { entries }
    }

    /// The growth from `before` (live counts by name; `None` is all zeros) to `now`.
    pub(crate) fn between(before: Option<&HashMap<&'static str, usize>>, now: &[Reading]) -> Growth {
        let entries = now
            .iter()
            .filter_map(|&(name, live, _)| {
                let was = before.and_then(|b| b.get(name)).copied().unwrap_or(0);
                let change = live as i64 - was as i64;
                (change > 0).then(|| GrowthEntry::new(Arc::from(name), live, change))
            })
            .collect();
        Growth::from_entries(entries)
    }
}

impl fmt::Display for Growth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.entries.is_empty() {
            if !crate::ENABLED {
                return writeln!(f, "instrack: no growth: tracking is compiled out of this build");
            }
            return writeln!(f, "instrack: no tracked type grew");
        }
        let n = self.entries.len();
        writeln!(f, "instrack: {n} type{} grew", if n == 1 { "" } else { "s" })?;
        let name_width = self.entries.iter().map(|e| e.name.chars().count()).max().unwrap_or(0).max(4);
        let live_width = self.entries.iter().map(|e| e.live.to_string().len()).max().unwrap_or(0).max(4);
        let change_width = self.entries.iter().map(|e| e.change.to_string().len() + 1).max().unwrap_or(0).max(6);
        writeln!(f, "    {:<name_width$}  {:>live_width$}  {:>change_width$}", "type", "live", "change")?;
        for e in &self.entries {
            let change = format!("+{}", e.change);
            writeln!(f, "    {:<name_width$}  {:>live_width$}  {change:>change_width$}", e.name, e.live)?;
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
    pub(crate) fn new(name: Arc<str>, live: usize, change: i64) -> GrowthEntry {
        GrowthEntry { name, live, change }
    }
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
