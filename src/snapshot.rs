//! What queries return: [`Counts`], [`Snapshot`], [`Instance`], [`TypeCounts`].
//! These types are the same in both build modes; when tracking is compiled
//! out they are simply empty.

use crate::pattern::{short_generics, Pattern};
use crate::site::Site;
use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// How many instances of one type exist, have existed, and existed at most at once.
///
/// # Examples
/// ```
/// #[derive(Debug)]
/// struct Job { _t: instrack::Tracked<Self> }
///
/// let jobs: Vec<Job> = (0..3).map(|_| Job { _t: instrack::track!() }).collect();
/// drop(jobs);
/// let n = instrack::counts::<Job>();
/// if instrack::ENABLED {
///     assert_eq!((n.live, n.total, n.peak), (0, 3, 3));
/// } else {
///     assert_eq!(n, instrack::Counts::default());
/// }
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Counts {
    /// Instances alive now.
    pub live: usize,
    /// Instances ever created.
    pub total: u64,
    /// The largest `live` the tracker has observed (see the crate docs, "Counting").
    pub peak: usize,
}

/// The counts of one tracked type, as a [`Snapshot`] holds them.
///
/// # Examples
/// ```
/// struct Frame { _t: instrack::Tracked<Self> }
///
/// let frames: Vec<Frame> = (0..4).map(|_| Frame { _t: instrack::track!() }).collect();
/// drop(frames);
/// for t in instrack::snapshot().narrow("Frame").types() {
///     assert!(t.name().ends_with("::Frame"));
///     assert_eq!((t.counts().live, t.counts().total), (0, 4));
/// }
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct TypeCounts {
    pub(crate) key: u32,
    pub(crate) name: &'static str,
    pub(crate) counts: Counts,
    /// The size of one value, seen when a shared value of the type was
    /// registered (a `Tracked` field's owner is not built yet when it is).
    pub(crate) value_size: Option<usize>,
}

impl TypeCounts {
    /// The type's name, as [`std::any::type_name`] spells it.
    pub fn name(&self) -> &'static str {
        self.name
    }
    /// The type's counts when the snapshot was taken.
    pub fn counts(&self) -> Counts {
        self.counts
    }

    /// An estimate of the bytes the type's live values hold: the size of
    /// one value (`size_of_val` when one was registered) × `live`. Only the
    /// value itself, not what it points to; `None` for a type tracked only
    /// through `Tracked` fields, whose token cannot measure its owner.
    ///
    /// # Examples
    /// ```
    /// use std::sync::Arc;
    ///
    /// #[derive(Debug)]
    /// struct Buffer([u8; 1024]);
    ///
    /// let buffers: Vec<Arc<Buffer>> = (0..3).map(|_| Arc::new(Buffer([0; 1024]))).collect();
    /// for b in &buffers {
    ///     instrack::track!(b);
    /// }
    /// for t in instrack::snapshot().narrow("Buffer").types() {
    ///     assert_eq!(t.estimated_bytes(), Some(3 * 1024));
    /// }
    /// ```
    pub fn estimated_bytes(&self) -> Option<u64> {
        self.value_size.map(|size| size as u64 * self.counts.live as u64)
    }
}

/// One live tracked instance: what was recorded when it was made.
///
/// # Examples
/// ```
/// struct Upload { _t: instrack::Tracked<Self> }
///
/// let upload = Upload { _t: instrack::track!() }; let made_at = line!();
/// let snap = instrack::snapshot().narrow("Upload");
/// if let Some(i) = snap.instances().next() {
///     assert_eq!(Some(i.id()), upload._t.id());
///     assert_eq!((i.file(), i.line()), (file!(), made_at));
///     assert!(i.type_name().ends_with("::Upload"));
///     println!("{i}"); // #12  src/main.rs:4  thread main  age 35µs
/// }
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Instance {
    pub(crate) id: u64,
    pub(crate) type_key: u32,
    pub(crate) type_name: &'static str,
    pub(crate) site: &'static Site,
    pub(crate) thread: Arc<str>,
    pub(crate) age: Duration,
    /// Where the value is registered, to format it when asked: never a
    /// strong reference, so a snapshot keeps no value alive.
    pub(crate) value: Option<crate::imp::ValueRef>,
    /// Its `Debug` text, formatted on first request.
    pub(crate) debug: OnceLock<Option<Box<str>>>,
    pub(crate) clone_of: Option<u64>,
    /// Captured when it was made, if backtraces were on (not yet resolved).
    pub(crate) backtrace: Option<Arc<std::backtrace::Backtrace>>,
}

