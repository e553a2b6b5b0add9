//! Feature `serde`: documents read back. [`Snapshot::from_json`] and
//! [`Timeline::from_json`] read what `json.rs` writes, so that a file kept
//! from a CI run or another machine answers every query that needs no live
//! value: counts, `narrow`, `by_site`, `diff`, the report text, the page.
//!
//! The reader walks a `serde_json::Value` field by field rather than
//! deriving `Deserialize`, so that every error names the field it is about
//! (`instances[3].line`), and it checks what the queries take for granted
//! (points in time order, `live_min ≤ live ≤ live_max`, counts a JSON number
//! holds exactly), so that no document, however made, can make a query
//! panic.
//!
//! Names read from files are interned: each distinct type name, module, file
//! and site is allocated once and kept for the life of the process (the
//! queries hold them as `&'static str`, as they hold the names of live
//! types). Types read from files get indexes of their own, by name,
//! counting down from `u32::MAX`: two files agree on them, so they can be
//! compared; a file compared with a live snapshot shares no type with it.
//!
//! | file | what |
//! |---|---|
//! | `mod.rs` | [`JsonError`], [`Snapshot::from_json`], [`Timeline::from_json`], the schema check |
//! | `fields.rs` | `Obj`: an object of the document, its fields read with errors that name their path; seconds back to `Duration`s |
//! | `intern.rs` | the names, sites and type indexes of files, kept for the process's life |

mod fields;
mod intern;

use crate::json::SCHEMA_VERSION;
use crate::pattern::Pattern;
use crate::snapshot::{Counts, Instance, Snapshot, Taken, TypeCounts};
use crate::watch::{Point, Timeline};
use crate::TaskId;
use fields::{describe, duration, nanos, Obj};
use intern::{intern, site, type_index};
use serde_json::Value;
use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Why a JSON document could not be read back: not JSON, not an instrack
/// document of the kind asked for, a newer schema version, or a field that
/// is missing or out of range. Its `Display` says which, and where.
///
/// # Examples
/// ```
/// let err = instrack::Snapshot::from_json(r#"{"schema":"instrack.snapshot","version":99}"#).unwrap_err();
/// assert_eq!(err.newer_version(), Some(99));
/// assert!(err.to_string().contains("version 99"));
/// assert!(err.to_string().contains(&format!("version {}", instrack::SCHEMA_VERSION)));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct JsonError {
    message: String,
    newer_version: Option<u64>,
}

impl JsonError {
    fn new(message: String) -> JsonError {
        JsonError { message, newer_version: None }
    }

