//! What queries return: [`Snapshot`] and the rooms of what it holds.
//! These types are the same in both build modes; when tracking is compiled
//! out they are simply empty.
//!
//! The data flows one way: `counts.rs` and `instance.rs` know nothing of the
//! snapshot that holds them; `by_site.rs` and `report.rs` read a snapshot and
//! add to it (`impl Snapshot` blocks), as `diff.rs` does.
//!
//! | file | what |
//! |---|---|
//! | `mod.rs` | [`Snapshot`], [`snapshot()`], narrowing by a pattern, [`Snapshot::counts`] |
//! | `counts.rs` | [`Counts`], [`TypeCounts`], [`counts()`] |
//! | `instance.rs` | [`Instance`] and its lazy `Debug` text |
//! | `by_site.rs` | [`SiteGroup`], [`BySite`], [`Snapshot::by_site`] |
//! | `report.rs` | the report text, [`report`], [`report_to`] |

mod by_site;
mod counts;
mod instance;
mod report;

pub use by_site::{BySite, SiteGroup};
pub use counts::{counts, Counts, TypeCounts};
pub use instance::Instance;
pub use report::{report, report_to};

use crate::imp;
use crate::pattern::Pattern;
use std::collections::HashSet;
use std::time::Instant;

/// Everything tracked at one moment: per-type counts and every live instance.
///
/// Taken by [`snapshot()`](crate::snapshot); its `Display` is the report text
/// that [`report`](crate::report) prints.
///
/// # Examples
/// ```
/// #[derive(Debug)]
/// struct Conn { _t: instrack::Tracked<Self> }
///
/// let _c = Conn { _t: instrack::track!() };
/// let snap = instrack::snapshot().narrow("Conn");
/// if instrack::ENABLED {
///     assert!(snap.instances().any(|i| i.type_name().ends_with("Conn")));
/// }
/// println!("{snap}");
/// ```
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub(crate) enabled: bool,
    pub(crate) types: Vec<TypeCounts>,
    pub(crate) instances: Vec<Instance>,
    pub(crate) pattern: Option<String>,
    pub(crate) unmatched: Vec<String>,
    pub(crate) error: Option<String>,
    /// The pattern narrowed by, parsed once; `None` if it was not valid.
    pub(crate) selection: Option<Pattern>,
    pub(crate) taken: Taken,
}

/// When a snapshot was taken. Snapshots made from another (narrowed, by
/// site) keep it whole, so a wall clock read from a file stays with them.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Taken {
    pub(crate) at: Instant,
    /// The wall clock of `at` as the file the snapshot was read from
    /// recorded it (feature `serde`); `None` for a snapshot taken here.
    /// Read only by `json.rs`.
    #[cfg_attr(not(feature = "serde"), allow(dead_code))]
    pub(crate) unix_secs: Option<f64>,
}

impl Taken {
    pub(crate) fn now() -> Taken {
        Taken { at: Instant::now(), unix_secs: None }
    }
}

/// Every live tracked instance and the counts of every tracked type, taken now.
///
/// Narrow it with [`Snapshot::narrow`]; print it with `{}` for the report text.
/// Empty when tracking is compiled out.
///
/// # Locking behaviour
/// Holds internal locks only to copy lists of pointers; reads the instance
/// records without stopping other threads, so each count and each record is
/// exact for some moment during the call. Formats no value: see
/// [`Instance::debug`].
///
/// # Examples
/// ```
/// #[derive(Debug)]
/// struct Tab { _t: instrack::Tracked<Self> }
///
/// let _tabs = [Tab { _t: instrack::track!() }, Tab { _t: instrack::track!() }];
/// let snap = instrack::snapshot();
/// let tabs = snap.types().find(|t| t.name().ends_with("::Tab"));
/// if instrack::ENABLED {
///     assert_eq!(tabs.unwrap().counts().live, 2);
///     assert_eq!(snap.narrow("Tab").instances().count(), 2);
/// } else {
///     assert!(tabs.is_none());
/// }
/// ```
pub fn snapshot() -> Snapshot {
    if !crate::ENABLED {
        return Snapshot::empty();
    }
    imp::snapshot(None, None)
}

impl Snapshot {
    pub(crate) fn new(enabled: bool, mut types: Vec<TypeCounts>, mut instances: Vec<Instance>) -> Snapshot {
        let traces =
            if crate::ENABLED { crate::backtraces::lookup(instances.iter().map(|i| i.id)) } else { Default::default() };
        if !traces.is_empty() {
            for i in &mut instances {
                i.backtrace = traces.get(&i.id).cloned();
            }
        }
        types.sort_by(|a, b| b.counts.live.cmp(&a.counts.live).then(a.name.cmp(b.name)));
        instances.sort_by(|a, b| b.age.cmp(&a.age).then(a.id.cmp(&b.id)));
        Snapshot::of(enabled, types, instances, Taken::now())
    }

    /// A snapshot of these lists, as they are, not narrowed.
    pub(crate) fn of(enabled: bool, types: Vec<TypeCounts>, instances: Vec<Instance>, taken: Taken) -> Snapshot {
        Snapshot {
            enabled,
            types,
            instances,
            pattern: None,
            unmatched: Vec::new(),
            error: None,
            selection: None,
            taken,
        }
    }

