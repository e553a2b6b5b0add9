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
//! types). Types read from files get keys of their own, by name, counting
//! down from `u32::MAX`: two files agree on them, so they can be compared; a
//! file compared with a live snapshot shares no type with it.

use crate::json::SCHEMA_VERSION;
use crate::pattern::Pattern;
use crate::site::Site;
use crate::snapshot::{Counts, Instance, Snapshot, TypeCounts};
use crate::watch::{lock, Point, Timeline};
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};
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
    /// `json_read.rs`). With tracking compiled out, the queries of the
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
            types.push(TypeCounts { key: type_key(name), name, counts, value_size });
        }
        let mut instances = Vec::new();
        for i in doc.array("instances")? {
            let type_name = intern(i.str("type")?);
            instances.push(Instance {
                id: i.u64("id")?,
                type_key: type_key(type_name),
                type_name,
                site: site(i.str("module")?, i.str("file")?, i.u32("line")?),
                thread: Arc::from(i.str("thread")?),
                age: i.secs("age_secs")?,
                value: None,
                debug: OnceLock::from(i.opt_str("debug")?.map(Box::from)),
                clone_of: i.opt_u64("clone_of")?,
                backtrace: None,
            });
        }
        let unmatched = doc.strings("unmatched")?;
        let pattern = doc.opt_str("pattern")?.map(str::to_owned);
        let (selection, error) = match pattern.as_deref().map(Pattern::parse) {
            None => (None, None),
            Some(Ok(selection)) => (Some(selection), None),
            Some(Err(message)) => (None, Some(message)),
        };
        Ok(Snapshot {
            enabled,
            types,
            instances,
            pattern,
            unmatched,
            error,
            selection,
            taken: taken_unix_secs.map_or_else(Instant::now, instant_of),
            taken_unix_secs,
        })
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

/// A JSON value as an error message names it: its kind, and a short value.
fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("{b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) if s.chars().count() > 40 => format!("a string {:?}…", s.chars().take(40).collect::<String>()),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

/// An object of the document and the path that leads to it (for errors).
struct Obj<'a> {
    map: std::borrow::Cow<'a, Map<String, Value>>,
    path: String,
}

impl Obj<'static> {
    fn root(map: Map<String, Value>, path: String) -> Obj<'static> {
        Obj { map: std::borrow::Cow::Owned(map), path }
    }
}

impl<'a> Obj<'a> {
    fn error(&self, key: &str, problem: impl fmt::Display) -> JsonError {
        JsonError::new(format!("{}.{key}: {problem}", self.path))
    }

    /// The field's value; `None` when missing or `null`.
    fn opt(&self, key: &str) -> Option<&Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    fn get(&self, key: &str) -> Result<&Value, JsonError> {
        self.map.get(key).ok_or_else(|| self.error(key, "missing"))
    }

    fn expected(&self, key: &str, what: &str, found: &Value) -> JsonError {
        self.error(key, format!("expected {what}, found {}", describe(found)))
    }

    fn bool(&self, key: &str) -> Result<bool, JsonError> {
        let v = self.get(key)?;
        v.as_bool().ok_or_else(|| self.expected(key, "true or false", v))
    }

    fn str(&self, key: &str) -> Result<&str, JsonError> {
        let v = self.get(key)?;
        v.as_str().ok_or_else(|| self.expected(key, "a string", v))
    }

    fn opt_str(&self, key: &str) -> Result<Option<&str>, JsonError> {
        self.opt(key).map(|v| v.as_str().ok_or_else(|| self.expected(key, "a string or null", v))).transpose()
    }

    fn u64(&self, key: &str) -> Result<u64, JsonError> {
        let v = self.get(key)?;
        v.as_u64().ok_or_else(|| self.expected(key, "an integer from 0 to 2^64 - 1", v))
    }

    fn opt_u64(&self, key: &str) -> Result<Option<u64>, JsonError> {
        self.opt(key).map(|v| v.as_u64().ok_or_else(|| self.expected(key, "an integer or null", v))).transpose()
    }

