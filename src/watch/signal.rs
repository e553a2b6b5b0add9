//! [`report_on_signal`]: a report each time the process receives `SIGUSR1`.
//!
//! The signal handler is signal-hook's: it marks the signal pending and
//! writes one byte to a self-pipe, both async-signal-safe. Everything else,
//! reading counts, formatting, writing, runs on the thread this module
//! starts, which waits on that pipe.

use super::growth::live_by_name;
use super::{history, read_counts, Growth, Settings};
use signal_hook::consts::SIGUSR1;
use signal_hook::iterator::{Handle, Signals};
use std::collections::HashMap;
use std::fmt;
use std::io::{self, Write};
use std::thread::JoinHandle;

/// Writes the report of `pattern`, the growth since the previous signal
/// report, and (when a [`Sampler`](crate::Sampler) ran) the leak suspects
/// seen during the run (as [`report_at_exit`](crate::report_at_exit)), each time the process receives `SIGUSR1` (`kill -USR1 <pid>`),
/// from a thread of its own named `instrack-signal`.
///
/// The report goes to stderr, or is appended to the file named by
/// `INSTRACK_REPORT_FILE` (opened anew for each report; when it cannot be
/// opened or written, the report goes to stderr after one line that says
/// why); no lock is held while a value's `Debug` runs (see
/// [`report_to`](crate::report_to)). `INSTRACK_REPORT` overrides the pattern, and
/// `INSTRACK_REPORT=off` registers nothing (see [`report_at_exit`](crate::report_at_exit)).
/// When tracking is compiled out, each report says so in one line.
///
/// Only the feature `signal` on Unix has this function.
///
/// # Errors
/// Those of registering the handler or starting the thread.
///
/// # Examples
/// ```
/// let _on_usr1 = instrack::report_on_signal("*")?; // until dropped
/// // … the program; `kill -USR1 <pid>` prints a report …
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn report_on_signal(pattern: &str) -> io::Result<SignalReport> {
    let settings = Settings::from_env(pattern);
    let Some(pattern) = settings.pattern.clone() else {
        return Ok(SignalReport { settings, handle: None, thread: None });
    };
    let mut signals = Signals::new([SIGUSR1])?;
    let handle = signals.handle();
    let delivery = settings.clone();
    let thread = std::thread::Builder::new().name("instrack-signal".into()).spawn(move || {
        let mut baseline: HashMap<&'static str, usize> = HashMap::new();
        for _ in signals.forever() {
            // The file is opened anew each time: one that could not be
            // written may be writable now. `Output` reports its own errors on
            // stderr and returns none; the report goes section by section, with
            // no lock held while a `Debug` runs (see `report_to`).
            let mut out = delivery.output();
            let _ = out.write_all(b"instrack: report on SIGUSR1\n");
            let _ = crate::report_to(&mut out, &pattern);
            if crate::ENABLED {
                let now = read_counts();
                let growth = format!(
                    "instrack: growth since the previous signal report:\n{}",
                    Growth::between(Some(&baseline), &now)
                );
                let _ = out.write_all(growth.as_bytes());
                baseline = live_by_name(&now);
                if let Some(suspects) = history::section(&pattern) {
                    let _ = out.write_all(suspects.as_bytes());
                }
            }
        }
    });
    match thread {
        Ok(thread) => Ok(SignalReport { settings, handle: Some(handle), thread: Some(thread) }),
        Err(e) => {
            handle.close();
            Err(e)
        }
    }
}

/// The registration [`report_on_signal`] returns: reports are written until
/// it is dropped, which unregisters the handler and joins the thread. After
/// that, `SIGUSR1` is ignored (signal-hook never restores the default action,
/// which would end the process).
///
/// # Examples
/// ```
/// let on_usr1 = instrack::report_on_signal("Session")?;
/// println!("{on_usr1:?}"); // SignalReport { pattern: Some("Session"), file: None, listening: true }
/// drop(on_usr1); // stops listening
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct SignalReport {
    settings: Settings,
    handle: Option<Handle>,
    thread: Option<JoinHandle<()>>,
}

impl SignalReport {
    /// The pattern reported, after `INSTRACK_REPORT`; `None` when that says `off`.
    pub fn pattern(&self) -> Option<&str> {
        self.settings.pattern.as_deref()
    }
}

impl fmt::Debug for SignalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignalReport")
            .field("pattern", &self.settings.pattern)
            .field("file", &self.settings.file)
            .field("listening", &self.handle.as_ref().is_some_and(|h| !h.is_closed()))
            .finish()
    }
}

impl Drop for SignalReport {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            handle.close();
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
