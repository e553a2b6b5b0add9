//! JSON (feature `serde`): `Serialize` for every query result.
//! Only public accessors are read here, but for a snapshot's pattern and the
//! wall clock a snapshot read from a file keeps (see [`SCHEMA_VERSION`] for
//! the schema; `json_read/` reads it back).

use crate::{
    Counts, Cycle, CycleGroup, Cycles, Diff, Growth, GrowthEntry, Instance, Point, RefNode, Retention, Series,
    Snapshot, Suspect, Timeline, TypeCounts, TypeDiff,
};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The version of the JSON schema, in every document's `"version"` field.
///
/// With the feature `serde`, every query result implements `Serialize`
/// ([`to_json`] writes the text). A value serialized on its own is a
/// *document*: a JSON object whose first fields are `"schema"`
/// (`"instrack.<kind>"`), `"version"` (this number), then `"time_origin"` for
/// the kinds that hold times. Values nested in a document (the instances of
/// a snapshot, the points of a series) carry only their own fields. A change
/// that removes or retypes a field bumps the version; new fields may be
/// added without one.
///
/// Times are never `Instant`s: they are durations in seconds (`*_secs`,
/// floating point) from the origin named by the document's `"time_origin"`:
///
/// | origin | meaning | documents |
/// |---|---|---|
/// | `snapshot_taken` | ages count back from when the snapshot was taken (`taken_unix_secs`: its wall clock, estimated when serialized as now less the snapshot's age) | `snapshot`, `instance` |
/// | `later_snapshot_taken` | ages count back from the later of the two snapshots | `diff` |
/// | `analysis` | ages count back from when the reference graph was analysed | `cycles`, `cycle_group`, `cycle`, `ref_node`, `retention` |
/// | `sampler_started` | `at_secs` and `since_secs` count forward from the sampler's start (`started_unix_secs`, wall clock, `null` for a timeline filled by hand) | `timeline`, `series`, `point`, `suspect` |
///
/// Type names are under `"type"`, as [`std::any::type_name`] spells them.
/// The fields of each kind are those of the type's accessors:
///
/// | kind | fields |
/// |---|---|
/// | `counts` | `live`, `total`, `peak` |
/// | `type_counts` | `type`, `live`, `total`, `peak`, `estimated_bytes` (`null` when unknown) |
/// | `instance` | `id`, `type`, `module`, `file`, `line`, `thread`, `age_secs`, `debug` (`null` for `Tracked` fields), `clone_of` (`null` but for clones), `task` (the tokio task's id, `null` outside a task or without the feature `tokio`) |
/// | `snapshot` | `enabled`, `taken_unix_secs`, `types` (type_counts), `instances`, `unmatched`, `pattern` (`null` unless narrowed) |
/// | `type_diff` | `type`, `created`, `dropped`, `net`, `live` |
/// | `diff` | `interval_secs`, `types` (type_diff), `new_instances` |
/// | `ref_node` | `instance`, `strong_count`, `outside_owners`, `note` |
/// | `cycle` | `members` (ref_node), `edges` (`[holder id, held id]`), `edge_paths` (each edge's path, `".on_close → closure (src/main.rs:44)"`, `""` when unnamed), `walk` (the loop as reports print it), `kept_alive` (ref_node) |
/// | `cycle_group` | `count`, `instances`, `example` (cycle) |
/// | `cycles` | `enabled`, `cycles` (cycle), `groups` (cycle_group), `untraced` (type names) |
/// | `retention` | `chain` (ref_node), `paths` (how each holder holds the one before it), `leaked` |
/// | `point` | `at_secs`, `live`, `live_min`, `live_max`, `total` |
/// | `series` | `type`, `first_live` (the live count of its first sample), `points` |
/// | `timeline` | `enabled`, `started_unix_secs`, `span_secs`, `samples`, `series`, `suspects` |
/// | `suspect` | `type`, `per_minute`, `since_secs`, `first_floor`, `last_floor`, `reason` |
/// | `growth_entry` | `type`, `live`, `change` |
/// | `growth` | `entries` (growth_entry) |
///
/// The JSON says what the Rust accessors say, field for field, and
/// `Snapshot::from_json` and `Timeline::from_json` read it back (a document
/// of version 1 written before a field was added reads as if it were `null`).
///
/// # Examples
/// ```
/// let json: serde_json::Value = serde_json::from_str(&instrack::to_json(&instrack::growth())).unwrap();
/// assert_eq!(json["schema"], "instrack.growth");
/// assert_eq!(json["version"], instrack::SCHEMA_VERSION);
/// ```
pub const SCHEMA_VERSION: u32 = 1;

