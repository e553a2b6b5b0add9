//! [`Output`]: where the exit and signal reports are written, stderr or the
//! file `INSTRACK_REPORT_FILE` names, and the fallback that keeps a report
//! from being lost in silence.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

/// A report's destination: stderr, or a file appended to.
///
/// A file that cannot be opened (a missing directory, a directory) or
/// written (`/proc/version`, a full disk) is given up for stderr, with one
/// line there first that says why: the path and the OS error. Each write
/// is one `write_all` of a whole section (see `report_to`), so stderr is
/// locked only while a formatted section is copied, never while user code
/// runs. Errors of stderr itself are ignored: a debugging aid must not take
/// the program down, and there is nobody left to tell.
pub(crate) struct Output<'a> {
    /// The file and its path, until a write to it fails.
    file: Option<(&'a Path, File)>,
    /// Whether part of the report already went to the file.
    written: bool,
}

impl<'a> Output<'a> {
    /// Opens `file` to append to, or stderr when `None`; falls back to stderr
    /// when the file cannot be opened, saying so there.
    pub(crate) fn open(file: Option<&'a Path>) -> Output<'a> {
        let file = file.and_then(|path| match OpenOptions::new().create(true).append(true).open(path) {
            Ok(f) => Some((path, f)),
            Err(e) => {
                fall_back(path, &e, false);
                None
            }
        });
        Output { file, written: false }
    }
}

/// The one line that says why a report goes to stderr instead of `path`.
/// The path is quoted and escaped (it may hold anything but a NUL).
fn fall_back(path: &Path, error: &io::Error, written: bool) {
    let what = if written { "the rest of it" } else { "it" };
    let _ = io::stderr().write_all(
        format!("instrack: cannot write the report to {path:?}: {error}; writing {what} to stderr instead\n")
            .as_bytes(),
    );
}

impl Write for Output<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_all(buf).map(|()| buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        if let Some((path, file)) = &mut self.file {
            match file.write_all(buf) {
                Ok(()) => {
                    self.written = true;
                    return Ok(());
                }
                Err(e) => {
                    fall_back(path, &e, self.written);
                    self.file = None;
                }
            }
        }
        let _ = io::stderr().write_all(buf);
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
