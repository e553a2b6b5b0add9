//! Text a program controls stays in its field, in every output: a thread
//! name or a pattern echoed back cannot add a line to a report, an element to
//! the page, a key to the JSON or a node to the DOT, nor carry a raw control
//! character (a terminal escape) out. Names that only source code controls
//! (types, modules, files) go through the same escaping functions, which the
//! crate's unit tests check over arbitrary strings (`src/text.rs`,
//! `src/html/mod.rs`).

use instrack::{track, Tracked};
use proptest::prelude::*;

/// The thread name of issue 16: a newline, a fake report line, and the
/// terminal escape that clears the screen.
const EVIL: &str = "evil\nFAKE::Type: 999 live\x1b[2J";

struct EscapeProbe {
    _t: Tracked<Self>,
}

/// The property test's own type: tests run in parallel, and it compares
/// outputs that count its instances.
struct PropProbe {
    _t: Tracked<Self>,
}

/// What `make` returns, made on a thread named `name`.
fn on_thread<T: Send + 'static>(name: &str, make: fn() -> T) -> T {
    std::thread::Builder::new().name(name.to_owned()).spawn(make).expect("spawn").join().expect("made")
}

fn made_on_thread(name: &str) -> EscapeProbe {
    on_thread(name, || EscapeProbe { _t: track!() })
}

/// Whether `text` carries a character that no line of ours may: a control
/// character other than the line ends we write, or a line separator.
fn has_raw_control(text: &str) -> bool {
    text.chars().any(|c| (c.is_control() && c != '\n') || c == '\u{2028}' || c == '\u{2029}')
}

fn report(pattern: &str) -> String {
    let mut out = Vec::new();
    instrack::report_to(&mut out, pattern).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn a_thread_name_cannot_forge_a_report_line_nor_send_a_terminal_escape() {
    let before = instrack::snapshot().narrow("EscapeProbe");
    let probe = made_on_thread(EVIL);
    let snap = instrack::snapshot().narrow("EscapeProbe");
    let texts = [
        ("report", report("EscapeProbe")),
        ("snapshot", snap.to_string()),
        ("by site", snap.by_site().to_string()),
        ("diff", snap.diff(&before).to_string()),
    ];
    for (what, text) in texts {
        assert!(!text.lines().any(|l| l.trim_start().starts_with("FAKE::")), "{what} has a forged line:\n{text}");
        assert!(!has_raw_control(&text), "{what} carries a raw control character:\n{text:?}");
        if instrack::ENABLED {
            assert!(text.contains(r"evil\nFAKE::Type: 999 live\u{1b}[2J"), "{what} shows the name escaped:\n{text}");
        }
    }
    for i in snap.instances().filter(|i| Some(i.id()) == probe._t.id()) {
        assert_eq!(i.thread(), EVIL, "the accessor gives the name as it is");
        assert!(!has_raw_control(&i.to_string()));
    }
    drop(probe);
}

#[test]
fn a_thread_name_cannot_forge_a_line_in_a_leak_assertion() {
    // The leaked instance is made on the thread that asserts, as the
    // assertion requires; the name is that thread's.
    let (kept, message) = on_thread(EVIL, || {
        let mut kept = Vec::new();
        let message = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            instrack::assert_no_leaks!({ kept.push(EscapeProbe { _t: track!() }) })
        }))
        .err()
        .and_then(|p| p.downcast::<String>().ok().map(|s| *s));
        (kept, message)
    });
    if instrack::ENABLED {
        let message = message.expect("the survivor fails the assertion");
        assert!(!message.lines().any(|l| l.trim_start().starts_with("FAKE::")), "{message}");
        assert!(!has_raw_control(&message), "{message:?}");
        assert!(message.contains(r"evil\nFAKE"), "{message}");
    }
    drop(kept);
}

#[cfg(feature = "html")]
#[test]
fn a_thread_name_reaches_the_page_escaped() {
    let probe = made_on_thread(EVIL);
    let page = instrack::html::Page::new(instrack::snapshot().narrow("EscapeProbe")).render();
    assert!(!has_raw_control(&page.replace(['\n', '\t'], "")), "the page carries a raw control character");
    if instrack::ENABLED {
        assert!(page.contains(r"evil\nFAKE::Type: 999 live\u{1b}[2J"));
    }
    drop(probe);
}

/// The number of `<` in a page: one per element or comment it holds.
#[cfg(feature = "html")]
fn tags(page: &str) -> usize {
    page.matches('<').count()
}

/// Every key of every object in `json`, in document order.
#[cfg(feature = "serde")]
fn keys(json: &serde_json::Value, out: &mut Vec<String>) {
    match json {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                out.push(k.clone());
                keys(v, out);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| keys(v, out)),
        _ => {}
    }
}

