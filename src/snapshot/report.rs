//! The report text ([`Snapshot`]'s `Display`) and the functions that print
//! it: [`report`] and [`report_to`].

use super::instance::InTask;
use super::{Instance, Snapshot};
use crate::pattern::short_generics;
use crate::text::{plural, Age, Bytes, Escaped, COMPILED_OUT_EXPLAINED};
use std::{fmt, io};

/// How many instances of one type a report lists before "… and N more".
pub(crate) const REPORT_LIMIT: usize = 20;

impl fmt::Display for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_report(f, |_| Ok(()))
    }
}

impl Snapshot {
    /// The report text, into `f`; `section_end` is called after each
    /// section (the header, each type with its instances), so that
    /// [`report_to`] can write each one as soon as it is formatted.
    fn write_report<F: fmt::Write>(
        &self,
        f: &mut F,
        mut section_end: impl FnMut(&mut F) -> fmt::Result,
    ) -> fmt::Result {
        // `ENABLED` first: compiled out, the rest of this function is dead
        // code and not linked.
        if !crate::ENABLED || !self.enabled {
            return writeln!(f, "instrack: {COMPILED_OUT_EXPLAINED}");
        }
        if let Some(error) = &self.error {
            return writeln!(f, "instrack: {error}");
        }
        let live: usize = self.types.iter().map(|t| t.counts.live).sum();
        write!(
            f,
            "instrack: {live} live instance{} of {} tracked type{}",
            plural(live),
            self.types.len(),
            plural(self.types.len())
        )?;
        match &self.pattern {
            Some(p) => writeln!(f, " matching {p:?}")?,
            None => writeln!(f)?,
        }
        section_end(f)?;
        // The instances by type, each type's oldest first (a stable sort of
        // the snapshot's order): one sort, then a search per type, instead
        // of a scan of every instance per type.
        let mut by_type: Vec<&Instance> = self.instances.iter().collect();
        by_type.sort_by_key(|i| i.type_index);
        for t in &self.types {
            let c = t.counts;
            write!(f, "{}: {} live, {} total, {} peak", Escaped(&short_generics(t.name)), c.live, c.total, c.peak)?;
            match t.estimated_bytes() {
                Some(bytes) if c.live > 0 => writeln!(f, ", ~{} held", Bytes(bytes))?,
                _ => writeln!(f)?,
            }
            let start = by_type.partition_point(|i| i.type_index < t.index);
            let end = by_type.partition_point(|i| i.type_index <= t.index);
            let of_type = &by_type[start..end];
            let shown = &of_type[..of_type.len().min(REPORT_LIMIT)];
            let id_width = shown.iter().map(|i| digits(i.id)).max().unwrap_or(0);
            let sites: Vec<String> =
                shown.iter().map(|i| format!("{}:{}", Escaped(i.site.file), i.site.line)).collect();
            let site_width = sites.iter().map(|s| s.chars().count()).max().unwrap_or(0);
            for (i, site) in shown.iter().zip(&sites) {
                write!(
                    f,
                    "    #{:<id_width$}  {site:<site_width$}  thread {}{}  age {}",
                    i.id,
                    Escaped(&i.thread),
                    InTask(i.task),
                    Age(i.age)
                )?;
                if let Some(original) = i.clone_of {
                    write!(f, "  clone of #{original}")?;
                }
                match i.debug() {
                    Some(debug) => writeln!(f, "  {debug}")?,
                    None => writeln!(f)?,
                }
                if let Some(short) = i.short_backtrace() {
                    for frame in short.frames() {
                        writeln!(f, "        at {}", Escaped(frame))?;
                    }
                }
            }
            let more = of_type.len() - shown.len();
            if more > 0 {
                writeln!(f, "    … and {more} more")?;
            }
            section_end(f)?;
        }
        for name in &self.unmatched {
            writeln!(f, "no tracked type matches {name:?}")?;
        }
        Ok(())
    }
}

/// A report on its way to a writer: each section is formatted here first,
/// running whatever user `Debug` it runs with no lock held (not even
/// stderr's: the writer is not touched meanwhile), then written whole with
/// one `write_all`. So the memory a report takes is one section's text, and
/// a writer that locks (`io::Stderr`, `Output`) locks once per section.
struct Sections<'a, W: io::Write> {
    text: String,
    out: &'a mut W,
    error: Option<io::Error>,
}

