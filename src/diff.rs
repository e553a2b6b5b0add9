//! Comparing two snapshots: what was made, what was dropped, what is new.

use crate::pattern::short_generics;
use crate::snapshot::{Instance, SiteGroup, Snapshot};
use crate::text::{plural, Age};
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::time::Duration;

/// The change of one type between two snapshots.
///
/// # Examples
/// ```
/// struct Msg { _t: instrack::Tracked<Self> }
///
/// let before = instrack::snapshot();
/// let kept = Msg { _t: instrack::track!() };
/// drop(Msg { _t: instrack::track!() });
/// let diff = instrack::snapshot().diff(&before);
/// if let Some(t) = diff.types().find(|t| t.name.ends_with("::Msg")) {
///     assert_eq!((t.created, t.dropped, t.net, t.live), (2, 1, 1, 1));
/// }
/// # drop(kept);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TypeDiff {
    /// The type's name, as [`std::any::type_name`] spells it.
    pub name: &'static str,
    /// Instances created between the two snapshots.
    pub created: u64,
    /// Instances dropped between the two snapshots.
    pub dropped: u64,
    /// `live` now minus `live` then.
    pub net: i64,
    /// `live` now.
    pub live: usize,
}

/// What changed between an earlier snapshot and a later one; see [`Snapshot::diff`].
///
/// Its `Display` is the comparison table and the new instances grouped by site.
///
/// # Examples
/// ```
/// struct Tile { _t: instrack::Tracked<Self> }
///
/// let before = instrack::snapshot();
/// let tiles: Vec<Tile> = (0..3).map(|_| Tile { _t: instrack::track!() }).collect();
/// let diff = instrack::snapshot().diff(&before);
/// println!("{diff}");
/// assert!(!diff.swapped());
/// let new_tiles = diff.new_instances().filter(|i| i.type_name().ends_with("::Tile")).count();
/// assert_eq!(new_tiles, if instrack::ENABLED { tiles.len() } else { 0 });
/// ```
#[derive(Clone, Debug)]
pub struct Diff {
    enabled: bool,
    interval: Duration,
    types: Vec<TypeDiff>,
    new_instances: Vec<Instance>,
    /// The snapshots were given newest first and compared the other way round.
    swapped: bool,
    /// Why nothing could be compared (the pattern a snapshot was narrowed by).
    error: Option<String>,
}

impl Snapshot {
    /// Compares this snapshot with an `earlier` one, like the "Comparison"
    /// view of a browser's heap snapshots: per type, how many instances were
    /// created and dropped in between and the net change, and which instances
    /// alive now were not alive then (the leak candidates).
    ///
    /// If `earlier` was narrowed by a pattern, only the types it selects are
    /// compared.
    ///
    /// If `earlier` was in fact taken later (`older.diff(&newer)`), the two
    /// are compared oldest to newest anyway: [`Diff::swapped`] says so, and
    /// so does the first line of the text. A snapshot narrowed by an empty
    /// pattern gives a diff whose text says what to write.
    ///
    /// # Examples
    /// ```
    /// use instrack::{track, Tracked};
    ///
    /// #[derive(Debug)]
    /// struct Page { _t: Tracked<Self> }
    ///
    /// let mut cache = Vec::new();
    /// let before = instrack::snapshot();
    /// for _ in 0..3 {
    ///     cache.push(Page { _t: track!() });
    ///     drop(Page { _t: track!() });
    /// }
    /// let diff = instrack::snapshot().diff(&before);
    /// println!("{diff}");
    /// # if !instrack::ENABLED { return; }
    /// let page = diff.types().find(|t| t.name.ends_with("Page")).unwrap();
    /// assert_eq!((page.created, page.dropped, page.net), (6, 3, 3));
    /// assert_eq!(diff.new_instances().count(), 3);
    /// ```
    pub fn diff(&self, earlier: &Snapshot) -> Diff {
        let swapped = earlier.taken.at > self.taken.at;
        if !crate::ENABLED {
            let (newer, older) = if swapped { (earlier, self) } else { (self, earlier) };
            return Diff {
                enabled: false,
                interval: newer.taken.at.saturating_duration_since(older.taken.at),
                types: Vec::new(),
                new_instances: Vec::new(),
                swapped,
                error: None,
            };
        }
        if swapped {
            // The pattern that narrows the comparison is the argument's, as
            // when the order is right; failing that, the receiver's.
            let selection = if earlier.pattern.is_some() { earlier } else { self };
            return Diff { swapped: true, ..earlier.compare_with(self, selection) };
        }
        self.compare_with(earlier, earlier)
    }

