//! `instrack`: read instrack's JSON files, and watch a running program.
//!
//! ```text
//! instrack diff OLD.json NEW.json                  what changed between two snapshots
//! instrack report FILE.json [PATTERN]               a snapshot's report (or a timeline's)
//! instrack page SNAPSHOT.json [--timeline T.json] -o PAGE.html
//! instrack top 127.0.0.1:7878 [--once]              live view of `instrack::serve`
//! ```
//!
//! Every error (bad arguments, a file that cannot be read or is not an
//! instrack document, an endpoint that does not answer) prints one line on
//! stderr and exits with status 2.

mod top;

use clap::{Parser, Subcommand};
use instrack::{Snapshot, Timeline};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Read instrack's JSON files (written with `instrack::to_json`, or served by
/// `instrack::serve`), and watch a running program's endpoint.
#[derive(Debug, Parser)]
#[command(name = "instrack", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// What changed from an older snapshot to a newer one: per type created,
    /// dropped and net, then the new instances still alive, by site.
    Diff {
        /// The older snapshot (`instrack.snapshot` JSON).
        old: PathBuf,
        /// The newer snapshot.
        new: PathBuf,
    },
    /// The report text of a snapshot (as `instrack::report` prints it),
    /// narrowed by PATTERN; or the text and suspects of a timeline.
    Report {
        /// A snapshot or a timeline (JSON).
        file: PathBuf,
        /// Type names, `*` for all (snapshots only): as `instrack::report` takes them.
        pattern: Option<String>,
    },
    /// One self-contained HTML page of a snapshot, and of a timeline if given.
    Page {
        /// The snapshot (JSON).
        snapshot: PathBuf,
        /// A timeline (JSON) for the chart, the growth column and the suspects.
        #[arg(long)]
        timeline: Option<PathBuf>,
        /// The page's title; the snapshot's file name by default.
        #[arg(long)]
        title: Option<String>,
        /// Where to write the page.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// A live view of a running program's `instrack::serve` endpoint: types
    /// sorted by growth with a sparkline, suspects marked `!`; `q` quits.
    Top {
        /// The endpoint: `127.0.0.1:7878` or `http://127.0.0.1:7878`.
        addr: String,
        /// Print one frame as text and exit (no terminal needed).
        #[arg(long)]
        once: bool,
    },
}

/// A failure: said on one line of stderr, exit status 2.
#[derive(Debug)]
struct Failure(String);

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // `--help` and `--version` print and succeed; the rest is usage.
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(message)) => {
            eprintln!("instrack: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::Diff { old, new } => {
            let (old, new) = (read_snapshot(&old)?, read_snapshot(&new)?);
            print(&new.diff(&old).to_string())
        }
        Command::Report { file, pattern } => match read(&file)? {
            Document::Snapshot(snapshot) => match pattern {
                Some(pattern) => print(&snapshot.narrow(&pattern).to_string()),
                None => print(&snapshot.to_string()),
            },
            Document::Timeline(timeline) => {
                if pattern.is_some() {
                    return Err(Failure(format!(
                        "{}: a PATTERN narrows snapshots; this is a timeline",
                        file.display()
                    )));
                }
                let mut text = timeline.to_string();
                for suspect in timeline.suspects() {
                    text.push_str(&format!("suspect: {suspect}\n"));
                }
                print(&text)
            }
        },
        Command::Page { snapshot, timeline, title, output } => {
            let title = title.unwrap_or_else(|| file_name(&snapshot));
            let snapshot = read_snapshot(&snapshot)?;
            let timeline = timeline.as_deref().map(read_timeline).transpose()?;
            let mut page = instrack::html::Page::new(snapshot).title(&title);
            if let Some(timeline) = &timeline {
                page = page.timeline(timeline);
            }
            std::fs::write(&output, page.render())
                .map_err(|e| Failure(format!("cannot write {}: {e}", output.display())))
        }
        Command::Top { addr, once } => top::run(&addr, once),
    }
}

/// Writes `text` to stdout; a closed pipe (`| head`) ends quietly.
fn print(text: &str) -> Result<(), Failure> {
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Failure(format!("cannot write: {e}"))),
        _ => Ok(()),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

fn read_text(path: &Path) -> Result<String, Failure> {
    std::fs::read_to_string(path).map_err(|e| Failure(format!("cannot read {}: {e}", path.display())))
}

fn read_snapshot(path: &Path) -> Result<Snapshot, Failure> {
    Snapshot::from_json(&read_text(path)?).map_err(|e| Failure(format!("{}: {e}", path.display())))
}

fn read_timeline(path: &Path) -> Result<Timeline, Failure> {
    Timeline::from_json(&read_text(path)?).map_err(|e| Failure(format!("{}: {e}", path.display())))
}

enum Document {
    Snapshot(Snapshot),
    Timeline(Timeline),
}

/// A snapshot, or failing that a timeline; the snapshot's error if neither
/// (it names the kind the file is, if it is another instrack document).
fn read(path: &Path) -> Result<Document, Failure> {
    let text = read_text(path)?;
    match Snapshot::from_json(&text) {
        Ok(snapshot) => Ok(Document::Snapshot(snapshot)),
        Err(e) => match Timeline::from_json(&text) {
            Ok(timeline) => Ok(Document::Timeline(timeline)),
            Err(_) => Err(Failure(format!("{}: {e}", path.display()))),
        },
    }
}
