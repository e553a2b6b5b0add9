//! JSON read back (feature `serde`): `Snapshot::from_json` and
//! `Timeline::from_json` give values that write the same JSON and answer the
//! same queries, refuse newer schemas and garbage with a clear error, and
//! never panic, whatever the text. Each test uses types of its own.

use instrack::{track, JsonError, Snapshot, Timeline, Tracked, SCHEMA_VERSION};
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone)]
struct ReadConn {
    _t: Tracked<Self>,
}

#[derive(Debug)]
#[allow(dead_code)] // read through Debug
struct ReadShared {
    name: &'static str,
    bytes: [u8; 40],
}

#[test]
fn a_snapshot_read_back_writes_the_same_json_and_answers_the_same_queries() {
    let original = ReadConn { _t: track!() };
    let _copy = original.clone();
    let shared = Arc::new(ReadShared { name: "cache \"main\"\n", bytes: [0; 40] });
    track!(&shared);
    let snap = instrack::snapshot().narrow("ReadConn ReadShared NoSuchReadType");
    let text = instrack::to_json(&snap);
    let back = Snapshot::from_json(&text).unwrap();
    assert_eq!(instrack::to_json(&back), text, "write → read → write");
    assert_eq!(back.to_string(), snap.to_string(), "the report text");
    assert_eq!(back.by_site().to_string(), snap.by_site().to_string());
    assert_eq!(back.narrow("ReadShared").to_string(), snap.narrow("ReadShared").to_string());
    assert_eq!(back.counts("ReadConn"), snap.counts("ReadConn"));
    assert_eq!(back.unmatched(), snap.unmatched());
    if !instrack::ENABLED {
        return;
    }
    assert_eq!(back.unmatched(), ["NoSuchReadType"]);
    assert_eq!(back.counts("ReadConn").live, 2);
    let debug: Vec<Option<&str>> = back.instances().map(|i| i.debug()).collect();
    assert!(debug.contains(&Some(r#"ReadShared { name: "cache \"main\"\n", bytes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] }"#)), "{debug:?}");
    let shared_type = back.types().find(|t| t.name().ends_with("ReadShared")).unwrap();
    assert_eq!(shared_type.estimated_bytes(), Some(std::mem::size_of::<ReadShared>() as u64));
    assert!(back.instances().any(|i| i.clone_of() == original._t.id()), "clones stay marked");
    assert!(back.to_string().contains("clone of #"));
    for (a, b) in back.instances().zip(snap.instances()) {
        assert_eq!(
            (a.id(), a.type_name(), a.file(), a.line(), a.thread()),
            (b.id(), b.type_name(), b.file(), b.line(), b.thread())
        );
        assert_eq!((a.module_path(), a.age()), (b.module_path(), b.age()));
    }
}

#[derive(Debug)]
struct ReadPage {
    _t: Tracked<Self>,
}

/// The sampled type of the timeline test: its own, so that the diff test
/// running beside it never counts these as new `ReadPage`s.
#[derive(Debug)]
struct SampledPage {
    _t: Tracked<Self>,
}

#[test]
fn a_diff_of_two_files_is_the_live_diff() {
    // The interval prints in whole ms: retake until it is not within 0.1 ms of
    // a boundary, where the wall clocks the files carry could round it the
    // other way.
    let mut kept = Vec::new();
    let (before, after) = loop {
        let before = instrack::snapshot().narrow("ReadPage");
        kept.push(ReadPage { _t: track!() });
        drop(ReadPage { _t: track!() });
        std::thread::sleep(Duration::from_millis(2));
        let after = instrack::snapshot().narrow("ReadPage");
        let fraction = after.taken().duration_since(before.taken()).subsec_micros() % 1000;
        if (100..900).contains(&fraction) {
            break (before, after);
        }
    };
    let live = after.diff(&before);
    let (old, new) = (instrack::to_json(&before), instrack::to_json(&after));
    let (old, new) = (Snapshot::from_json(&old).unwrap(), Snapshot::from_json(&new).unwrap());
    let read = new.diff(&old);
    assert_eq!(read.to_string(), live.to_string());
    assert_eq!(
        instrack::to_json(&read),
        instrack::to_json(&live)
            .replace(&format!("{}", live.interval().as_secs_f64()), &format!("{}", read.interval().as_secs_f64()))
    );
    assert_eq!(old.diff(&new).to_string(), before.diff(&after).to_string(), "swapped, and said so");
    if instrack::ENABLED {
        assert_eq!(read.new_instances().count(), 1);
        let t = read.types().next().unwrap();
        assert_eq!((t.created, t.dropped, t.net), (2, 1, 1));
    }
    drop(kept);
}

#[test]
fn a_timeline_read_back_writes_the_same_json() {
    let mut timeline = Timeline::default();
    for second in 0..2000u64 {
        let at = Duration::from_millis(1000 * second + second % 7);
        let leak = second as usize / 3;
        timeline.record(at, [("app::Leak", leak, leak as u64), ("app::Saw", (second % 50) as usize, second)]);
        if second == 1000 {
            timeline.record(at, [("app::Late<alloc::string::String>", 1, 1)]);
        }
    }
    let text = instrack::to_json(&timeline);
    let back = Timeline::from_json(&text).unwrap();
    assert_eq!(instrack::to_json(&back), text);
    assert_eq!(back.to_string(), timeline.to_string());
    assert_eq!(back.growth().to_string(), timeline.growth().to_string());
    let names = |t: &Timeline| t.suspects().iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(names(&back), names(&timeline));
    assert_eq!(back.suspects()[0].type_name(), "app::Leak");

    // A timeline read back goes on recording, within its bound.
    let mut more = back.clone();
    for second in 2000..4000u64 {
        more.record(Duration::from_secs(second), [("app::Leak", 700, 700)]);
    }
    assert!(more.get("app::Leak").unwrap().points().len() <= 620);

    // And a real sampler's.
    let sampler = instrack::Sampler::start(Duration::from_millis(2));
    let _pages: Vec<SampledPage> = (0..3).map(|_| SampledPage { _t: track!() }).collect();
    std::thread::sleep(Duration::from_millis(20));
    let timeline = sampler.timeline();
    let text = instrack::to_json(&timeline);
    assert_eq!(instrack::to_json(&Timeline::from_json(&text).unwrap()), text);
    let (read, taken) = (Timeline::from_json(&text).unwrap().started(), timeline.started());
    let gap = |a: std::time::SystemTime, b| a.duration_since(b).or_else(|_| b.duration_since(a)).unwrap();
    // (The sampler thread may not have started yet on a busy machine: then neither has a start.)
    assert_eq!(read.is_some(), taken.is_some());
    if let (Some(read), Some(taken)) = (read, taken) {
        assert!(gap(read, taken) < Duration::from_micros(1), "{read:?} {taken:?}");
    }
}

fn error(text: &str) -> JsonError {
    Snapshot::from_json(text).expect_err(text)
}

#[test]
fn newer_versions_other_documents_and_garbage_get_clear_errors() {
    let newer = format!(r#"{{"schema":"instrack.snapshot","version":{},"types":[]}}"#, SCHEMA_VERSION + 1);
    let err = error(&newer);
    assert_eq!(err.newer_version(), Some(u64::from(SCHEMA_VERSION) + 1));
    assert_eq!(
        err.to_string(),
        format!(
            "instrack.snapshot schema version {} is newer than this instrack reads (version {SCHEMA_VERSION}): read it with a newer instrack",
            SCHEMA_VERSION + 1
        )
    );
    let timeline = instrack::to_json(&Timeline::default());
    assert_eq!(error(&timeline).to_string(), "an instrack.timeline document, not an instrack.snapshot");
    assert!(Timeline::from_json(&instrack::to_json(&instrack::snapshot()))
        .unwrap_err()
        .to_string()
        .contains("not an instrack.timeline"));
    assert!(error("").to_string().starts_with("not JSON: EOF while parsing"), "{}", error(""));
    assert!(error("[1, 2]")
        .to_string()
        .contains("expected a JSON object with \"schema\": \"instrack.snapshot\", found an array"));
    assert!(error(r#"{"schema":"other"}"#).to_string().starts_with("not an instrack document"));
    assert_eq!(error(r#"{"schema":"instrack.snapshot"}"#).to_string(), "instrack.snapshot: no \"version\" field");
    let mut doc: serde_json::Value = serde_json::from_str(&instrack::to_json(&instrack::snapshot())).unwrap();
    doc["types"] = serde_json::json!([{"type": "T", "live": "3", "total": 3, "peak": 3}]);
    assert_eq!(
        error(&doc.to_string()).to_string(),
        "instrack.snapshot.types[0].live: expected an integer from 0 to 2^53, found the string \"3\""
    );
    doc["types"] = serde_json::json!([]);
    doc["instances"] = serde_json::json!([{"id": 1, "type": "T", "module": "m", "file": "f", "line": -1}]);
    assert_eq!(
        error(&doc.to_string()).to_string(),
        "instrack.snapshot.instances[0].line: expected an integer from 0 to 2^32 - 1, found the number -1"
    );
    let err: Box<dyn std::error::Error + Send + Sync> = Box::new(error("{"));
    assert!(err.to_string().starts_with("not JSON"));
}

/// A small deterministic generator (xorshift64*), so that the property test
/// needs no crate and fails the same way every time.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Every query a file read back answers, run to see that none panics.
fn exercise(snapshot: &Snapshot, other: &Snapshot) {
    let _ = snapshot.to_string();
    let _ = snapshot.by_site().to_string();
    let _ = snapshot.diff(snapshot).to_string();
    let _ = (snapshot.diff(other).to_string(), other.diff(snapshot).to_string());
    let _ = snapshot.narrow("*").to_string();
    let _ = instrack::to_json(snapshot);
    for t in snapshot.types() {
        let _ = snapshot.counts(t.name());
        let _ = t.estimated_bytes();
    }
    #[cfg(feature = "html")]
    let _ = instrack::html::Page::new(snapshot.clone()).render();
}

#[test]
fn no_text_makes_the_readers_panic() {
    let _c = ReadConn { _t: track!() };
    let shared = Arc::new(ReadShared { name: "fuzz", bytes: [7; 40] });
    track!(&shared);
    let snapshot = instrack::to_json(&instrack::snapshot().narrow("ReadConn ReadShared"));
    let mut timeline = Timeline::default();
    for s in 0..8u64 {
        timeline.record(Duration::from_secs(s), [("Leak<u8>", s as usize, s), ("Flat", 3, 3)]);
    }
    let timeline = instrack::to_json(&timeline);
    let valid = Snapshot::from_json(&snapshot).unwrap();
    let mut read = 0; // edited documents that still read: the queries must bear them
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let pieces = [
        "",
        "0",
        "-1",
        "1e400",
        "18446744073709551616",
        "9007199254740993",
        "null",
        "true",
        "\"\"",
        "\"<\"",
        "[]",
        "{}",
        "\"a<b<c\"",
        "\"::\"",
        "\"*\"",
        "1.5",
        "-0.0",
        "\"\\u0000\"",
        "\"\\ud800\"",
    ];
    for doc in [&snapshot, &timeline] {
        // Every truncation: never a panic, and never read as a document.
        for (cut, _) in doc.char_indices() {
            assert!(Snapshot::from_json(&doc[..cut]).is_err());
            assert!(Timeline::from_json(&doc[..cut]).is_err());
        }
        // Random edits: a value replaced by a hostile one, or bytes changed.
        for _ in 0..1500 {
            let mut text = doc.to_string();
            for _ in 0..1 + rng.below(3) {
                let at = rng.below(text.len());
                if !text.is_char_boundary(at) {
                    continue;
                }
                let end = text[at..].find([',', '}', ']']).map_or(text.len(), |n| at + n);
                if rng.below(2) == 0 {
                    text.replace_range(at..end, pieces[rng.below(pieces.len())]);
                } else {
                    let byte = b" {}[]\":,0123456789eE.-ntfaz"[rng.below(27)] as char;
                    text.replace_range(at..at + text[at..].chars().next().map_or(0, char::len_utf8), &byte.to_string());
                }
            }
            if let Ok(s) = Snapshot::from_json(&text) {
                exercise(&s, &valid);
                read += 1;
            }
            if let Ok(t) = Timeline::from_json(&text) {
                read += 1;
                let _ = (t.to_string(), t.suspects(), t.growth().to_string(), instrack::to_json(&t));
                #[cfg(feature = "html")]
                let _ = instrack::html::Page::new(instrack::snapshot()).timeline(&t).render();
            }
        }
    }
    assert!(read > 100, "only {read} edited documents read back");
    // Arbitrary strings.
    for _ in 0..2000 {
        let len = rng.below(40);
        let text: String = (0..len).map(|_| char::from_u32(rng.below(0x250) as u32).unwrap_or('?')).collect();
        assert!(Snapshot::from_json(&text).is_err());
        assert!(Timeline::from_json(&text).is_err());
    }
}

#[cfg(feature = "html")]
#[test]
fn a_page_of_files_read_back_is_the_page_of_the_live_values() {
    let _conns: Vec<ReadConn> = (0..2).map(|_| ReadConn { _t: track!() }).collect();
    let snap = instrack::snapshot().narrow("ReadConn");
    let mut timeline = Timeline::default();
    for s in 0..20u64 {
        timeline.record(Duration::from_secs(s), [("app::Grows", s as usize, s)]);
    }
    let back = Snapshot::from_json(&instrack::to_json(&snap)).unwrap();
    let back_timeline = Timeline::from_json(&instrack::to_json(&timeline)).unwrap();
    let page = |s: Snapshot, t: &Timeline| instrack::html::Page::new(s).timeline(t).title("read back").render();
    assert_eq!(page(back, &back_timeline), page(snap, &timeline));
}

#[derive(Debug)]
struct ReadTasked {
    _t: Tracked<Self>,
}

/// A file that recorded tasks (written with the feature `tokio`) reads back
/// with them in any build: `Instance::task`, `task 17` in the report and
/// the by-site text; a task of 0 or of another kind is refused.
#[test]
fn tasks_in_a_file_read_back_in_any_build() {
    let _kept = ReadTasked { _t: track!() };
    let snap = instrack::snapshot().narrow("ReadTasked");
    if !instrack::ENABLED {
        return;
    }
    let mut doc: serde_json::Value = serde_json::from_str(&instrack::to_json(&snap)).unwrap();
    let with_task = |doc: &mut serde_json::Value, task: serde_json::Value| {
        doc["instances"][0]["task"] = task;
        Snapshot::from_json(&doc.to_string())
    };
    let back = with_task(&mut doc, 17.into()).unwrap();
    let instance = back.instances().next().unwrap();
    assert_eq!(instance.task().map(|t| t.to_string()), Some("17".to_owned()));
    assert!(back.to_string().contains(&format!("thread {}  task 17  age ", instance.thread())), "{back}");
    assert!(back.by_site().to_string().contains("; task 17)"), "{}", back.by_site());
    let written: serde_json::Value = serde_json::from_str(&instrack::to_json(&back)).unwrap();
    assert_eq!(written, doc, "written back the same");
    let back = with_task(&mut doc, serde_json::Value::Null).unwrap();
    assert_eq!(back.instances().next().unwrap().task(), None);
    assert!(!back.to_string().contains("  task "), "no task, no word");
    let err = with_task(&mut doc, 0.into()).expect_err("task 0");
    assert_eq!(err.to_string(), "instrack.snapshot.instances[0].task: 0 is no task's id");
    let err = with_task(&mut doc, "17".into()).expect_err("a string");
    assert!(err.to_string().starts_with("instrack.snapshot.instances[0].task: expected an integer or null"), "{err}");
}