    /// The document's schema version, when the error is that it is newer
    /// than this build of instrack reads ([`SCHEMA_VERSION`]).
    pub fn newer_version(&self) -> Option<u64> {
        self.newer_version
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for JsonError {}

/// The largest count a document may hold: what a JSON number (an IEEE
/// double, to most readers) holds exactly. Sums of them stay far from
/// overflowing in any query.
const MAX_COUNT: u64 = 1 << 53;

impl Snapshot {
    /// Reads a snapshot back from the JSON that [`to_json`](crate::to_json)
    /// wrote (schema `instrack.snapshot`, version at most [`SCHEMA_VERSION`]).
    ///
    /// The snapshot read back answers every query that needs no live value:
    /// [`types`](Self::types), [`counts`](Self::counts), [`narrow`](Self::narrow),
    /// [`by_site`](Self::by_site), [`diff`](Self::diff) with another file, the
    /// report text (its `Display`) and the page. [`Instance::debug`] returns the
    /// `Debug` text the file recorded; creation backtraces are not in files.
    /// Writing it again gives the same JSON. Two files compare by type name;
    /// a file and a live snapshot share no type (see the module docs of
    /// `src/json_read/`). With tracking compiled out, the queries of the
    /// snapshot read back say so, as every query does.
    ///
    /// # Errors
    /// A [`JsonError`] saying what is wrong: not JSON, not a snapshot, a newer
    /// schema version (naming both), or which field is missing or invalid.
    ///
    /// # Examples
    /// ```
    /// #[derive(Debug)]
    /// struct Order { _t: instrack::Tracked<Self> }
    ///
    /// let _o = Order { _t: instrack::track!() };
    /// let text = instrack::to_json(&instrack::snapshot().narrow("Order"));
    /// let back = instrack::Snapshot::from_json(&text).unwrap();
    /// assert_eq!(instrack::to_json(&back), text);
    /// # if !instrack::ENABLED { return; }
    /// assert_eq!(back.counts("Order").live, 1);
    ///
    /// let err = instrack::Snapshot::from_json("{ not json").unwrap_err();
    /// println!("{err}"); // not JSON: key must be a string at line 1 column 3
    /// ```
    pub fn from_json(text: &str) -> Result<Snapshot, JsonError> {
        let doc = document(text, "snapshot")?;
        let enabled = doc.bool("enabled")?;
        let taken_unix_secs = doc.opt_f64("taken_unix_secs")?;
        let mut types = Vec::new();
        let mut sums = [0u64; 3];
        for t in doc.array("types")? {
            let name = intern(t.str("type")?);
            let counts =
                Counts { live: t.count("live")? as usize, total: t.count("total")?, peak: t.count("peak")? as usize };
            for (sum, n) in sums.iter_mut().zip([counts.live as u64, counts.total, counts.peak as u64]) {
                *sum += n;
                if *sum > MAX_COUNT {
                    return Err(t.error("type", format!("counts summed over the types exceed {MAX_COUNT}")));
                }
            }
            let bytes = t.opt_count("estimated_bytes")?;
            // What `estimated_bytes` multiplies back: the size of one value.
            let value_size = bytes.map(|b| if counts.live == 0 { 0 } else { (b / counts.live as u64) as usize });
            types.push(TypeCounts { index: type_index(name), name, counts, value_size });
        }
        let mut instances = Vec::new();
        for i in doc.array("instances")? {
            let type_name = intern(i.str("type")?);
            let (id, at) = (i.u64("id")?, site(i.str("module")?, i.str("file")?, i.u32("line")?));
            let read = Instance::read_back(
                id,
                type_index(type_name),
                type_name,
                at,
                i.str("thread")?.into(),
                i.secs("age_secs")?,
            );
            let debug = OnceLock::from(i.opt_str("debug")?.map(Box::from));
            let task = match i.opt_u64("task")? {
                None => None,
                Some(n) => Some(TaskId::from_u64(n).ok_or_else(|| i.error("task", "0 is no task's id"))?),
            };
            instances.push(Instance { debug, clone_of: i.opt_u64("clone_of")?, task, ..read });
        }
        let unmatched = doc.strings("unmatched")?;
        let pattern = doc.opt_str("pattern")?;
        let taken = Taken { at: taken_unix_secs.map_or_else(Instant::now, instant_of), unix_secs: taken_unix_secs };
        let mut snapshot = Snapshot::of(enabled, types, instances, taken);
        if let Some(pattern) = pattern {
            snapshot = snapshot.selected_by(pattern, Pattern::parse(pattern));
        }
        // As the file says, though `selected_by` finds the same for a file
        // instrack wrote: writing it again gives the same JSON.
        snapshot.unmatched = unmatched;
        Ok(snapshot)
    }
}

impl Timeline {
    /// Reads a timeline back from the JSON that [`to_json`](crate::to_json)
    /// wrote (schema `instrack.timeline`, version at most [`SCHEMA_VERSION`]).
    ///
    /// The timeline read back has the same series, points, span, samples and
    /// start; its [`suspects`](Self::suspects) and [`growth`](Self::growth)
    /// are computed anew from its points (as the file's were), and writing it
    /// again gives the same JSON.
    ///
    /// # Errors
    /// A [`JsonError`] saying what is wrong, as for [`Snapshot::from_json`];
    /// points out of time order or with `live` outside `live_min..=live_max`
    /// are refused.
    ///
    /// # Examples
    /// ```
    /// use std::time::Duration;
    /// let mut timeline = instrack::Timeline::default();
    /// for minute in 0..10u64 {
    ///     timeline.record(Duration::from_secs(60 * minute), [("app::Session", 10 * minute as usize, 10 * minute)]);
    /// }
    /// let text = instrack::to_json(&timeline);
    /// let back = instrack::Timeline::from_json(&text).unwrap();
    /// assert_eq!(back.to_string(), timeline.to_string());
    /// assert_eq!(back.suspects()[0].type_name(), "app::Session");
    /// assert_eq!(instrack::to_json(&back), text);
    /// ```
    pub fn from_json(text: &str) -> Result<Timeline, JsonError> {
        let doc = document(text, "timeline")?;
        let started = match doc.opt_f64("started_unix_secs")? {
            Some(secs) => {
                Some(UNIX_EPOCH + duration(secs).ok_or_else(|| doc.error("started_unix_secs", "out of range"))?)
            }
            None => None,
        };
        let span = nanos(doc.secs("span_secs")?);
        let samples = doc.u64("samples")?;
        let mut series = Vec::new();
        let mut seen = HashSet::new();
        let mut last = 0u64;
        let all = doc.array("series")?;
        for s in &all {
            let name = s.str("type")?;
            if !seen.insert(name) {
                return Err(s.error("type", format!("a second series of {name:?}")));
            }
            let mut points = Vec::new();
            for p in s.array("points")? {
                let (live, min, max) =
                    (p.count("live")? as usize, p.count("live_min")? as usize, p.count("live_max")? as usize);
                if !(min <= live && live <= max) {
                    return Err(p.error("live", format!("{live} is not within live_min {min} and live_max {max}")));
                }
                let at = nanos(p.secs("at_secs")?);
                if points.last().is_some_and(|q: &Point| nanos(q.at()) > at) {
                    return Err(p.error("at_secs", "earlier than the point before it"));
                }
                last = last.max(at);
                points.push(Point::restore(at, live, min, max, p.count("total")?));
            }
            let first_live = match s.opt_count("first_live")? {
                Some(n) => n as usize,
                None => points.first().map_or(0, Point::live), // written before the field was added
            };
            series.push((Arc::from(name), first_live, points));
        }
        // The first sample's time is not written, only the span up to the last.
        let (first, last) = match (samples, last.checked_sub(span)) {
            (0, _) => (None, 0),
            (_, Some(first)) => (Some(first), last),
            (_, None) => (Some(0), span), // the last samples held no type
        };
        let d = Duration::from_nanos;
        Ok(Timeline::restore(series, first.map(d), d(last), samples, started))
    }
}

/// Parses `text` as a document of `kind`: its object, with the schema and
/// version checked.
fn document(text: &str, kind: &str) -> Result<Obj<'static>, JsonError> {
    let value: Value = serde_json::from_str(text).map_err(|e| JsonError::new(format!("not JSON: {e}")))?;
    let expected = format!("instrack.{kind}");
    let not_ours = |found: &str| {
        JsonError::new(format!(
            "not an instrack document: expected a JSON object with \"schema\": \"{expected}\", found {found}"
        ))
    };
    let Value::Object(map) = value else { return Err(not_ours(&describe(&value))) };
    let schema = match map.get("schema") {
        Some(Value::String(s)) if s.starts_with("instrack.") => s.clone(),
        Some(other) => return Err(not_ours(&format!("\"schema\": {}", describe(other)))),
        None => return Err(not_ours("no \"schema\" field")),
    };
    let version = match map.get("version") {
        Some(v) => v.as_u64().filter(|&v| v > 0).ok_or_else(|| {
            JsonError::new(format!("{schema}: \"version\": expected a positive integer, found {}", describe(v)))
        })?,
        None => return Err(JsonError::new(format!("{schema}: no \"version\" field"))),
    };
    if version > u64::from(SCHEMA_VERSION) {
        return Err(JsonError {
            message: format!(
                "{schema} schema version {version} is newer than this instrack reads (version {SCHEMA_VERSION}): \
                 read it with a newer instrack"
            ),
            newer_version: Some(version),
        });
    }
    if schema != expected {
        return Err(JsonError::new(format!("an {schema} document, not an {expected}")));
    }
    Ok(Obj::root(map, expected))
}

/// The `Instant` of a wall-clock time, on one fixed pairing of the two
/// clocks for the whole process: two files read back are as far apart as
/// their wall clocks say, to the nanosecond.
fn instant_of(unix_secs: f64) -> Instant {
    static ANCHOR: OnceLock<(Instant, f64)> = OnceLock::new();
    let &(anchor, anchor_unix) = ANCHOR.get_or_init(|| {
        let unix = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64());
        (Instant::now(), unix)
    });
    let later = duration(unix_secs - anchor_unix).and_then(|d| anchor.checked_add(d));
    let earlier = || duration(anchor_unix - unix_secs).and_then(|d| anchor.checked_sub(d));
    later.or_else(earlier).unwrap_or(anchor)
}
