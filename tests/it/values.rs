//! What reports show of the values of shared instances: values without
//! `Debug`, nested and cyclic `Debug`, text that could break the layout.

use instrack::track;
use std::rc::Rc;
use std::sync::Arc;

fn report(pattern: &str) -> String {
    let mut out = Vec::new();
    instrack::report_to(&mut out, pattern).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn a_value_without_debug_is_tracked_and_reported_without_value_text() {
    // A widget holding a closure cannot derive `Debug`.
    struct Clicker {
        on_click: Box<dyn Fn() -> u32>,
    }
    struct CallbackHolder {
        _callback: Box<dyn Fn() + Send + Sync>,
    }
    let local = Rc::new(Clicker { on_click: Box::new(|| 7) });
    track!(&local);
    let shared = Arc::new(CallbackHolder { _callback: Box::new(|| ()) });
    track!(&shared);
    assert_eq!((local.on_click)(), 7);
    let text = report("Clicker CallbackHolder");
    let snap = instrack::snapshot().narrow("Clicker CallbackHolder");
    if !instrack::ENABLED {
        return;
    }
    assert_eq!(instrack::counts::<Clicker>().live, 1);
    assert_eq!(instrack::counts::<CallbackHolder>().live, 1);
    assert_eq!(instrack::live_rc::<Clicker>().len(), 1);
    assert_eq!(snap.instances().len(), 2, "{text}");
    assert!(snap.instances().all(|i| i.debug().is_none()));
    // Each instance line ends with its age: no value text, no placeholder.
    let instance_lines: Vec<&str> = text.lines().filter(|l| l.starts_with("    #")).collect();
    assert_eq!(instance_lines.len(), 2, "{text}");
    for line in instance_lines {
        let age = line.rsplit("  ").next().unwrap();
        assert!(age.starts_with("age "), "{line}");
    }
}

#[test]
fn a_cyclic_value_reads_as_its_top_level_on_one_short_line() {
    use std::cell::RefCell;
    #[derive(Debug)]
    #[allow(dead_code)]
    struct CyclicWidget {
        name: &'static str,
        parent: RefCell<Option<Rc<CyclicWidget>>>,
        children: RefCell<Vec<Rc<CyclicWidget>>>,
    }
    let window = Rc::new(CyclicWidget { name: "window", parent: RefCell::new(None), children: RefCell::default() });
    track!(&window);
    let ok =
        Rc::new(CyclicWidget { name: "ok", parent: RefCell::new(Some(window.clone())), children: RefCell::default() });
    track!(&ok);
    window.children.borrow_mut().push(ok.clone());
    let text = report("CyclicWidget");
    let snap = instrack::snapshot().narrow("CyclicWidget");
    window.children.borrow_mut().clear(); // break the cycle: this test leaks nothing
    if !instrack::ENABLED {
        return;
    }
    let shown: Vec<&str> = snap.instances().map(|i| i.debug().unwrap()).collect();
    assert_eq!(shown, [r#"CyclicWidget { name: "window", … }"#, r#"CyclicWidget { name: "ok", … }"#]);
    for line in text.lines().filter(|l| l.starts_with("    #")) {
        assert!(line.ends_with(" … }"), "{line}");
    }
}

#[test]
fn multi_line_debug_and_control_characters_cannot_break_the_report_layout() {
    struct Poem;
    impl std::fmt::Debug for Poem {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "{:#?}\n\u{1b}[2J\r", vec!["roses", "violets"]) // pretty-printed, then a terminal escape
        }
    }
    let poem = Arc::new(Poem);
    track!(&poem);
    let text = report("Poem");
    if !instrack::ENABLED {
        return;
    }
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "header, type, one instance line: {text}");
    assert!(lines[2].ends_with(r#"[\n    "roses",\n    "violets",\n]\n\u{1b}[2J\r"#), "{text}");
    assert!(!text.contains('\u{1b}') && !text.contains('\r'));
}

#[test]
fn tracking_the_same_value_twice_counts_it_once() {
    #[derive(Debug)]
    struct TwiceArc;
    #[derive(Debug)]
    struct TwiceRc;
    let a = Arc::new(TwiceArc);
    track!(&a);
    track!(&a);
    let a2 = Arc::clone(&a);
    track!(&a2); // another handle to the same value
    let other = Arc::new(TwiceArc);
    track!(&other);
    let r = Rc::new(TwiceRc);
    track!(&r);
    track!(&r);
    let text = report("TwiceArc TwiceRc");
    if !instrack::ENABLED {
        return;
    }
    let n = instrack::counts::<TwiceArc>();
    assert_eq!((n.live, n.total, n.peak), (2, 2, 2));
    let n = instrack::counts::<TwiceRc>();
    assert_eq!((n.live, n.total, n.peak), (1, 1, 1));
    assert_eq!(instrack::live::<TwiceArc>().len(), 2);
    assert_eq!(instrack::live_rc::<TwiceRc>().len(), 1);
    assert_eq!(text.lines().filter(|l| l.starts_with("    #")).count(), 3, "{text}");
    assert_eq!(instrack::snapshot().counts("TwiceArc").live, 2);
    drop((a, a2));
    assert_eq!(instrack::counts::<TwiceArc>().live, 1);
    // Once dropped, a new value at the same address is a new instance.
    let again = Arc::new(TwiceArc);
    track!(&again);
    assert_eq!(instrack::counts::<TwiceArc>().live, 2);
    drop((other, again, r));
}
