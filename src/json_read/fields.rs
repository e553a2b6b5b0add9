//! The objects of a document read back: `Obj`, whose fields are read with
//! errors that name their path (`instrack.snapshot.instances[3].line`), and
//! seconds as `json.rs` writes them turned back into `Duration`s.

use super::{JsonError, MAX_COUNT};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

/// A JSON value as an error message names it: its kind, and a short value.
pub(super) fn describe(v: &Value) -> String {
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
pub(super) struct Obj<'a> {
    map: Cow<'a, Map<String, Value>>,
    path: String,
}

impl Obj<'static> {
    pub(super) fn root(map: Map<String, Value>, path: String) -> Obj<'static> {
        Obj { map: Cow::Owned(map), path }
    }
}

impl<'a> Obj<'a> {
    pub(super) fn error(&self, key: &str, problem: impl fmt::Display) -> JsonError {
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

    pub(super) fn bool(&self, key: &str) -> Result<bool, JsonError> {
        let v = self.get(key)?;
        v.as_bool().ok_or_else(|| self.expected(key, "true or false", v))
    }

    pub(super) fn str(&self, key: &str) -> Result<&str, JsonError> {
        let v = self.get(key)?;
        v.as_str().ok_or_else(|| self.expected(key, "a string", v))
    }

    pub(super) fn opt_str(&self, key: &str) -> Result<Option<&str>, JsonError> {
        self.opt(key).map(|v| v.as_str().ok_or_else(|| self.expected(key, "a string or null", v))).transpose()
    }

    pub(super) fn u64(&self, key: &str) -> Result<u64, JsonError> {
        let v = self.get(key)?;
        v.as_u64().ok_or_else(|| self.expected(key, "an integer from 0 to 2^64 - 1", v))
    }

    pub(super) fn opt_u64(&self, key: &str) -> Result<Option<u64>, JsonError> {
        self.opt(key).map(|v| v.as_u64().ok_or_else(|| self.expected(key, "an integer or null", v))).transpose()
    }

    pub(super) fn u32(&self, key: &str) -> Result<u32, JsonError> {
        let v = self.get(key)?;
        v.as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| self.expected(key, "an integer from 0 to 2^32 - 1", v))
    }

    /// A count: an integer up to [`MAX_COUNT`].
    pub(super) fn count(&self, key: &str) -> Result<u64, JsonError> {
        self.opt_count(key)?.ok_or_else(|| self.expected(key, "a count", self.map.get(key).unwrap_or(&Value::Null)))
    }

    pub(super) fn opt_count(&self, key: &str) -> Result<Option<u64>, JsonError> {
        let what = "an integer from 0 to 2^53";
        self.opt(key)
            .map(|v| v.as_u64().filter(|&n| n <= MAX_COUNT).ok_or_else(|| self.expected(key, what, v)))
            .transpose()
    }

    pub(super) fn opt_f64(&self, key: &str) -> Result<Option<f64>, JsonError> {
        self.opt(key).map(|v| v.as_f64().ok_or_else(|| self.expected(key, "a number or null", v))).transpose()
    }

    /// A duration in seconds, as `json.rs` writes them.
    pub(super) fn secs(&self, key: &str) -> Result<Duration, JsonError> {
        let v = self.get(key)?;
        v.as_f64().and_then(duration).ok_or_else(|| self.expected(key, "a number of seconds from 0 to 2^64 ns", v))
    }

    pub(super) fn array(&self, key: &str) -> Result<Vec<Obj<'_>>, JsonError> {
        let v = self.get(key)?;
        let items = v.as_array().ok_or_else(|| self.expected(key, "an array", v))?;
        items
            .iter()
            .enumerate()
            .map(|(n, item)| match item {
                Value::Object(map) => Ok(Obj { map: Cow::Borrowed(map), path: format!("{}.{key}[{n}]", self.path) }),
                other => {
                    Err(self.error(&format!("{key}[{n}]"), format!("expected an object, found {}", describe(other))))
                }
            })
            .collect()
    }

    pub(super) fn strings(&self, key: &str) -> Result<Vec<String>, JsonError> {
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
pub(super) fn duration(secs: f64) -> Option<Duration> {
    if !(0.0..18_446_744_073.0).contains(&secs) {
        return None;
    }
    let whole = secs.trunc();
    let nanos = ((secs - whole) * 1e9).round() as u64;
    Some(Duration::from_secs(whole as u64) + Duration::from_nanos(nanos))
}

pub(super) fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
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
