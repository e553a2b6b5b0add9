//! The report text ([`Snapshot`]'s `Display`) and the functions that print
//! it: [`report`] and [`report_to`].

use super::{Instance, Snapshot};
use crate::pattern::short_generics;
use crate::text::{plural, write_best_effort, Age, Bytes, Escaped, COMPILED_OUT_EXPLAINED};
use std::{fmt, io};

/// How many instances of one type a report lists before "… and N more".
pub(crate) const REPORT_LIMIT: usize = 20;

impl fmt::Display for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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
                    "    #{:<id_width$}  {site:<site_width$}  thread {}  age {}",
                    i.id,
                    Escaped(&i.thread),
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
        }
        for name in &self.unmatched {
            writeln!(f, "no tracked type matches {name:?}")?;
        }
        Ok(())
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
/// # Examples
/// ```
/// instrack::report("*");
/// ```
pub fn report(pattern: &str) {
    write_best_effort(None, |mut stderr| report_to(&mut stderr, pattern));
}

/// Writes the report that [`report`] prints to `out`.
///
/// # Errors
/// Only those of `out`.
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
    write!(out, "{}", Snapshot::read_selected(pattern))
}