impl<W: io::Write> fmt::Write for Sections<'_, W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.text.push_str(s);
        Ok(())
    }
}

impl<W: io::Write> Sections<'_, W> {
    /// Writes the section formatted so far.
    fn end(&mut self) -> fmt::Result {
        if self.text.is_empty() {
            return Ok(());
        }
        let written = self.out.write_all(self.text.as_bytes());
        self.text.clear();
        written.map_err(|e| {
            self.error = Some(e);
            fmt::Error
        })
    }
}

fn digits(n: u64) -> usize {
    n.checked_ilog10().map_or(1, |d| d as usize + 1)
}

/// Prints the live instances of the types `pattern` selects, to stderr.
///
/// `pattern` is `*` for every tracked type, or type names separated by
/// whitespace. A name selects a type when it equals the type's path or a
/// trailing part of it, with or without generic arguments (`Conn`,
/// `net::Conn`, `my_app::net::Conn`, `Conn<u8>`); paths inside generic
/// arguments are optional (`Gen<Vec<u8>>` or `Gen<alloc::vec::Vec<u8>>`), and
/// reports show names that way, as written in source. `*` inside a name
/// matches any run of characters (`my_app::net::*`). Names that select no
/// tracked type are listed as such; an empty pattern selects nothing and the
/// report says what to write (as [`Snapshot::narrow`], [`Snapshot::counts`]
/// and [`graph_dot`](crate::graph_dot) do).
///
/// Types are listed with the most live instances first; each lists its live
/// instances, oldest first, up to 20, then "… and N more".
///
/// # Panics
/// Only if a value's `Drop` panics, run because the report held its last
/// strong reference (see [`Instance::debug`]). A panicking `Debug` is shown
/// as such; errors writing to stderr are ignored.
///
/// # Locking behaviour
/// Writes section by section, as [`report_to`] does: each section (the
/// header, then each type with its instances) is formatted first, its
/// values' `Debug` run with no lock held, not even stderr's; then stderr is
/// locked for the one write of that section. So a `Debug` may wait for a
/// thread that is writing to stderr. Another thread's output may come
/// between two sections, never inside one.
///
/// # Examples
/// ```
/// instrack::report("*");
/// ```
pub fn report(pattern: &str) {
    // Not `stderr().lock()`: each section locks stderr only for its one write
    // (see `report_to`), so a `Debug` that waits for a thread that is
    // writing to stderr cannot deadlock the program. Errors are ignored: a
    // debugging aid must not take the program down because stderr is closed.
    let _ = report_to(&mut io::stderr(), pattern);
}

/// Writes the report that [`report`] prints to `out`.
///
/// # Errors
/// Only those of `out`.
///
/// # Panics
/// As [`report`].
///
/// # Locking behaviour
/// Each section of the report (the header, then each type with its up to
/// 20 instances) is formatted into a buffer, running its values' `Debug`
/// with no lock held and without touching `out`, then written with one
/// `write_all`: the memory it takes is one section's text, and a writer that
/// locks (`io::Stderr`) is locked only while it copies a formatted section.
///
/// # Examples
/// ```
/// struct Ghost { _t: instrack::Tracked<Self> }
/// let _g = Ghost { _t: instrack::track!() };
///
/// let mut out = Vec::new();
/// instrack::report_to(&mut out, "Ghost Phantom").unwrap();
/// let text = String::from_utf8(out).unwrap();
/// # if !instrack::ENABLED { return; }
/// assert!(text.contains("Ghost: 1 live, 1 total, 1 peak"));
/// assert!(text.contains("no tracked type matches \"Phantom\""));
/// ```
pub fn report_to<W: io::Write>(out: &mut W, pattern: &str) -> io::Result<()> {
    if !crate::ENABLED {
        return writeln!(out, "instrack: {COMPILED_OUT_EXPLAINED}");
    }
    let snapshot = Snapshot::read_selected(pattern);
    let mut sections = Sections { text: String::new(), out, error: None };
    match snapshot.write_report(&mut sections, Sections::end).and_then(|()| sections.end()) {
        Ok(()) => Ok(()),
        Err(fmt::Error) => Err(sections.error.take().unwrap_or_else(|| io::Error::other("formatting failed"))),
    }
}
