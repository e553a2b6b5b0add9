//! The report: its text, the pattern language, and what it says when a
//! pattern matches nothing or tracking is compiled out.

use instrack::{track, Tracked};

fn report(pattern: &str) -> String {
    let mut out = Vec::new();
    instrack::report_to(&mut out, pattern).unwrap();
    String::from_utf8(out).unwrap()
}

mod net {
    use super::*;
    pub struct Conn {
        pub _t: Tracked<Self>,
    }
    pub struct Listener {
        pub _t: Tracked<Self>,
    }
}

#[test]
fn a_compiled_out_build_says_so_and_how_to_turn_tracking_on() {
    let text = report("*");
    if instrack::ENABLED {
        assert!(!text.contains("compiled out"), "{text}");
    } else {
        assert!(text.contains("compiled out"), "{text}");
        assert!(text.contains("--features instrack/tracking"), "{text}");
        // A debug build whose root manifest turned instrack's debug
        // assertions off gets here too: "build in debug" would be wrong.
        assert!(!text.to_lowercase().contains("build in debug"), "{text}");
        assert!(text.contains("[profile.dev.package.instrack] debug-assertions = true"), "{text}");
        // Every query says the same, and finds nothing.
        assert_eq!(instrack::snapshot().to_string(), text);
        assert_eq!(instrack::snapshot().narrow("*").to_string(), text);
        let earlier = instrack::snapshot();
        assert_eq!(instrack::snapshot().diff(&earlier).to_string(), text);
        assert!(instrack::find_cycles().is_empty());
        assert!(instrack::why_alive(1).is_none());
        assert!(instrack::graph_dot("*").contains("compiled out"));
    }
}

#[test]
fn each_instance_line_gives_id_site_thread_and_age_oldest_first() {
    struct Order {
        _t: Tracked<Self>,
    }
    let first = Order { _t: track!() };
    let line = line!() - 1;
    let second = Order { _t: track!() };
    let text = report("Order");
    if !instrack::ENABLED {
        return;
    }
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("instrack: 2 live instances of 1 tracked type matching \"Order\""), "{text}");
    assert!(
        lines[1].ends_with(
            "it::report::each_instance_line_gives_id_site_thread_and_age_oldest_first::Order: 2 live, 2 total, 2 peak, ~16 B held"
        ),
        "{text}"
    );
    let id1 = first._t.id().unwrap();
    let id2 = second._t.id().unwrap();
    assert!(lines[2].starts_with(&format!("    #{id1}  tests/it/report.rs:{line}  thread ")), "{text}");
    assert!(lines[2].contains("  age "), "{text}");
    assert!(lines[3].starts_with(&format!("    #{id2}  tests/it/report.rs:{}  thread ", line + 2)), "{text}");
    let snap = instrack::snapshot().narrow("Order");
    let i = snap.instances().next().unwrap();
    assert_eq!((i.id(), i.file(), i.line()), (id1, "tests/it/report.rs", line));
    assert_eq!(i.module_path(), "it::report");
    assert!(i.type_name().ends_with("::Order"));
    assert!(i.age() >= snap.instances().nth(1).unwrap().age());
}

#[test]
fn long_lists_are_capped_and_types_sorted_by_live_count() {
    struct Few {
        _t: Tracked<Self>,
    }
    struct Many {
        _t: Tracked<Self>,
    }
    let _few: Vec<Few> = (0..2).map(|_| Few { _t: track!() }).collect();
    let _many: Vec<Many> = (0..25).map(|_| Many { _t: track!() }).collect();
    let text = report("Few Many");
    if !instrack::ENABLED {
        return;
    }
    let many_at = text.find("::Many: 25 live").expect(&text);
    let few_at = text.find("::Few: 2 live").expect(&text);
    assert!(many_at < few_at, "{text}");
    assert_eq!(text.matches("tests/it/report.rs").count(), 20 + 2, "{text}");
    assert!(text.contains("    … and 5 more\n"), "{text}");
}