    /// `self` newer than `earlier`; only the types `selection` selects.
    fn compare_with(&self, earlier: &Snapshot, selection: &Snapshot) -> Diff {
        let error = selection.error.clone();
        let then: BTreeMap<u32, _> = earlier.types.iter().map(|t| (t.index, t.counts)).collect();
        let mut types: Vec<TypeDiff> = self
            .types
            .iter()
            .filter(|t| selection.selects(t.name))
            .filter_map(|t| {
                let before = then.get(&t.index).copied().unwrap_or_default();
                let created = t.counts.total.saturating_sub(before.total);
                let net = t.counts.live as i64 - before.live as i64;
                let dropped = (created as i64 - net).max(0) as u64;
                (created > 0 || dropped > 0).then_some(TypeDiff {
                    name: t.name,
                    created,
                    dropped,
                    net,
                    live: t.counts.live,
                })
            })
            .collect();
        types.sort_by(|a, b| b.net.cmp(&a.net).then(b.created.cmp(&a.created)).then(a.name.cmp(b.name)));
        let old: HashSet<u64> = earlier.instances.iter().map(|i| i.id).collect();
        let new_instances =
            self.instances.iter().filter(|i| !old.contains(&i.id) && selection.selects(i.type_name)).cloned().collect();
        Diff {
            enabled: self.enabled,
            interval: self.taken.at.saturating_duration_since(earlier.taken.at),
            types,
            new_instances,
            swapped: false,
            error,
        }
    }
}

impl Diff {
    /// The types that changed, largest net growth first.
    pub fn types(&self) -> std::slice::Iter<'_, TypeDiff> {
        self.types.iter()
    }

    /// The instances alive in the later snapshot that were not alive in the
    /// earlier one, oldest first: the leak candidates.
    pub fn new_instances(&self) -> std::slice::Iter<'_, Instance> {
        self.new_instances.iter()
    }

    /// How long passed between the two snapshots.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Whether the snapshots were given newest first (`older.diff(&newer)`)
    /// and compared oldest to newest instead.
    ///
    /// # Examples
    /// ```
    /// let older = instrack::snapshot();
    /// std::thread::sleep(std::time::Duration::from_millis(1));
    /// let newer = instrack::snapshot();
    /// assert!(older.diff(&newer).swapped());
    /// assert!(!newer.diff(&older).swapped());
    /// ```
    pub fn swapped(&self) -> bool {
        self.swapped
    }
}

impl fmt::Display for Diff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !crate::ENABLED || !self.enabled {
            return writeln!(f, "instrack: {}", crate::text::COMPILED_OUT_EXPLAINED);
        }
        if let Some(error) = &self.error {
            return writeln!(f, "instrack: {error}");
        }
        if self.swapped {
            writeln!(
                f,
                "instrack: the snapshots were given newest first (`older.diff(&newer)`); \
                 compared oldest to newest instead: write `newer.diff(&older)`"
            )?;
        }
        let n = self.new_instances.len();
        writeln!(
            f,
            "instrack: {} type{} changed in {}; {n} new instance{} still alive",
            self.types.len(),
            plural(self.types.len()),
            Age(self.interval),
            plural(n),
        )?;
        if self.types.is_empty() {
            return Ok(());
        }
        let names: Vec<_> =
            self.types.iter().map(|t| crate::text::escape(&short_generics(t.name)).into_owned()).collect();
        let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(4).max(4);
        writeln!(f, "    {:<width$}  {:>8}  {:>8}  {:>8}  {:>8}", "type", "new", "deleted", "delta", "live")?;
        for (t, name) in self.types.iter().zip(&names) {
            writeln!(f, "    {name:<width$}  {:>8}  {:>8}  {:>+8}  {:>8}", t.created, t.dropped, t.net, t.live)?;
        }
        if n == 0 {
            return Ok(());
        }
        // Group the new instances by site and type, so that ten thousand
        // leaks from one line read as one line.
        writeln!(f, "new instances still alive, by site:")?;
        for group in SiteGroup::group(&self.new_instances) {
            writeln!(f, "    {group}")?;
        }
        Ok(())
    }
}
