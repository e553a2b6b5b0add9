//! The unit tests of `debug_text.rs`: a child module, so that they read
//! its private `Writer` and constants.

use super::*;

fn text_of<T: fmt::Debug + 'static>(value: &T) -> String {
    fn debug_of<T: fmt::Debug + 'static>(v: &dyn Any, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(v.downcast_ref::<T>().unwrap(), f)
    }
    debug_text(debug_of::<T>, value, INPUT_LIMIT)
}

#[test]
fn short_text_is_shown_whole() {
    assert_eq!(text_of(&Some(vec![1, 2])), "Some([1, 2])");
    assert_eq!(text_of(&("a{", 'b')), r#"("a{", 'b')"#);
}

#[test]
fn long_text_shows_the_top_level_and_elides_nesting() {
    #[derive(Debug)]
    #[allow(dead_code)]
    struct Widget {
        name: &'static str,
        parent: Option<Box<Widget>>,
        children: Vec<Vec<u64>>,
        id: u32,
    }
    let deep = Widget {
        name: "window",
        parent: Some(Box::new(Widget { name: "root", parent: None, children: vec![vec![7; 300]], id: 0 })),
        children: vec![vec![1; 100]],
        id: 3,
    };
    assert_eq!(text_of(&deep), r#"Widget { name: "window", …, id: 3 }"#);
    // Brackets inside strings are text, not nesting.
    let tricky = ("}{ \" ][", vec![0u8; 500]);
    assert_eq!(text_of(&tricky), r#"("}{ \" ][", …)"#);
}

#[test]
fn control_characters_are_escaped_so_the_line_stays_one_line() {
    struct Lines;
    impl fmt::Debug for Lines {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("first\nsecond\r\tthird\u{1b}[31m\u{2028}")
        }
    }
    let text = text_of(&Lines);
    assert_eq!(text, r"first\nsecond\r\tthird\u{1b}[31m\u{2028}");
    let pretty = text_of(&format!("{:#?}", vec![1, 2]));
    assert!(!pretty.contains('\n'), "{pretty}");
}

/// Issue 16, fault 3: the message of a panicking `Debug` is bounded and
/// escaped like any text (it was copied whole: a megabyte on one line).
#[test]
fn a_panic_message_of_a_megabyte_gives_at_most_200_characters() {
    struct Loud;
    impl fmt::Debug for Loud {
        fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
            std::panic::resume_unwind(Box::new(format!("é\n{}", "x".repeat(1 << 20))))
        }
    }
    let text = text_of(&Loud);
    assert_eq!(text.chars().count(), DEBUG_LIMIT, "{text}");
    assert!(text.starts_with("<Debug panicked: é\\nxxx"), "{text}");
    assert!(text.ends_with("x…>"), "{text}");
}

#[test]
fn every_text_has_at_most_200_characters_the_ellipsis_included() {
    struct Failing;
    impl fmt::Debug for Failing {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(&"\"".repeat(150))?;
            Err(fmt::Error)
        }
    }
    let failed = text_of(&Failing);
    assert!(failed.starts_with(r#"<Debug returned an error after "\"\""#), "{failed}");
    assert_eq!(failed.chars().count(), DEBUG_LIMIT, "{failed}");
    let flat = text_of(&"y".repeat(5000));
    assert_eq!(flat.chars().count(), DEBUG_LIMIT, "{flat}");
    assert!(flat.ends_with("yy…"), "{flat}");
    let exact = "z".repeat(DEBUG_LIMIT - 2); // and its two quotes
    assert_eq!(text_of(&exact), format!("{exact:?}"));
}

#[test]
fn a_debug_that_never_ends_is_stopped() {
    struct Forever;
    impl fmt::Debug for Forever {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("Forever { inner: ")?;
            loop {
                f.write_str("[")?;
            }
        }
    }
    let text = text_of(&Forever);
    assert_eq!(text, "Forever { … }");
}

/// A `Debug` that never ends (as a derived one on a cycle) is read to
/// the limit it is given: a graph node's much less than a snapshot's,
/// and the same top level shown.
#[test]
fn a_graph_node_reads_a_debug_that_never_ends_to_its_own_limit() {
    struct Forever(std::cell::Cell<usize>);
    impl fmt::Debug for Forever {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("Forever { id: 7, inner: ")?;
            loop {
                f.write_str("[")?;
                self.0.set(self.0.get() + 1);
            }
        }
    }
    fn debug_of(v: &dyn Any, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(v.downcast_ref::<Forever>().unwrap(), f)
    }
    let read = |limit| {
        let value = Forever(std::cell::Cell::new(0));
        let text = debug_text(debug_of, &value, limit);
        (text, value.0.get())
    };
    let (snapshot, snapshot_read) = read(INPUT_LIMIT);
    let (node, node_read) = read(NODE_INPUT_LIMIT);
    assert_eq!(node, "Forever { id: 7, … }");
    assert_eq!(node, snapshot);
    // Both passes: the first stops at the shown length, the second at the limit.
    assert!(node_read <= DEBUG_LIMIT + NODE_INPUT_LIMIT, "{node_read} characters read");
    assert!(snapshot_read > INPUT_LIMIT / 2, "{snapshot_read} characters read");
}

/// `emit` copies printable ASCII in runs and escapes the rest one
/// character at a time: the same text as escaping every character and
/// keeping the first [`DEBUG_LIMIT`], an escape cut short included,
/// however the input is split into writes.
#[test]
fn emitted_text_is_the_escaped_input_cut_at_the_limit() {
    let inputs = [
        "plain ascii".to_owned(),
        "x".repeat(199) + "\n" + "y",
        "é\t\u{1b}[31m\u{7f}~ ".repeat(40),
        "z".repeat(DEBUG_LIMIT),
        "z".repeat(DEBUG_LIMIT) + "!",
    ];
    for input in &inputs {
        let mut escaped = String::new();
        input.chars().for_each(|c| push_escaped(&mut escaped, c));
        let expected: String = escaped.chars().take(DEBUG_LIMIT).collect();
        for chunk in [1, 3, 7, usize::MAX] {
            let mut w = Writer::new(None);
            let mut rest = input.as_str();
            while !rest.is_empty() {
                let end = rest.char_indices().nth(chunk).map_or(rest.len(), |(i, _)| i);
                if w.write_str(&rest[..end]).is_err() {
                    break;
                }
                rest = &rest[end..];
            }
            assert_eq!(w.out, expected, "{input:?} in writes of {chunk}");
            assert_eq!(w.out_chars, expected.chars().count());
            assert_eq!(w.cut, escaped.chars().count() > DEBUG_LIMIT, "{input:?} in writes of {chunk}");
        }
    }
}
