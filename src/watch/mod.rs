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
mod history;
mod output;
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

use output::Output;
use std::path::PathBuf;

/// One reading of a type's counters.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Reading {
    pub(crate) name: &'static str,
    pub(crate) live: usize,
    pub(crate) total: u64,
}

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
            Reading { name: t.name(), live: c.live, total: c.total }
        })
        .collect();
    all.sort_unstable_by(|a, b| a.name.cmp(b.name));
    all.dedup_by(|next, kept| {
        let same = next.name == kept.name;
        if same {
            kept.live += next.live;
            kept.total += next.total;
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

    /// Where the settings say to write: the file, else stderr (see [`Output`]).
    pub(crate) fn output(&self) -> Output<'_> {
        Output::open(self.file.as_deref())
    }
}