/// The JSON text of a query result (any `Serialize` value).
///
/// # Examples
/// ```
/// let text = instrack::to_json(&instrack::snapshot());
/// assert!(text.starts_with(r#"{"schema":"instrack.snapshot","version":1,"#));
/// ```
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).expect("instrack's Serialize impls write only strings, numbers, lists and maps")
}

/// The fields of one kind of value, without the document header.
trait Fields {
    fn fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error>;
}

/// A value nested in a document: its fields only.
struct Nested<'a, T>(&'a T);

impl<T: Fields> Serialize for Nested<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        self.0.fields(&mut map)?;
        map.end()
    }
}

fn nested<'a, T: Fields + 'a>(items: impl IntoIterator<Item = &'a T>) -> Vec<Nested<'a, T>> {
    items.into_iter().map(Nested).collect()
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn unix_secs(t: SystemTime) -> Option<f64> {
    t.duration_since(UNIX_EPOCH).ok().map(secs)
}

macro_rules! documents {
    ($($ty:ty => $kind:literal $(, $origin:literal)?;)*) => {$(
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(None)?;
                map.serialize_entry("schema", concat!("instrack.", $kind))?;
                map.serialize_entry("version", &SCHEMA_VERSION)?;
                $(map.serialize_entry("time_origin", $origin)?;)?
                self.fields(&mut map)?;
                map.end()
            }
        }
    )*};
}

// Documents whose values hold times name the origin they count from.
documents! {
    Counts => "counts";
    TypeCounts => "type_counts";
    Instance => "instance", "snapshot_taken";
    Snapshot => "snapshot", "snapshot_taken";
    TypeDiff => "type_diff";
    Diff => "diff", "later_snapshot_taken";
    RefNode => "ref_node", "analysis";
    Cycle => "cycle", "analysis";
    CycleGroup => "cycle_group", "analysis";
    Cycles => "cycles", "analysis";
    Retention => "retention", "analysis";
    Point => "point", "sampler_started";
    Series => "series", "sampler_started";
    Timeline => "timeline", "sampler_started";
    Suspect => "suspect", "sampler_started";
    GrowthEntry => "growth_entry";
    Growth => "growth";
}

impl Fields for Counts {
    fn fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        map.serialize_entry("live", &self.live)?;
        map.serialize_entry("total", &self.total)?;
        map.serialize_entry("peak", &self.peak)
    }
}

impl Fields for TypeCounts {
    fn fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        map.serialize_entry("type", self.name())?;
        self.counts().fields(map)?;
        map.serialize_entry("estimated_bytes", &self.estimated_bytes())
    }
}

impl Fields for Instance {
    fn fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        map.serialize_entry("id", &self.id())?;
        map.serialize_entry("type", self.type_name())?;
        map.serialize_entry("module", self.module_path())?;
        map.serialize_entry("file", self.file())?;
        map.serialize_entry("line", &self.line())?;
        map.serialize_entry("thread", self.thread())?;
        map.serialize_entry("age_secs", &secs(self.age()))?;
        map.serialize_entry("debug", &self.debug())?;
        map.serialize_entry("clone_of", &self.clone_of())?;
        map.serialize_entry("task", &self.task().map(crate::TaskId::as_u64))
    }
}

impl Fields for Snapshot {
    fn fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        map.serialize_entry("enabled", &crate::ENABLED)?;
        // The wall clock of the origin: the one read from a file, else now
        // less how long ago it was taken.
        let estimate = || SystemTime::now().checked_sub(self.taken().elapsed()).and_then(unix_secs);
        map.serialize_entry("taken_unix_secs", &self.taken.unix_secs.or_else(estimate))?;
        map.serialize_entry("types", &nested(self.types()))?;
        map.serialize_entry("instances", &nested(self.instances()))?;
        map.serialize_entry("unmatched", self.unmatched())?;
        map.serialize_entry("pattern", &self.pattern)
    }
}