impl Instance {
    /// The instance's id: unique in the process, never reused.
    pub fn id(&self) -> u64 {
        self.id
    }
    /// The type's name, as [`std::any::type_name`] spells it.
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }
    /// The module that made the instance; empty for instances made through
    /// [`Tracked::default`](crate::Tracked::default), which knows only file and line.
    pub fn module_path(&self) -> &'static str {
        self.site.module_path
    }
    /// The source file that made the instance.
    pub fn file(&self) -> &'static str {
        self.site.file
    }
    /// The line in [`file`](Self::file) that made the instance.
    pub fn line(&self) -> u32 {
        self.site.line
    }
    /// For an instance made by cloning a tracked value, the id of the
    /// original; its [`file`](Self::file) and [`line`](Self::line) are the
    /// original's creation site. `None` for other instances.
    ///
    /// # Examples
    /// ```
    /// #[derive(Clone)]
    /// struct Doc { _t: instrack::Tracked<Self> }
    ///
    /// let original = Doc { _t: instrack::track!() };
    /// let copy = original.clone();
    /// let snap = instrack::snapshot().narrow("Doc");
    /// if let Some(i) = snap.instances().find(|i| Some(i.id()) == copy._t.id()) {
    ///     assert_eq!(i.clone_of(), original._t.id());
    /// }
    /// ```
    pub fn clone_of(&self) -> Option<u64> {
        self.clone_of
    }
    /// The backtrace captured when the instance was made, if its thread
    /// captured backtraces then (see [`capture_backtraces`](crate::capture_backtraces)).
    /// Its symbols are resolved when it is first formatted.
    ///
    /// # Examples
    /// ```
    /// struct Blob { _t: instrack::Tracked<Self> }
    ///
    /// let plain = Blob { _t: instrack::track!() };
    /// let snap = instrack::snapshot().narrow("Blob");
    /// assert!(snap.instances().all(|i| i.backtrace().is_none())); // off by default
    /// # drop(plain);
    /// ```
    pub fn backtrace(&self) -> Option<&std::backtrace::Backtrace> {
        self.backtrace.as_deref()
    }
    /// The first frames of [`backtrace`](Self::backtrace) outside std and
    /// instrack, as reports print them; resolves its symbols.
    ///
    /// # Examples
    /// ```
    /// struct Blob { _t: instrack::Tracked<Self> }
    ///
    /// instrack::capture_backtraces(true);
    /// let blob = Blob { _t: instrack::track!() };
    /// instrack::capture_backtraces(false);
    /// for i in instrack::snapshot().narrow("Blob").instances() {
    ///     println!("{}", i.short_backtrace().unwrap());
    /// }
    /// # drop(blob);
    /// ```
    pub fn short_backtrace(&self) -> Option<crate::ShortBacktrace> {
        self.backtrace.as_deref().map(crate::backtraces::short)
    }
    /// The thread that made the instance: its name, else its id.
    pub fn thread(&self) -> &str {
        &self.thread
    }
    /// How old the instance was when the snapshot was taken.
    pub fn age(&self) -> Duration {
        self.age
    }
    /// The instance's `Debug` text, for instances tracked through `Arc` or
    /// `Rc` (`track!(&value)`) whose type implements `Debug`: on one line, at
    /// most 200 characters (a longer text shows the value's top level, what
    /// is nested elided as `…`). A `Debug` that panicked gives
    /// `<Debug panicked: message>`.
    ///
    /// Formatted on the first call, from the live value: snapshots and
    /// reports run `Debug` only for the values they print or a program asks
    /// for, and a snapshot keeps no value alive. `None` for `Tracked` fields,
    /// for a value dropped since the snapshot was taken, and for an `Rc` asked
    /// about on another thread than the one that tracked it.
    ///
    /// # Locking behaviour
    /// Runs the value's `Debug` (and, if the snapshot's holder was its last
    /// owner meanwhile, its `Drop`) with no lock of instrack's held.
    ///
    /// # Examples
    /// ```
    /// use std::sync::{Arc, OnceLock};
    ///
    /// #[derive(Debug)]
    /// struct Config { name: &'static str }
    ///
    /// let config = Arc::new(Config { name: "prod" });
    /// instrack::track!(&config);
    /// let snap = instrack::snapshot().narrow("Config");
    /// if let Some(instance) = snap.instances().next() {
    ///     assert_eq!(instance.debug(), Some(r#"Config { name: "prod" }"#));
    /// }
    /// drop(config);
    /// ```
    pub fn debug(&self) -> Option<&str> {
        self.debug
            .get_or_init(|| self.value.as_ref().and_then(crate::imp::debug_text_of).map(String::into_boxed_str))
            .as_deref()
    }
}