/// `text` with `NoSuch_` before each of its names and no `*`: a pattern that
/// selects no type, whatever `text` holds besides.
fn selecting_nothing(text: &str) -> String {
    let mut out = String::new();
    let mut previous_space = true;
    for c in text.chars().filter(|&c| c != '*') {
        if previous_space && !c.is_whitespace() {
            out.push_str("NoSuch_");
        }
        previous_space = c.is_whitespace();
        out.push(c);
    }
    out
}

/// What the page and the JSON make of a snapshot: the page, its number of
/// elements, the JSON's keys and thread names (empty without the features).
#[derive(Default)]
struct Outputs {
    page: String,
    tags: usize,
    keys: Vec<String>,
    threads: Vec<String>,
}

impl Outputs {
    #[allow(unused_variables, unused_mut)] // without the features
    fn of(snap: instrack::Snapshot) -> Outputs {
        let mut out = Outputs::default();
        #[cfg(feature = "serde")]
        {
            let json: serde_json::Value = serde_json::from_str(&instrack::to_json(&snap)).unwrap();
            keys(&json, &mut out.keys);
            let instances = json["instances"].as_array().cloned().unwrap_or_default();
            out.threads = instances.iter().filter_map(|i| Some(i["thread"].as_str()?.to_owned())).collect();
        }
        #[cfg(feature = "html")]
        {
            out.page = instrack::html::Page::new(snap).title("t").render();
            out.tags = tags(&out.page);
        }
        out
    }
}

/// A pattern of `n` names that select nothing, all harmless.
fn harmless(n: usize) -> String {
    (0..n).map(|i| format!("NoSuch_{i}")).collect::<Vec<_>>().join(" ")
}

/// Arbitrary text, with the characters that break out of a field (line
/// breaks, terminal escapes, quotes, markup, braces) far more often than
/// chance would give them.
fn hostile_text() -> impl Strategy<Value = String> {
    let breakers = prop::sample::select(vec![
        '\n', '\r', '\t', '\x1b', '\u{85}', '\u{2028}', '\u{2029}', '"', '\'', '\\', '<', '>', '&', '{', '}', ';', ':',
        '#', '[', ']', ' ',
    ]);
    prop::collection::vec(prop_oneof![any::<char>(), breakers], 0..32).prop_map(|chars| chars.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn no_thread_name_adds_a_line_an_element_or_a_key(name in hostile_text()) {
        prop_assume!(!name.contains('\0')); // a thread name cannot hold one
        let probe = on_thread(&name, || PropProbe { _t: track!() });
        let snap = instrack::snapshot().narrow("PropProbe");
        let text = snap.to_string();
        prop_assert!(!has_raw_control(&text), "{:?}", text);
        let by_site = snap.by_site().to_string();
        prop_assert!(!has_raw_control(&by_site), "{:?}", by_site);
        if instrack::ENABLED {
            // Header, type line, then one line per instance (no backtraces).
            prop_assert_eq!(text.lines().count(), 3, "{}", text);
            prop_assert_eq!(by_site.lines().count(), 2, "{}", by_site);
        }
        let hostile = Outputs::of(snap);
        drop(probe);
        // The same outputs with the name made harmless: as many elements and keys.
        let probe = on_thread("x", || PropProbe { _t: track!() });
        let benign = Outputs::of(instrack::snapshot().narrow("PropProbe"));
        drop(probe);
        prop_assert!(!has_raw_control(&hostile.page.replace(['\n', '\t'], "")));
        prop_assert_eq!(hostile.tags, benign.tags);
        prop_assert_eq!(hostile.keys, benign.keys);
        if instrack::ENABLED && cfg!(feature = "serde") {
            prop_assert_eq!(hostile.threads, vec![name], "the JSON gives the name as it is");
        }
    }

    #[test]
    fn no_pattern_echoed_back_adds_a_line_or_a_node(text in hostile_text()) {
        let pattern = selecting_nothing(&text);
        let names = pattern.split_whitespace().count();
        let report = report(&pattern);
        prop_assert!(!has_raw_control(&report), "{:?}", report);
        if instrack::ENABLED {
            // The header (or the empty pattern's message), then one line per name.
            prop_assert_eq!(report.lines().count(), 1 + names, "{}", report);
        }
        let dot = instrack::graph_dot(&pattern);
        prop_assert!(!has_raw_control(&dot), "{:?}", dot);
        // `digraph "…" {`, one line of defaults or of the message, `}`.
        prop_assert_eq!(dot.lines().count(), 3, "{}", dot);
        prop_assert!(dot.lines().all(|l| !l.trim_start().starts_with('n') || l.trim_start().starts_with("node ")));
        let hostile = Outputs::of(instrack::snapshot().narrow(&pattern));
        let benign = Outputs::of(instrack::snapshot().narrow(&harmless(names)));
        prop_assert!(!has_raw_control(&hostile.page.replace(['\n', '\t'], "")));
        prop_assert_eq!(hostile.tags, benign.tags);
        prop_assert_eq!(hostile.keys, benign.keys);
    }
}