impl Fields for TypeDiff {
    fn fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        map.serialize_entry("type", self.name)?;
        map.serialize_entry("created", &self.created)?;
        map.serialize_entry("dropped", &self.dropped)?;
        map.serialize_entry("net", &self.net)?;
        map.serialize_entry("live", &self.live)
    }
}

impl Fields for Diff {
    fn fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        map.serialize_entry("interval_secs", &secs(self.interval()))?;
        map.serialize_entry("types", &nested(self.types()))?;
        map.serialize_entry("new_instances", &nested(self.new_instances()))
    }
}

impl Fields for RefNode {
    fn fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        map.serialize_entry("instance", &Nested(self.instance()))?;
        map.serialize_entry("strong_count", &self.strong_count())?;
        map.serialize_entry("outside_owners", &self.outside_owners())?;
        map.serialize_entry("note", &self.note())
    }
}

impl Fields for Cycle {
    fn fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        map.serialize_entry("members", &nested(self.members()))?;
        map.serialize_entry("edges", self.edges())?;
        map.serialize_entry("edge_paths", &strings(self.edge_paths()))?;
        map.serialize_entry("walk", &self.loop_text())?;
        map.serialize_entry("kept_alive", &nested(self.kept_alive()))
    }
}

impl Fields for CycleGroup {
    fn fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        map.serialize_entry("count", &self.count())?;
        map.serialize_entry("instances", &self.instances())?;
        map.serialize_entry("example", &Nested(self.example()))
    }
}

impl Fields for Cycles {
    fn fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        map.serialize_entry("enabled", &crate::ENABLED)?;
        map.serialize_entry("cycles", &nested(self.iter()))?;
        map.serialize_entry("groups", &nested(self.groups()))?;
        map.serialize_entry("untraced", self.untraced())
    }
}

/// Each value's `Display` text.
fn strings<T: std::fmt::Display>(items: &[T]) -> Vec<String> {
    items.iter().map(T::to_string).collect()
}

impl Fields for Retention {
    fn fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        map.serialize_entry("chain", &nested(self.chain()))?;
        map.serialize_entry("paths", &strings(self.paths()))?;
        map.serialize_entry("leaked", &self.is_leaked())
    }
}

impl Fields for Point {
    fn fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        map.serialize_entry("at_secs", &secs(self.at()))?;
        map.serialize_entry("live", &self.live())?;
        map.serialize_entry("live_min", &self.live_min())?;
        map.serialize_entry("live_max", &self.live_max())?;
        map.serialize_entry("total", &self.total())
    }
}

impl Fields for Series {
    fn fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        map.serialize_entry("type", self.type_name())?;
        map.serialize_entry("first_live", &self.first_live())?;
        map.serialize_entry("points", &nested(self.points()))
    }
}

impl Fields for Timeline {
    fn fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        map.serialize_entry("enabled", &crate::ENABLED)?;
        map.serialize_entry("started_unix_secs", &self.started().and_then(unix_secs))?;
        map.serialize_entry("span_secs", &secs(self.span()))?;
        map.serialize_entry("samples", &self.samples())?;
        map.serialize_entry("series", &nested(self.series()))?;
        map.serialize_entry("suspects", &nested(&self.suspects()))
    }
}

impl Fields for Suspect {
    fn fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        map.serialize_entry("type", self.type_name())?;
        map.serialize_entry("per_minute", &self.per_minute())?;
        map.serialize_entry("since_secs", &secs(self.since()))?;
        let (first, last) = self.floors();
        map.serialize_entry("first_floor", &first)?;
        map.serialize_entry("last_floor", &last)?;
        map.serialize_entry("reason", self.reason())
    }
}

impl Fields for GrowthEntry {
    fn fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        map.serialize_entry("type", self.type_name())?;
        map.serialize_entry("live", &self.live())?;
        map.serialize_entry("change", &self.change())
    }
}

impl Fields for Growth {
    fn fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        map.serialize_entry("entries", &nested(self.entries()))
    }
}