#[test]
fn names_select_by_full_path_last_segment_generics_or_glob() {
    #[allow(dead_code)]
    struct Gen<T>(T, Tracked<Self>);
    let _c = net::Conn { _t: track!() };
    let _l = net::Listener { _t: track!() };
    let _g = Gen(1u32, track!());
    if !instrack::ENABLED {
        return;
    }
    let snap = instrack::snapshot();
    let selected = |pattern: &str| -> Vec<String> {
        let mut names: Vec<String> =
            snap.narrow(pattern).types().map(|t| t.name().rsplit("::").next().unwrap().to_owned()).collect();
        names.sort();
        names
    };
    assert_eq!(selected("Conn"), ["Conn"]);
    assert_eq!(selected("it::report::net::Conn"), ["Conn"]);
    assert_eq!(selected("it::report::net::*"), ["Conn", "Listener"]);
    assert_eq!(selected("Gen"), ["Gen<u32>"]);
    assert_eq!(selected("Gen<u32>"), ["Gen<u32>"]);
    assert_eq!(selected("Gen<u64>"), Vec::<String>::new());
    assert_eq!(selected("Conn  Listener"), ["Conn", "Listener"]);
    assert!(selected("*").len() >= 3);
}

#[test]
fn a_name_that_matches_nothing_is_named_in_the_report() {
    struct Present {
        _t: Tracked<Self>,
    }
    let _p = Present { _t: track!() };
    let text = report("Present Absent Nope::*");
    let snap = instrack::snapshot().narrow("Present Absent Nope::*");
    if instrack::ENABLED {
        assert!(text.contains("::Present: 1 live"), "{text}");
        assert!(text.contains("no tracked type matches \"Absent\"\n"), "{text}");
        assert!(text.contains("no tracked type matches \"Nope::*\"\n"), "{text}");
        assert_eq!(snap.unmatched(), ["Absent", "Nope::*"]);
    } else {
        assert!(snap.unmatched().is_empty());
    }
}

#[test]
fn an_empty_pattern_says_what_to_write_everywhere_a_pattern_is_taken() {
    struct Anything {
        _t: Tracked<Self>,
    }
    let _a = Anything { _t: track!() };
    let what_to_write = "write \"*\" for every type";
    // The report and a narrowed snapshot print the message.
    for text in [report(" "), instrack::snapshot().narrow("").to_string()] {
        if instrack::ENABLED {
            assert!(text.starts_with("instrack: empty type pattern"), "{text}");
            assert!(text.contains(what_to_write), "{text}");
        }
    }
    // A diff from a snapshot narrowed by it prints it too.
    let before = instrack::snapshot().narrow("");
    let diff = instrack::snapshot().diff(&before).to_string();
    if instrack::ENABLED {
        assert!(diff.contains(what_to_write), "{diff}");
    }
    // The graph carries it as its label, where a DOT viewer shows it.
    let dot = instrack::graph_dot("\t");
    assert!(dot.starts_with("digraph"), "{dot}");
    if instrack::ENABLED {
        assert!(dot.contains("empty type pattern"), "{dot}");
        assert!(dot.contains("write \\\"*\\\" for every type"), "{dot}");
    } else {
        assert!(dot.contains("compiled out"), "{dot}");
    }
    // `Snapshot::counts` has no text to carry it: zero, and the message goes
    // to stderr (not capturable here; its text is the function above).
    assert_eq!(instrack::snapshot().counts(""), instrack::Counts::default());
}

mod shop {
    pub mod net {
        #[allow(dead_code)]
        pub struct Holder<T>(pub T, pub instrack::Tracked<Self>);
    }
}