impl fmt::Display for Instance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "#{}  {}:{}  thread {}  age {}",
            self.id,
            self.site.file,
            self.site.line,
            self.thread,
            Age(self.age)
        )?;
        match self.clone_of {
            Some(original) => write!(f, "  clone of #{original}"),
            None => Ok(()),
        }
    }
}

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
    pub(crate) taken: Instant,
    /// The wall clock of `taken` recorded in the file the snapshot was read
    /// from (feature `serde`); `None` for a snapshot taken here.
    pub(crate) taken_unix_secs: Option<f64>,
}

/// What every report says when tracking is compiled out. It cannot tell a
/// release build from a debug build whose profile turned instrack's debug
/// assertions off, so it says how to turn tracking on in either.
pub(crate) const COMPILED_OUT: &str = "instrack: tracking is compiled out of this build (instrack was built \
without debug assertions and without its `tracking` feature), so nothing was recorded.
  - in a release build: add `--features instrack/tracking`, or to the root Cargo.toml: \
[profile.release.package.instrack] debug-assertions = true
  - in a debug build: the root Cargo.toml turns instrack's debug assertions off, usually with \
[profile.dev.package.\"*\"] debug-assertions = false; add below it: \
[profile.dev.package.instrack] debug-assertions = true";

/// How many instances of one type a report lists before "… and N more".
pub(crate) const REPORT_LIMIT: usize = 20;

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
        Snapshot {
            enabled,
            types,
            instances,
            pattern: None,
            unmatched: Vec::new(),
            error: None,
            selection: None,
            taken: Instant::now(),
            taken_unix_secs: None,
        }
    }

    /// A snapshot with nothing in it, taken now: what every query returns
    /// when tracking is compiled out (without the sorting code of `new`).
    pub(crate) fn empty() -> Snapshot {
        Snapshot {
            enabled: crate::ENABLED,
            types: Vec::new(),
            instances: Vec::new(),
            pattern: None,
            unmatched: Vec::new(),
            error: None,
            selection: None,
            taken: Instant::now(),
            taken_unix_secs: None,
        }
    }

    /// When the snapshot was taken.
    pub fn taken(&self) -> Instant {
        self.taken
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
        self.narrowed(pattern, |keys| {
            let types = self.types.iter().filter(|t| keys.contains(&t.key)).cloned().collect();
            let instances = self.instances.iter().filter(|i| keys.contains(&i.type_key)).cloned().collect();
            (types, instances)
        })
    }

    /// [`narrow`](Self::narrow) for a snapshot no longer needed: moves the
    /// kept lists instead of copying them (a report of a million instances).
    pub(crate) fn into_narrowed(mut self, pattern: &str) -> Snapshot {
        let mut instances = std::mem::take(&mut self.instances);
        self.narrowed(pattern, |keys| {
            instances.retain(|i| keys.contains(&i.type_key));
            (self.types.iter().filter(|t| keys.contains(&t.key)).cloned().collect(), instances)
        })
    }

    fn narrowed(
        &self,
        pattern: &str,
        lists: impl FnOnce(&HashSet<u32>) -> (Vec<TypeCounts>, Vec<Instance>),
    ) -> Snapshot {
        if !crate::ENABLED {
            let taken_unix_secs = self.taken_unix_secs;
            return Snapshot {
                pattern: Some(pattern.to_owned()),
                taken: self.taken,
                taken_unix_secs,
                ..Snapshot::empty()
            };
        }
        let mut out = Snapshot {
            pattern: Some(pattern.to_owned()),
            taken: self.taken,
            taken_unix_secs: self.taken_unix_secs,
            ..Snapshot::new(self.enabled, Vec::new(), Vec::new())
        };
        let parsed = match Pattern::parse(pattern) {
            Ok(p) => p,
            Err(message) => {
                out.error = Some(message);
                return out;
            }
        };
        let mut keep = vec![false; self.types.len()];
        for name in parsed.names() {
            let mut hit = false;
            for (i, t) in self.types.iter().enumerate() {
                if Pattern::name_matches(name, t.name) {
                    keep[i] = true;
                    hit = true;
                }
            }
            if !hit && self.enabled {
                out.unmatched.push(name.clone());
            }
        }
        let keys: HashSet<u32> = self.types.iter().zip(&keep).filter(|(_, k)| **k).map(|(t, _)| t.key).collect();
        (out.types, out.instances) = lists(&keys);
        out.selection = Some(parsed);
        out
    }
}