    /// A snapshot with nothing in it, taken now: what every query returns
    /// when tracking is compiled out (without the sorting code of `new`).
    pub(crate) fn empty() -> Snapshot {
        Snapshot::of(crate::ENABLED, Vec::new(), Vec::new(), Taken::now())
    }

    /// When the snapshot was taken.
    pub fn taken(&self) -> Instant {
        self.taken.at
    }

    /// Whether the pattern this snapshot was narrowed by selects `type_name`;
    /// every type is selected when it was not narrowed.
    pub(crate) fn selects(&self, type_name: &str) -> bool {
        match (&self.pattern, &self.selection) {
            (None, _) => true,
            (Some(_), Some(selection)) => selection.selects(type_name),
            (Some(_), None) => false, // an invalid pattern selects nothing
        }
    }

    /// The per-type counts, most live instances first.
    pub fn types(&self) -> std::slice::Iter<'_, TypeCounts> {
        self.types.iter()
    }

    /// The live instances, oldest first.
    pub fn instances(&self) -> std::slice::Iter<'_, Instance> {
        self.instances.iter()
    }

    /// The counts of the types `pattern` selects (see [`report`](crate::report)
    /// for the pattern language), summed; zero if it selects none.
    ///
    /// An empty pattern selects nothing: it gives zero counts and prints, to
    /// stderr, the same message a report gives for it, with the caller's
    /// location.
    ///
    /// # Examples
    /// ```
    /// #[derive(Debug)]
    /// struct Tab { _t: instrack::Tracked<Self> }
    ///
    /// let _tabs = [Tab { _t: instrack::track!() }, Tab { _t: instrack::track!() }];
    /// let n = instrack::snapshot().counts("Tab");
    /// assert_eq!(n.live, if instrack::ENABLED { 2 } else { 0 });
    /// ```
    #[track_caller]
    pub fn counts(&self, pattern: &str) -> Counts {
        if !crate::ENABLED {
            return Counts::default();
        }
        let parsed = match Pattern::parse(pattern) {
            Ok(p) => p,
            Err(message) => {
                eprintln!("instrack: Snapshot::counts at {}: {message}", std::panic::Location::caller());
                return Counts::default();
            }
        };
        self.types.iter().filter(|t| parsed.selects(t.name)).fold(Counts::default(), |a, t| Counts {
            live: a.live + t.counts.live,
            total: a.total + t.counts.total,
            peak: a.peak + t.counts.peak,
        })
    }

    /// The pattern names that selected no tracked type, if the snapshot was narrowed.
    pub fn unmatched(&self) -> &[String] {
        &self.unmatched
    }

    /// Keeps only the types that `pattern` selects (see [`report`](crate::report)
    /// for the pattern language). Names that select nothing are kept in
    /// [`unmatched`](Self::unmatched) and named in the report text; an empty
    /// pattern gives an empty snapshot whose text says what to write.
    pub fn narrow(&self, pattern: &str) -> Snapshot {
        if !crate::ENABLED {
            return Snapshot { pattern: Some(pattern.to_owned()), taken: self.taken, ..Snapshot::empty() };
        }
        let parsed = Pattern::parse(pattern);
        let (types, instances) = match &parsed {
            Ok(selection) => {
                let types: Vec<TypeCounts> = self.types.iter().filter(|t| selection.selects(t.name)).cloned().collect();
                let kept: HashSet<u32> = types.iter().map(|t| t.index).collect();
                (types, self.instances.iter().filter(|i| kept.contains(&i.type_index)).cloned().collect())
            }
            Err(_) => (Vec::new(), Vec::new()),
        };
        Snapshot::of(self.enabled, types, instances, self.taken).selected_by(pattern, parsed)
    }

    /// What a report of `pattern` prints: reads only the types it selects,
    /// so that only their `Debug` code runs, then keeps all it read. The
    /// pattern is parsed once and nothing is filtered twice.
    pub(crate) fn read_selected(pattern: &str) -> Snapshot {
        let parsed = Pattern::parse(pattern);
        let read = match &parsed {
            Ok(selection) => imp::snapshot(None, Some(selection)),
            Err(_) => Snapshot::new(crate::ENABLED, Vec::new(), Vec::new()),
        };
        read.selected_by(pattern, parsed)
    }

    /// Marks a snapshot that holds only what `parsed` (`pattern` parsed)
    /// selects as narrowed by it: the pattern's error if it is not valid,
    /// else the names that select none of its types.
    pub(crate) fn selected_by(mut self, pattern: &str, parsed: Result<Pattern, String>) -> Snapshot {
        self.pattern = Some(pattern.to_owned());
        match parsed {
            Err(message) => self.error = Some(message),
            Ok(selection) => {
                if self.enabled {
                    let selects_none = |name: &&String| !self.types.iter().any(|t| Pattern::name_matches(name, t.name));
                    self.unmatched = selection.names().iter().filter(selects_none).cloned().collect();
                }
                self.selection = Some(selection);
            }
        }
        self
    }
}
