//! JSON (feature `serde`): every query result serializes to a document with
//! a versioned schema, which parses back with the same values as the Rust
//! accessors. Each test uses types of its own.

use crate::fixtures::ring_node;
use instrack::{track, why_alive, Timeline, Tracked, SCHEMA_VERSION};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// The document's JSON text, parsed; checks that the header comes first.
fn parse<T: serde::Serialize>(value: &T) -> Value {
    let text = serde_json::to_string(value).unwrap();
    // `to_json` writes the same, but for the wall clock of a snapshot's
    // origin, which is estimated anew each time (now − the snapshot's age).
    let estimate = |v: &mut Value| v.as_object_mut().and_then(|o| o.remove("taken_unix_secs"));
    let mut once: Value = serde_json::from_str(&text).unwrap();
    let mut twice: Value = serde_json::from_str(&instrack::to_json(value)).unwrap();
    if let (Some(a), Some(b)) = (estimate(&mut once), estimate(&mut twice)) {
        assert!((a.as_f64().unwrap() - b.as_f64().unwrap()).abs() < 0.1);
    }
    assert_eq!(once, twice);
    let kind = text.strip_prefix(r#"{"schema":"instrack."#).expect("the schema comes first");
    let after = &kind[kind.find('"').unwrap() + 1..];
    assert!(after.starts_with(&format!(r#","version":{SCHEMA_VERSION}"#)), "then the version");
    serde_json::from_str(&text).unwrap()
}

/// A float written to JSON and read back (serde_json's reading may differ in the last digit).
fn assert_close(json: &Value, expected: f64) {
    let got = json.as_f64().expect("a number");
    assert!((got - expected).abs() <= 1e-12 * expected.abs().max(1.0), "{got} vs {expected}");
}

/// Checks the document header: schema, version, and the time origin.
fn header(doc: &Value, kind: &str, origin: Option<&str>) {
    assert!(doc.is_object(), "a document is an object");
    assert_eq!(doc["schema"], format!("instrack.{kind}"));
    assert_eq!(doc["version"], SCHEMA_VERSION);
    assert_eq!(doc.get("time_origin").and_then(Value::as_str), origin);
}

#[derive(Debug)]
#[allow(dead_code)] // read through Debug
struct JsonConn {
    peer: &'static str,
    _t: Tracked<Self>,
}

#[derive(Debug)]
#[allow(dead_code)] // read through Debug
struct JsonShared(u32);

#[test]
fn a_snapshot_and_its_parts_round_trip() {
    let _c = JsonConn { peer: "10.0.0.1", _t: track!() };
    let shared = Arc::new(JsonShared(7));
    track!(&shared);
    let snap = instrack::snapshot().narrow("JsonConn JsonShared");
    let doc = parse(&snap);
    header(&doc, "snapshot", Some("snapshot_taken"));
    assert_eq!(doc["enabled"], instrack::ENABLED);
    assert!(doc["taken_unix_secs"].as_f64().is_some_and(|t| t > 1.6e9), "wall clock: {doc}");
    let types = doc["types"].as_array().unwrap();
    let instances = doc["instances"].as_array().unwrap();
    assert_eq!(types.len(), snap.types().count());
    assert_eq!(instances.len(), snap.instances().count());
    assert!(doc["unmatched"].as_array().unwrap().is_empty());
    for (t, json) in snap.types().zip(types) {
        assert_eq!(json["type"], t.name());
        assert_eq!(json["live"], t.counts().live);
        assert_eq!(json["total"], t.counts().total);
        assert_eq!(json["peak"], t.counts().peak);
        assert_eq!(json["estimated_bytes"].as_u64(), t.estimated_bytes());
        assert!(json.get("schema").is_none(), "nested values carry no header");
    }
    for (i, json) in snap.instances().zip(instances) {
        assert_eq!(json["id"], i.id());
        assert_eq!(json["type"], i.type_name());
        assert_eq!(json["module"], i.module_path());
        assert_eq!(json["file"], i.file());
        assert_eq!(json["line"], i.line());
        assert_eq!(json["thread"], i.thread());
        assert_close(&json["age_secs"], i.age().as_secs_f64());
        assert_eq!(json["debug"].as_str(), i.debug());
    }
    if instrack::ENABLED {
        assert_eq!(instances.len(), 2);
        let shared = instances.iter().find(|i| i["type"].as_str().unwrap().ends_with("JsonShared")).unwrap();
        assert_eq!(shared["debug"], "JsonShared(7)");
        let conn = instances.iter().find(|i| i["type"].as_str().unwrap().ends_with("JsonConn")).unwrap();
        assert!(conn["debug"].is_null());
        // Both kinds have a size: a shared value's, and a `Tracked` field's owner's.
        let conn_type = types.iter().find(|t| t["type"].as_str().unwrap().ends_with("JsonConn")).unwrap();
        assert_eq!(conn_type["estimated_bytes"], std::mem::size_of::<JsonConn>());
        let shared_type = types.iter().find(|t| t["type"].as_str().unwrap().ends_with("JsonShared")).unwrap();
        assert_eq!(shared_type["estimated_bytes"], std::mem::size_of::<JsonShared>());
        assert_eq!(conn["file"], "tests/it/json.rs");

        // Each part on its own is a document too.
        let instance = snap.instances().next().unwrap();
        let doc = parse(instance);
        header(&doc, "instance", Some("snapshot_taken"));
        assert_eq!(doc["id"], instance.id());
        let type_counts = snap.types().next().unwrap();
        let doc = parse(type_counts);
        header(&doc, "type_counts", None);
        assert_eq!(doc["type"], type_counts.name());
    } else {
        assert!(instances.is_empty());
    }
    let counts = instrack::counts::<JsonConn>();
    let doc = parse(&counts);
    header(&doc, "counts", None);
    assert_eq!((doc["live"].as_u64(), doc["total"].as_u64()), (Some(counts.live as u64), Some(counts.total)));
}

#[derive(Debug)]
struct JsonPage {
    _t: Tracked<Self>,
}

#[test]
fn a_diff_round_trips() {
    let before = instrack::snapshot();
    let kept: Vec<JsonPage> = (0..3).map(|_| JsonPage { _t: track!() }).collect();
    drop(JsonPage { _t: track!() });
    let diff = instrack::snapshot().diff(&before);
    let doc = parse(&diff);
    header(&doc, "diff", Some("later_snapshot_taken"));
    assert_close(&doc["interval_secs"], diff.interval().as_secs_f64());
    assert_eq!(doc["types"].as_array().unwrap().len(), diff.types().count());
    assert_eq!(doc["new_instances"].as_array().unwrap().len(), diff.new_instances().count());
    if !instrack::ENABLED {
        assert!(doc["types"].as_array().unwrap().is_empty());
        return;
    }
    let page =
        doc["types"].as_array().unwrap().iter().find(|t| t["type"].as_str().unwrap().ends_with("JsonPage")).unwrap();
    assert_eq!((page["created"].as_u64(), page["dropped"].as_u64()), (Some(4), Some(1)));
    assert_eq!((page["net"].as_i64(), page["live"].as_u64()), (Some(3), Some(3)));
    let ids: Vec<u64> = doc["new_instances"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["type"].as_str().unwrap().ends_with("JsonPage"))
        .map(|i| i["id"].as_u64().unwrap())
        .collect();
    let expected: Vec<u64> =
        diff.new_instances().filter(|i| i.type_name().ends_with("JsonPage")).map(|i| i.id()).collect();
    assert_eq!(ids, expected);
    assert_eq!(ids.len(), kept.len());
    let type_diff = diff.types().find(|t| t.name.ends_with("JsonPage")).unwrap();
    header(&parse(type_diff), "type_diff", None);
}

ring_node!(JsonNode);

#[test]
fn cycles_and_retention_round_trip() {
    let (a, b) = JsonNode::pair("a", "b");
    let id = instrack::snapshot().narrow("JsonNode").instances().next().map(|i| i.id());
    drop((a, b));
    let cycles: Vec<_> = instrack::find_cycles()
        .into_iter()
        .filter(|c| c.members().iter().all(|m| m.instance().type_name().ends_with("JsonNode")))
        .collect();
    if !instrack::ENABLED {
        assert!(cycles.is_empty() && id.is_none());
        return;
    }
    assert_eq!(cycles.len(), 1);
    let doc = parse(&cycles[0]);
    header(&doc, "cycle", Some("analysis"));
    let members = doc["members"].as_array().unwrap();
    assert_eq!(members.len(), 2);
    for (m, json) in cycles[0].members().iter().zip(members) {
        assert_eq!(json["instance"]["id"], m.instance().id());
        assert_eq!(json["strong_count"], m.strong_count());
        assert_eq!(json["outside_owners"], 0);
        assert!(json["note"].is_null());
    }
    let edges: Vec<(u64, u64)> = serde_json::from_value(doc["edges"].clone()).unwrap();
    assert_eq!(edges, cycles[0].edges());
    assert!(doc["kept_alive"].as_array().unwrap().is_empty());
    header(&parse(&cycles[0].members()[0]), "ref_node", Some("analysis"));

    let why = why_alive(id.unwrap()).unwrap();
    let doc = parse(&why);
    header(&doc, "retention", Some("analysis"));
    assert_eq!(doc["leaked"], true);
    assert_eq!(doc["chain"].as_array().unwrap().len(), why.chain().len());
}

#[test]
fn a_timeline_with_its_suspects_and_growth_round_trips() {
    let mut timeline = Timeline::default();
    for s in 0..600u64 {
        timeline.record(Duration::from_secs(s), [("Leaky", (s / 6) as usize, s), ("Flat", 4, s)]);
    }
    let doc = parse(&timeline);
    header(&doc, "timeline", Some("sampler_started"));
    assert!(doc["started_unix_secs"].is_null(), "filled by hand: no wall-clock origin");
    assert_eq!(doc["span_secs"], 599.0);
    assert_eq!(doc["samples"], 600);
    let series = doc["series"].as_array().unwrap();
    assert_eq!(series.len(), 2);
    for (s, json) in timeline.series().iter().zip(series) {
        assert_eq!(json["type"], s.type_name());
        let points = json["points"].as_array().unwrap();
        assert_eq!(points.len(), s.points().len());
        for (p, json) in s.points().iter().zip(points) {
            assert_close(&json["at_secs"], p.at().as_secs_f64());
            assert_eq!(
                (&json["live"], &json["live_min"], &json["live_max"], &json["total"]),
                (
                    &Value::from(p.live()),
                    &Value::from(p.live_min()),
                    &Value::from(p.live_max()),
                    &Value::from(p.total())
                )
            );
        }
    }
    let suspects = doc["suspects"].as_array().unwrap();
    assert_eq!(suspects.len(), 1);
    let leak = &timeline.suspects()[0];
    assert_eq!(suspects[0]["type"], "Leaky");
    assert_close(&suspects[0]["per_minute"], leak.per_minute());
    assert_close(&suspects[0]["since_secs"], leak.since().as_secs_f64());
    assert_eq!(suspects[0]["first_floor"], leak.floors().0);
    assert_eq!(suspects[0]["last_floor"], leak.floors().1);
    assert_eq!(suspects[0]["reason"], leak.reason());
    header(&parse(leak), "suspect", Some("sampler_started"));
    header(&parse(&timeline.series()[0]), "series", Some("sampler_started"));
    header(&parse(&timeline.series()[0].points()[0]), "point", Some("sampler_started"));

    let growth = timeline.growth();
    let doc = parse(&growth);
    header(&doc, "growth", None);
    let entries = doc["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(
        (&entries[0]["type"], &entries[0]["live"], &entries[0]["change"]),
        (&Value::from("Leaky"), &Value::from(99), &Value::from(99))
    );
    header(&parse(&growth.entries()[0]), "growth_entry", None);
}

#[test]
fn a_sampled_timeline_names_its_wall_clock_origin() {
    let sampler = instrack::Sampler::start(Duration::from_secs(3600));
    // The first sample is taken at once; the origin is set before it.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while instrack::ENABLED && sampler.timeline().samples() == 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    let doc = parse(&sampler.timeline());
    assert_eq!(doc["enabled"], instrack::ENABLED);
    if instrack::ENABLED {
        assert!(doc["started_unix_secs"].as_f64().is_some_and(|t| t > 1.6e9), "{doc}");
    } else {
        assert!(doc["started_unix_secs"].is_null() && doc["series"].as_array().unwrap().is_empty());
    }
}

ring_node!(JsonSession);

struct JsonOpaque;

#[test]
fn cycles_carry_their_groups_paths_and_untraced_types() {
    for _ in 0..3 {
        JsonSession::looped("s");
    }
    let opaque = Arc::new(JsonOpaque);
    track!(&opaque);
    let cycles = instrack::find_cycles();
    let doc = parse(&cycles);
    header(&doc, "cycles", Some("analysis"));
    assert_eq!(doc["enabled"], instrack::ENABLED);
    assert_eq!(doc["cycles"].as_array().unwrap().len(), cycles.len());
    assert_eq!(doc["groups"].as_array().unwrap().len(), cycles.groups().len());
    let untraced: Vec<&str> = doc["untraced"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(untraced, cycles.untraced());
    if !instrack::ENABLED {
        assert!(doc["cycles"].as_array().unwrap().is_empty());
        return;
    }
    assert!(untraced.contains(&"it::json::JsonOpaque"));
    let group = doc["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["example"]["members"][0]["instance"]["type"] == "it::json::JsonSession")
        .expect("the sessions' group");
    assert_eq!(group["count"], 3);
    assert_eq!(group["instances"], 3);
    assert_eq!(group["example"]["edge_paths"], serde_json::json!([".next"]));
    let id = group["example"]["members"][0]["instance"]["id"].as_u64().unwrap();
    assert_eq!(group["example"]["walk"], format!("JsonSession #{id} .next → JsonSession #{id}"));
    header(&parse(&cycles.groups()[0]), "cycle_group", Some("analysis"));
    let why = parse(&why_alive(id).unwrap());
    assert_eq!(why["paths"], serde_json::json!([".next"]));
}