impl fmt::Display for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `ENABLED` first: compiled out, the rest of this function is dead
        // code and not linked.
        if !crate::ENABLED || !self.enabled {
            return writeln!(f, "{COMPILED_OUT}");
        }
        if let Some(error) = &self.error {
            return writeln!(f, "instrack: {error}");
        }
        let live: usize = self.types.iter().map(|t| t.counts.live).sum();
        write!(
            f,
            "instrack: {live} live instance{} of {} tracked type{}",
            s(live),
            self.types.len(),
            s(self.types.len())
        )?;
        match &self.pattern {
            Some(p) => writeln!(f, " matching {p:?}")?,
            None => writeln!(f)?,
        }
        for t in &self.types {
            let c = t.counts;
            write!(f, "{}: {} live, {} total, {} peak", short_generics(t.name), c.live, c.total, c.peak)?;
            match t.estimated_bytes() {
                Some(bytes) if c.live > 0 => writeln!(f, ", ~{} held", Bytes(bytes))?,
                _ => writeln!(f)?,
            }
            let of_type = || self.instances.iter().filter(|i| i.type_key == t.key);
            let shown: Vec<&Instance> = of_type().take(REPORT_LIMIT).collect();
            let id_width = shown.iter().map(|i| digits(i.id)).max().unwrap_or(0);
            let sites: Vec<String> = shown.iter().map(|i| format!("{}:{}", i.site.file, i.site.line)).collect();
            let site_width = sites.iter().map(|s| s.chars().count()).max().unwrap_or(0);
            for (i, site) in shown.iter().zip(&sites) {
                write!(f, "    #{:<id_width$}  {site:<site_width$}  thread {}  age {}", i.id, i.thread, Age(i.age))?;
                if let Some(original) = i.clone_of {
                    write!(f, "  clone of #{original}")?;
                }
                match i.debug() {
                    Some(debug) => writeln!(f, "  {debug}")?,
                    None => writeln!(f)?,
                }
                if let Some(short) = i.short_backtrace() {
                    for frame in short.frames() {
                        writeln!(f, "        at {frame}")?;
                    }
                }
            }
            let more = of_type().count() - shown.len();
            if more > 0 {
                writeln!(f, "    … and {more} more")?;
            }
        }
        for name in &self.unmatched {
            writeln!(f, "no tracked type matches {name:?}")?;
        }
        Ok(())
    }
}

/// The live instances of one type made at one site, as [`Snapshot::by_site`]
/// and [`Diff`](crate::Diff) group them.
///
/// # Examples
/// ```
/// #[derive(Debug)]
/// struct Row { _t: instrack::Tracked<Self> }
///
/// let rows: Vec<Row> = (0..3).map(|_| Row { _t: instrack::track!() }).collect();
/// let by_site = instrack::snapshot().narrow("Row").by_site();
/// if instrack::ENABLED {
///     let group = by_site.groups().next().unwrap();
///     assert_eq!((group.count(), group.line()), (3, line!() - 4));
///     assert_eq!(group.ids()[0], rows[0]._t.id().unwrap());
/// }
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SiteGroup {
    file: &'static str,
    line: u32,
    type_name: &'static str,
    ids: Vec<u64>,
    threads: Vec<Arc<str>>,
    backtrace: Option<crate::ShortBacktrace>,
}

