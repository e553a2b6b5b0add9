//! The live instances grouped by creation site: [`SiteGroup`], [`BySite`] and
//! [`Snapshot::by_site`]. [`Diff`](crate::Diff) groups its new instances with
//! the same [`SiteGroup::group`].

use super::{Instance, Snapshot};
use crate::pattern::short_generics;
use crate::text::{plural, Escaped};
use crate::TaskId;
use std::fmt;
use std::sync::Arc;

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
    tasks: Vec<TaskId>,
    /// How many were made outside any task.
    outside_tasks: usize,
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
    /// The tokio tasks that made them (feature `tokio`), each once, in
    /// order; empty when none was made in a task.
    pub fn tasks(&self) -> &[TaskId] {
        &self.tasks
    }
    /// How many of them were made outside any tokio task (all of them
    /// without the feature `tokio`). The text and the page print it beside
    /// the tasks when some were made in a task and some were not, so that a
    /// site used both at startup and by one task does not read as that
    /// task's alone.
    pub fn outside_tasks(&self) -> usize {
        self.outside_tasks
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
                tasks: Vec::new(),
                outside_tasks: 0,
                backtrace: trace,
            });
            g.ids.push(i.id);
            // Consecutive instances often share a thread; the rest are
            // removed by one sort below, not a search per instance.
            if g.threads.last() != Some(&i.thread) {
                g.threads.push(i.thread.clone());
            }
            match i.task {
                Some(task) if g.tasks.last() != Some(&task) => g.tasks.push(task),
                Some(_) => {}
                None => g.outside_tasks += 1,
            }
        }
        let mut groups: Vec<SiteGroup> = groups.into_values().collect();
        groups.sort_by_key(|g| std::cmp::Reverse(g.ids.len()));
        for g in &mut groups {
            g.threads.sort_unstable();
            g.threads.dedup();
            g.tasks.sort_unstable();
            g.tasks.dedup();
        }
        groups
    }
}

/// How many ids a site's line lists before "…".
const IDS_SHOWN: usize = 3;

impl fmt::Display for SiteGroup {
    /// `src/main.rs:14  demo::Widget  ×10  #3 #5 #7 …  (thread main)`, and
    /// with tasks `(thread w1, w2; task 17)` or `(thread w1; 10 tasks: 17 18 19 …)`,
    /// and `(thread main, w1; task 17, 4 outside any task)` when some were made
    /// outside any task.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = short_generics(self.type_name);
        write!(f, "{}:{}  {}  ×{} ", Escaped(self.file), self.line, Escaped(&name), self.ids.len())?;
        for id in self.ids.iter().take(IDS_SHOWN) {
            write!(f, " #{id}")?;
        }
        if self.ids.len() > IDS_SHOWN {
            write!(f, " …")?;
        }
        write!(f, "  (thread ")?;
        for (i, thread) in self.threads().enumerate() {
            let comma = if i > 0 { ", " } else { "" };
            write!(f, "{comma}{}", Escaped(thread))?;
        }
        match self.tasks[..] {
            [] => {}
            [task] => write!(f, "; task {task}")?,
            ref tasks => {
                write!(f, "; {} tasks:", tasks.len())?;
                for task in tasks.iter().take(IDS_SHOWN) {
                    write!(f, " {task}")?;
                }
                if tasks.len() > IDS_SHOWN {
                    write!(f, " …")?;
                }
            }
        }
        if !self.tasks.is_empty() && self.outside_tasks > 0 {
            write!(f, ", {} outside any task", self.outside_tasks)?;
        }
        write!(f, ")")?;
        for frame in self.backtrace.iter().flat_map(|b| b.frames()) {
            write!(f, "\n        at {}", Escaped(frame))?;
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
        write!(f, "instrack: {live} live instance{} made at {n} site{}", plural(live), plural(n))?;
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
            pattern: self.pattern.clone(),
            unmatched: self.unmatched.clone(),
            error: self.error.clone(),
            ..Snapshot::of(self.enabled, Vec::new(), Vec::new(), self.taken)
        };
        if !crate::ENABLED {
            return BySite { header, live: 0, groups: Vec::new() };
        }
        BySite { header, live: self.instances.len(), groups: SiteGroup::group(&self.instances) }
    }
}
