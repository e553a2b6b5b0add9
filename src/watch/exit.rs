//! [`report_at_exit`]: a guard that reports when `main` ends.

use super::growth::live_by_name;
use super::{history, read_counts, Growth, Settings};
use std::collections::HashMap;
use std::fmt;
use std::io;
use std::time::Instant;

/// Returns a guard that writes the report of `pattern`, and the growth since
/// the guard was made, when it is dropped: keep it in a variable at the top
/// of `main`.
///
/// Two environment variables, read now, let whoever runs the program change
/// that without rebuilding it:
/// - `INSTRACK_REPORT` overrides `pattern`; `INSTRACK_REPORT=off` disables
///   the report.
/// - `INSTRACK_REPORT_FILE=path` appends the report to that file instead of
///   writing it to stderr. A file that cannot be opened or written (a
///   missing directory, a directory, a read-only or full file) does not lose
///   the report: it goes to stderr, after one line that names the path and
///   the OS error.
///
/// The report is written section by section, as
/// [`report_to`](crate::report_to) writes it: no lock, not even stderr's, is
/// held while a value's `Debug` runs.
///
/// When tracking is compiled out, the report says so in one line.
///
/// **Why a guard, not `atexit`.** Functions registered with `atexit` run
/// after `main` returns, while the standard library tears itself down: stderr
/// may already be flushed and closed, thread-locals destroyed, and other
/// threads may still be running or already killed. Nothing runs them on
/// `std::process::exit` from a thread, on a panic that aborts, or on a
/// signal. A guard runs inside `main`, in a well-defined order (declared
/// first, dropped last: after the values of `main` it reports on), and it
/// also runs when `main` unwinds from a panic. It does not run on
/// `std::process::exit`: call [`ExitReport::write_to`] or
/// [`report`](crate::report) before that.
///
/// # Examples
/// ```
/// // First thing in `main`:
/// let _report = instrack::report_at_exit("*"); // written when `main` returns
/// // … the program …
/// ```
pub fn report_at_exit(pattern: &str) -> ExitReport {
    ExitReport {
        settings: Settings::from_env(pattern),
        baseline: live_by_name(&read_counts()),
        made: Instant::now(),
        armed: true,
    }
}

/// The guard [`report_at_exit`] returns; the report is written when it drops.
///
/// # Examples
/// ```
/// let guard = instrack::report_at_exit("Session Conn");
/// # if std::env::var_os("INSTRACK_REPORT").is_none() {
/// assert_eq!(guard.pattern(), Some("Session Conn")); // unless INSTRACK_REPORT says otherwise
/// # }
/// guard.cancel(); // changed our mind: no report
/// ```
pub struct ExitReport {
    settings: Settings,
    baseline: HashMap<&'static str, usize>,
    made: Instant,
    armed: bool,
}

impl ExitReport {
    /// The pattern the report will use after `INSTRACK_REPORT`; `None` when
    /// that says `off`.
    pub fn pattern(&self) -> Option<&str> {
        self.settings.pattern.as_deref()
    }

    /// The file the report will be appended to (`INSTRACK_REPORT_FILE`), or
    /// `None` for stderr.
    pub fn file(&self) -> Option<&std::path::Path> {
        self.settings.file.as_deref()
    }

    /// Drops the guard without writing anything.
    pub fn cancel(mut self) {
        self.armed = false;
    }

    /// Writes now, to `out`, the text the guard would write when dropped:
    /// the report of the pattern, the growth since the guard was made, and,
    /// when a [`Sampler`](crate::Sampler) ran, every type of the pattern
    /// that was a leak suspect at any point of the run, with its rate, its
    /// peak and its live count now. Writes nothing when the report is off.
    ///
    /// # Errors
    /// Only those of `out`.
    ///
    /// # Examples
    /// ```
    /// struct Tab { _t: instrack::Tracked<Self> }
    ///
    /// let guard = instrack::report_at_exit("Tab");
    /// let _tab = Tab { _t: instrack::track!() };
    /// let mut out = Vec::new();
    /// guard.write_to(&mut out).unwrap();
    /// let text = String::from_utf8(out).unwrap();
    /// # if std::env::var_os("INSTRACK_REPORT").is_some() { return; }
    /// if instrack::ENABLED {
    ///     assert!(text.contains("Tab: 1 live"));
    /// } else {
    ///     assert!(text.contains("compiled out"));
    /// }
    /// guard.cancel();
    /// ```
    pub fn write_to<W: io::Write>(&self, out: &mut W) -> io::Result<()> {
        let Some(pattern) = &self.settings.pattern else { return Ok(()) };
        // Section by section: no lock held while a `Debug` runs (see `report_to`).
        crate::report_to(out, pattern)?;
        if crate::ENABLED {
            let growth = Growth::between(Some(&self.baseline), &read_counts());
            let text = format!(
                "instrack: growth since report_at_exit, {} ago:\n{growth}",
                crate::text::Age(self.made.elapsed())
            );
            out.write_all(text.as_bytes())?;
            if let Some(suspects) = history::section(pattern) {
                out.write_all(suspects.as_bytes())?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for ExitReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExitReport")
            .field("pattern", &self.settings.pattern)
            .field("file", &self.settings.file)
            .field("armed", &self.armed)
            .finish()
    }
}

impl Drop for ExitReport {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        if self.settings.pattern.is_some() {
            // `Output` reports its own errors on stderr and returns none.
            let _ = self.write_to(&mut self.settings.output());
        }
    }
}