impl SiteGroup {
    /// The source file of the site.
    pub fn file(&self) -> &'static str {
        self.file
    }
    /// The line of the site.
    pub fn line(&self) -> u32 {
        self.line
    }
    /// The type's name, as [`std::any::type_name`] spells it.
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }
    /// How many live instances of the type were made there.
    pub fn count(&self) -> usize {
        self.ids.len()
    }
    /// Their ids, oldest first.
    pub fn ids(&self) -> &[u64] {
        &self.ids
    }
    /// The creation backtrace the group's instances share, when they were
    /// made with backtraces on: groups then split by backtrace as well as
    /// by site.
    pub fn backtrace(&self) -> Option<&crate::ShortBacktrace> {
        self.backtrace.as_ref()
    }
    /// The threads that made them, by name, each once.
    pub fn threads(&self) -> impl Iterator<Item = &str> {
        self.threads.iter().map(|t| &**t)
    }

    /// Groups `instances` by site and type: largest group first.
    pub(crate) fn group<'a>(instances: impl IntoIterator<Item = &'a Instance>) -> Vec<SiteGroup> {
        type Key<'a> = (&'a str, u32, &'a str, Option<crate::ShortBacktrace>);
        let mut groups: std::collections::BTreeMap<Key<'_>, SiteGroup> = Default::default();
        for i in instances {
            let trace = i.short_backtrace(); // resolved: the groups are about to be printed
            let g = groups.entry((i.site.file, i.site.line, i.type_name, trace.clone())).or_insert_with(|| SiteGroup {
                file: i.site.file,
                line: i.site.line,
                type_name: i.type_name,
                ids: Vec::new(),
                threads: Vec::new(),
                backtrace: trace,
            });
            g.ids.push(i.id);
            if !g.threads.contains(&i.thread) {
                g.threads.push(i.thread.clone());
            }
        }
        let mut groups: Vec<SiteGroup> = groups.into_values().collect();
        groups.sort_by_key(|g| std::cmp::Reverse(g.ids.len()));
        for g in &mut groups {
            g.threads.sort_unstable();
        }
        groups
    }
}

/// How many ids a site's line lists before "…".
const IDS_SHOWN: usize = 3;

impl fmt::Display for SiteGroup {
    /// `src/main.rs:14  demo::Widget  ×10  #3 #5 #7 …  (thread main)`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}  {}  ×{} ", self.file, self.line, short_generics(self.type_name), self.ids.len())?;
        for id in self.ids.iter().take(IDS_SHOWN) {
            write!(f, " #{id}")?;
        }
        if self.ids.len() > IDS_SHOWN {
            write!(f, " …")?;
        }
        let threads: Vec<&str> = self.threads().collect();
        write!(f, "  (thread {})", threads.join(", "))?;
        for frame in self.backtrace.iter().flat_map(|b| b.frames()) {
            write!(f, "\n        at {frame}")?;
        }
        Ok(())
    }
}

/// A snapshot's live instances grouped by creation site; see [`Snapshot::by_site`].
///
/// # Examples
/// ```
/// struct Toast { _t: instrack::Tracked<Self> }
///
/// let _toasts: Vec<Toast> = (0..2).map(|_| Toast { _t: instrack::track!() }).collect();
/// let by_site = instrack::snapshot().narrow("Toast").by_site();
/// println!("{by_site}");
/// assert_eq!(by_site.groups().map(|g| g.count()).sum::<usize>(), if instrack::ENABLED { 2 } else { 0 });
/// ```
#[derive(Clone, Debug)]
pub struct BySite {
    /// The snapshot without its lists: what the text's first line needs.
    header: Snapshot,
    live: usize,
    groups: Vec<SiteGroup>,
}

impl BySite {
    /// The groups, largest first.
    pub fn groups(&self) -> std::slice::Iter<'_, SiteGroup> {
        self.groups.iter()
    }
}

impl fmt::Display for BySite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !crate::ENABLED || !self.header.enabled || self.header.error.is_some() {
            return write!(f, "{}", self.header); // says why there is nothing
        }
        let live = self.live;
        let n = self.groups.len();
        write!(f, "instrack: {live} live instance{} made at {n} site{}", s(live), s(n))?;
        match &self.header.pattern {
            Some(p) => writeln!(f, " matching {p:?}")?,
            None => writeln!(f)?,
        }
        for g in &self.groups {
            writeln!(f, "    {g}")?;
        }
        for name in &self.header.unmatched {
            writeln!(f, "no tracked type matches {name:?}")?;
        }
        Ok(())
    }
}

