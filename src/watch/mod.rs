//! Watching a running program: a background [`Sampler`] and its bounded
//! [`Timeline`], leak [`Suspect`]s, [`growth`] since the previous call, and
//! reports at exit ([`report_at_exit`]) and on `SIGUSR1` (`report_on_signal`).
//!
//! Everything here reads what `counts` reads (`imp::all_counts`): the
//! per-type counters, and for shared values the strong counts in their weak
//! lists; no instance record, no `Debug` text, no lock a `Tracked` takes.
//! Types are keyed by name: two distinct types that share a
//! [`type_name`](std::any::type_name) are summed into one series.

mod exit;
mod growth;
mod sampler;
#[cfg(all(unix, feature = "signal"))]
mod signal;
mod suspects;
mod timeline;

pub use exit::{report_at_exit, ExitReport};
pub use growth::{growth, Growth, GrowthEntry};
pub use sampler::Sampler;
#[cfg(all(unix, feature = "signal"))]
pub use signal::{report_on_signal, SignalReport};
pub use suspects::Suspect;
pub use timeline::{Point, Series, Timeline};

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// One reading of a type's counters: (type name, live, total).
pub(crate) type Reading = (&'static str, usize, u64);

/// The counts of every tracked type now, sorted by name, with types that
/// share a name summed. Counters only: see the module docs.
pub(crate) fn read_counts() -> Vec<Reading> {
    readings(&crate::imp::all_counts())
}

/// `counts` as readings: sorted by name, types that share a name summed.
pub(crate) fn readings(counts: &[crate::TypeCounts]) -> Vec<Reading> {
    let mut all: Vec<Reading> = counts
        .iter()
        .map(|t| {
            let c = t.counts();
            (t.name(), c.live, c.total)
        })
        .collect();
    all.sort_unstable_by(|a, b| a.0.cmp(b.0));
    all.dedup_by(|next, kept| {
        let same = next.0 == kept.0;
        if same {
            kept.1 += next.1;
            kept.2 += next.2;
        }
        same
    });
    all
}

/// Where a report without a planted call goes, as the environment says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Settings {
    /// The pattern to report; `None` when `INSTRACK_REPORT=off`.
    pub(crate) pattern: Option<String>,
    /// `INSTRACK_REPORT_FILE`: append there instead of writing to stderr.
    pub(crate) file: Option<PathBuf>,
}

impl Settings {
    /// `INSTRACK_REPORT` overrides `pattern` (`off` disables the report);
    /// `INSTRACK_REPORT_FILE` names a file to append to.
    pub(crate) fn from_env(pattern: &str) -> Settings {
        let pattern = match std::env::var("INSTRACK_REPORT") {
            Ok(v) if v.trim().eq_ignore_ascii_case("off") => None,
            Ok(v) if !v.trim().is_empty() => Some(v.trim().to_owned()),
            _ => Some(pattern.to_owned()),
        };
        let file = std::env::var_os("INSTRACK_REPORT_FILE").filter(|f| !f.is_empty()).map(PathBuf::from);
        Settings { pattern, file }
    }

    /// Writes `text` where the settings say; errors are the caller's to ignore.
    pub(crate) fn deliver(&self, text: &str) -> std::io::Result<()> {
        use std::io::Write;
        match &self.file {
            Some(path) => {
                let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
                f.write_all(text.as_bytes())
            }
            None => std::io::stderr().lock().write_all(text.as_bytes()),
        }
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

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