#[test]
fn generic_names_match_and_show_as_written_in_source() {
    let _g = shop::net::Holder(vec![1u8], track!());
    let _s = shop::net::Holder(String::new(), track!());
    if !instrack::ENABLED {
        return;
    }
    let snap = instrack::snapshot();
    let full = "it::report::shop::net::Holder<alloc::vec::Vec<u8>>";
    assert!(snap.types().any(|t| t.name() == full), "type_name spelling kept for programs");
    for pattern in [
        "Holder<Vec<u8>>",
        "net::Holder<Vec<u8>>",
        "shop::net::Holder<Vec<u8>>",
        "Holder<alloc::vec::Vec<u8>>",
        "it::report::shop::net::Holder<alloc::vec::Vec<u8>>",
    ] {
        let narrowed = snap.narrow(pattern);
        let names: Vec<&str> = narrowed.types().map(|t| t.name()).collect();
        assert_eq!(names, [full], "{pattern}");
        assert_eq!(snap.counts(pattern).live, 1, "{pattern}");
    }
    assert_eq!(snap.narrow("net::Holder").types().count(), 2);
    assert_eq!(snap.narrow("eport::shop::net::Holder").types().count(), 0, "only whole path segments");
    let text = report("Holder<Vec<u8>>");
    assert!(text.contains("\nit::report::shop::net::Holder<Vec<u8>>: 1 live, 1 total, 1 peak, ~32 B held\n"), "{text}");
    assert!(!text.contains("alloc::"), "{text}");
    let text = report("net::Holder<String>");
    assert!(text.contains("\nit::report::shop::net::Holder<String>: 1 live"), "{text}");
}

#[test]
fn a_report_by_site_gives_one_line_per_site_and_type_largest_first() {
    struct Tile {
        _t: Tracked<Self>,
    }
    let mut tiles: Vec<Tile> = (0..5).map(|_| Tile { _t: track!() }).collect();
    let many = line!() - 1;
    tiles.push(Tile { _t: track!() });
    let one = line!() - 1;
    let by_site = instrack::snapshot().narrow("Tile Nothing").by_site();
    let text = by_site.to_string();
    if !instrack::ENABLED {
        assert!(text.contains("compiled out"), "{text}");
        assert_eq!(by_site.groups().count(), 0);
        return;
    }
    let groups: Vec<_> = by_site.groups().collect();
    assert_eq!(groups.len(), 2, "{text}");
    assert_eq!((groups[0].file(), groups[0].line(), groups[0].count()), ("tests/it/report.rs", many, 5));
    assert_eq!((groups[1].line(), groups[1].count()), (one, 1));
    let ids: Vec<u64> = tiles.iter().map(|t| t._t.id().unwrap()).collect();
    assert_eq!(groups[0].ids(), &ids[..5]);
    assert!(groups[0].type_name().ends_with("::Tile"));
    let thread = std::thread::current().name().unwrap().to_owned();
    assert_eq!(groups[0].threads().collect::<Vec<_>>(), [thread.as_str()]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "instrack: 6 live instances made at 2 sites matching \"Tile Nothing\"", "{text}");
    let type_name = groups[0].type_name();
    assert_eq!(
        lines[1],
        format!(
            "    tests/it/report.rs:{many}  {type_name}  ×5  #{} #{} #{} …  (thread {thread})",
            ids[0], ids[1], ids[2]
        )
    );
    assert_eq!(lines[2], format!("    tests/it/report.rs:{one}  {type_name}  ×1  #{}  (thread {thread})", ids[5]));
    assert_eq!(lines[3], "no tracked type matches \"Nothing\"");
    assert_eq!(lines.len(), 4, "{text}");
}

#[test]
fn a_clone_is_marked_with_the_id_of_its_original() {
    #[derive(Clone)]
    struct Draft {
        _t: Tracked<Self>,
    }
    let original = Draft { _t: track!() };
    let line = line!() - 1;
    let copy = original.clone();
    let copy_of_copy = copy.clone();
    let text = report("Draft");
    let snap = instrack::snapshot().narrow("Draft");
    if !instrack::ENABLED {
        return;
    }
    let id = |d: &Draft| d._t.id().unwrap();
    let marks: Vec<(u64, Option<u64>, u32)> = snap.instances().map(|i| (i.id(), i.clone_of(), i.line())).collect();
    assert_eq!(
        marks,
        [
            (id(&original), None, line),
            (id(&copy), Some(id(&original)), line),
            (id(&copy_of_copy), Some(id(&copy)), line)
        ]
    );
    assert!(text.contains(&format!("  clone of #{}\n", id(&original))), "{text}");
    assert!(text.contains(&format!("  clone of #{}\n", id(&copy))), "{text}");
    let first = snap.instances().next().unwrap().to_string();
    assert!(!first.contains("clone of"), "{first}");
    assert!(snap.instances().nth(1).unwrap().to_string().ends_with(&format!("  clone of #{}", id(&original))));
}