impl Snapshot {
    /// The live instances grouped by creation site and type, largest group
    /// first: where the instances are made, rather than what they are. Its
    /// `Display` gives one line per site.
    ///
    /// ```text
    /// instrack: 12 live instances made at 2 sites matching "Widget"
    ///     src/main.rs:14  demo::Widget  ×10  #3 #5 #7 …  (thread main)
    ///     src/main.rs:20  demo::Widget  ×2  #40 #41  (thread main)
    /// ```
    ///
    /// # Examples
    /// ```
    /// #[derive(Debug)]
    /// struct Cell { _t: instrack::Tracked<Self> }
    ///
    /// let mut sheet: Vec<Cell> = (0..10).map(|_| Cell { _t: instrack::track!() }).collect();
    /// sheet.push(Cell { _t: instrack::track!() });
    /// let by_site = instrack::snapshot().narrow("Cell").by_site();
    /// println!("{by_site}");
    /// let counts: Vec<usize> = by_site.groups().map(|g| g.count()).collect();
    /// assert_eq!(counts, if instrack::ENABLED { vec![10, 1] } else { vec![] });
    /// ```
    pub fn by_site(&self) -> BySite {
        let header = Snapshot {
            enabled: self.enabled,
            types: Vec::new(),
            instances: Vec::new(),
            pattern: self.pattern.clone(),
            unmatched: self.unmatched.clone(),
            error: self.error.clone(),
            selection: None,
            taken: self.taken,
            taken_unix_secs: self.taken_unix_secs,
        };
        if !crate::ENABLED {
            return BySite { header, live: 0, groups: Vec::new() };
        }
        BySite { header, live: self.instances.len(), groups: SiteGroup::group(&self.instances) }
    }
}

fn digits(n: u64) -> usize {
    n.checked_ilog10().map_or(1, |d| d as usize + 1)
}

fn s(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// A byte count as a person reads it: `512 B`, `1.5 KiB`, `12.0 MiB`.
pub(crate) struct Bytes(pub(crate) u64);

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0 as f64;
        match self.0 {
            0..1024 => write!(f, "{} B", self.0),
            1024..1_048_576 => write!(f, "{:.1} KiB", n / 1024.0),
            1_048_576..1_073_741_824 => write!(f, "{:.1} MiB", n / 1_048_576.0),
            _ => write!(f, "{:.1} GiB", n / 1_073_741_824.0),
        }
    }
}

/// A duration printed the way a person reads an age: `850µs`, `12ms`, `3.4s`, `2m05s`, `1h02m`.
pub(crate) struct Age(pub(crate) Duration);

impl fmt::Display for Age {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        let secs = d.as_secs();
        if secs >= 3600 {
            write!(f, "{}h{:02}m", secs / 3600, secs % 3600 / 60)
        } else if secs >= 60 {
            write!(f, "{}m{:02}s", secs / 60, secs % 60)
        } else if secs >= 1 {
            write!(f, "{:.1}s", d.as_secs_f64())
        } else if d.as_millis() >= 1 {
            write!(f, "{}ms", d.as_millis())
        } else {
            write!(f, "{}µs", d.as_micros())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_counts_read_like_sizes() {
        let cases =
            [(0, "0 B"), (1023, "1023 B"), (1536, "1.5 KiB"), (12 * 1_048_576, "12.0 MiB"), (3 << 30, "3.0 GiB")];
        for (n, text) in cases {
            assert_eq!(Bytes(n).to_string(), text);
        }
    }

    #[test]
    fn ages_read_like_ages() {
        let cases = [
            (0, "0µs"),
            (850_000, "850µs"),
            (12_000_000, "12ms"),
            (3_400_000_000, "3.4s"),
            (125_000_000_000, "2m05s"),
            (3_720_000_000_000, "1h02m"),
        ];
        for (nanos, text) in cases {
            assert_eq!(Age(Duration::from_nanos(nanos)).to_string(), text);
        }
    }
}