    fn u32(&self, key: &str) -> Result<u32, JsonError> {
        let v = self.get(key)?;
        v.as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| self.expected(key, "an integer from 0 to 2^32 - 1", v))
    }

    /// A count: an integer up to [`MAX_COUNT`].
    fn count(&self, key: &str) -> Result<u64, JsonError> {
        self.opt_count(key)?.ok_or_else(|| self.expected(key, "a count", self.map.get(key).unwrap_or(&Value::Null)))
    }

    fn opt_count(&self, key: &str) -> Result<Option<u64>, JsonError> {
        let what = "an integer from 0 to 2^53";
        self.opt(key)
            .map(|v| v.as_u64().filter(|&n| n <= MAX_COUNT).ok_or_else(|| self.expected(key, what, v)))
            .transpose()
    }

    fn opt_f64(&self, key: &str) -> Result<Option<f64>, JsonError> {
        self.opt(key).map(|v| v.as_f64().ok_or_else(|| self.expected(key, "a number or null", v))).transpose()
    }

    /// A duration in seconds, as `json.rs` writes them.
    fn secs(&self, key: &str) -> Result<Duration, JsonError> {
        let v = self.get(key)?;
        v.as_f64().and_then(duration).ok_or_else(|| self.expected(key, "a number of seconds from 0 to 2^64 ns", v))
    }

    fn array(&self, key: &str) -> Result<Vec<Obj<'_>>, JsonError> {
        let v = self.get(key)?;
        let items = v.as_array().ok_or_else(|| self.expected(key, "an array", v))?;
        items
            .iter()
            .enumerate()
            .map(|(n, item)| match item {
                Value::Object(map) => {
                    Ok(Obj { map: std::borrow::Cow::Borrowed(map), path: format!("{}.{key}[{n}]", self.path) })
                }
                other => {
                    Err(self.error(&format!("{key}[{n}]"), format!("expected an object, found {}", describe(other))))
                }
            })
            .collect()
    }

    fn strings(&self, key: &str) -> Result<Vec<String>, JsonError> {
        let v = self.get(key)?;
        let items = v.as_array().ok_or_else(|| self.expected(key, "an array of strings", v))?;
        items
            .iter()
            .enumerate()
            .map(|(n, item)| {
                item.as_str().map(str::to_owned).ok_or_else(|| self.expected(&format!("{key}[{n}]"), "a string", item))
            })
            .collect()
    }
}

/// Seconds as `json.rs` writes them (`Duration::as_secs_f64`) back to the
/// nanosecond they came from, which writes the same number again: the whole
/// seconds and the fraction are exact in an `f64`, and the nanosecond
/// nearest the fraction is within half a unit of its last place. `None` if
/// negative, not a number, or beyond what `u64` nanoseconds hold.
fn duration(secs: f64) -> Option<Duration> {
    if !(0.0..18_446_744_073.0).contains(&secs) {
        return None;
    }
    let whole = secs.trunc();
    let nanos = ((secs - whole) * 1e9).round() as u64;
    Some(Duration::from_secs(whole as u64) + Duration::from_nanos(nanos))
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
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

/// Names, sites and type keys read from files: each allocated once, for the
/// life of the process (see the module docs).
#[derive(Default)]
struct Interned {
    names: HashSet<&'static str>,
    keys: HashMap<&'static str, u32>,
    sites: HashMap<(&'static str, &'static str, u32), &'static Site>,
}

fn interned() -> &'static Mutex<Interned> {
    static INTERNED: OnceLock<Mutex<Interned>> = OnceLock::new();
    INTERNED.get_or_init(Mutex::default)
}

fn intern(name: &str) -> &'static str {
    intern_in(&mut lock(interned()), name)
}

fn intern_in(interned: &mut Interned, name: &str) -> &'static str {
    if let Some(&kept) = interned.names.get(name) {
        return kept;
    }
    let kept: &'static str = Box::leak(Box::from(name));
    interned.names.insert(kept);
    kept
}

/// The key of a type read from a file, by name, counting down from `u32::MAX`.
fn type_key(name: &'static str) -> u32 {
    let mut interned = lock(interned());
    let next = u32::MAX - interned.keys.len() as u32;
    *interned.keys.entry(name).or_insert(next)
}

fn site(module: &str, file: &str, line: u32) -> &'static Site {
    let mut interned = lock(interned());
    let (module, file) = (intern_in(&mut interned, module), intern_in(&mut interned, file));
    interned.sites.entry((module, file, line)).or_insert_with(|| Box::leak(Box::new(Site::new(module, file, line, 0))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_read_back_to_the_nanosecond() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Up to ~11 days (ages, sampler times) to the nanosecond.
            let d = Duration::from_nanos(x % 1_000_000_000_000_000);
            assert_eq!(duration(d.as_secs_f64()), Some(d));
            // Wall clocks: the same number again.
            let wall = Duration::from_nanos(1_700_000_000_000_000_000 + x % 100_000_000_000_000_000).as_secs_f64();
            assert_eq!(duration(wall).map(|d| d.as_secs_f64()), Some(wall));
            // And serde_json reads back the number it wrote (`float_roundtrip`).
            let parsed: Value = serde_json::from_str(&serde_json::to_string(&wall).unwrap()).unwrap();
            assert_eq!(parsed.as_f64(), Some(wall));
        }
        assert_eq!(duration(-1.0), None);
        assert_eq!(duration(f64::NAN), None);
        assert_eq!(duration(1e30), None);
    }
}
