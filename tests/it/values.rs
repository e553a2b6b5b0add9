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
    let shown: Vec<Option<String>> = snap.instances().map(|i| i.debug().map(str::to_owned)).collect();
    window.children.borrow_mut().clear(); // break the cycle: this test leaks nothing
    if !instrack::ENABLED {
        return;
    }
    let shown: Vec<&str> = shown.iter().map(|d| d.as_deref().unwrap()).collect();
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

#[test]
fn snapshots_format_only_the_values_printed_or_asked_for_and_keep_none_alive() {
    use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
    static FORMATTED: AtomicUsize = AtomicUsize::new(0);
    struct Counted(usize);
    impl std::fmt::Debug for Counted {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            FORMATTED.fetch_add(1, Relaxed);
            write!(f, "Counted({})", self.0)
        }
    }
    let values: Vec<Arc<Counted>> = (0..100).map(|i| Arc::new(Counted(i))).collect();
    for v in &values {
        track!(v);
    }
    let snap = instrack::snapshot();
    let narrowed = snap.narrow("Counted");
    let diff = instrack::snapshot().diff(&snap).to_string();
    assert_eq!(FORMATTED.load(Relaxed), 0, "snapshots and diffs format nothing: {diff}");
    let text = report("Counted");
    if !instrack::ENABLED {
        return;
    }
    assert_eq!(FORMATTED.load(Relaxed), 20, "the report prints 20 of 100");
    assert!(text.contains("… and 80 more"), "{text}");
    let third = narrowed.instances().nth(2).unwrap();
    assert_eq!(third.debug(), Some("Counted(2)"));
    assert_eq!(third.debug(), Some("Counted(2)"), "formatted once, then kept");
    assert_eq!(FORMATTED.load(Relaxed), 21);
    // The snapshot holds no value: dropping the values frees them, and a
    // value gone before it was asked about has no text.
    let watch = instrack::expect_dropped(&values[5]);
    drop(values);
    watch.assert_dropped();
    assert_eq!(narrowed.instances().nth(5).unwrap().debug(), None);
    assert_eq!(FORMATTED.load(Relaxed), 21);
}

#[test]
fn an_rc_is_formatted_on_its_own_thread_only_and_snapshots_stay_send() {
    fn is_send<T: Send>(_: &T) {}
    #[derive(Debug)]
    struct LocalThing(#[allow(dead_code)] u8);
    let local = Rc::new(LocalThing(9));
    track!(&local);
    let snap = instrack::snapshot().narrow("LocalThing");
    is_send(&snap);
    let elsewhere =
        std::thread::spawn(move || snap.instances().map(|i| i.debug().map(str::to_owned)).collect::<Vec<_>>())
            .join()
            .unwrap();
    let here: Vec<Option<String>> =
        instrack::snapshot().narrow("LocalThing").instances().map(|i| i.debug().map(str::to_owned)).collect();
    if !instrack::ENABLED {
        return;
    }
    assert_eq!(elsewhere, [None]);
    assert_eq!(here, [Some("LocalThing(9)".to_owned())]);
    drop(local);
}

#[test]
fn the_report_estimates_the_bytes_each_type_holds() {
    #[derive(Debug)]
    struct HeldPage(#[allow(dead_code)] [u8; 4096]);
    struct Token {
        _t: instrack::Tracked<Self>,
    }
    let pages: Vec<Arc<HeldPage>> = (0..3).map(|_| Arc::new(HeldPage([0; 4096]))).collect();
    for p in &pages {
        track!(p);
    }
    let _token = Token { _t: track!() };
    let snap = instrack::snapshot().narrow("HeldPage values::*::Token");
    let text = snap.to_string();
    if !instrack::ENABLED {
        return;
    }
    let bytes = |suffix: &str| snap.types().find(|t| t.name().ends_with(suffix)).unwrap().estimated_bytes();
    assert_eq!(bytes("::HeldPage"), Some(3 * 4096));
    assert_eq!(bytes("::Token"), Some(std::mem::size_of::<Token>() as u64), "track!() records the owner's size");
    assert!(text.contains("::HeldPage: 3 live, 3 total, 3 peak, ~12.0 KiB held\n"), "{text}");
    assert!(text.contains("::Token: 1 live, 1 total, 1 peak, ~8 B held\n"), "{text}");
    drop(pages);
    let after = instrack::snapshot().narrow("HeldPage");
    assert_eq!(after.types().next().unwrap().estimated_bytes(), Some(0));
}

/// Issue 18, point 4: a type tracked by a field has a size, known where
/// `track!()` is written, so the report can rank it by memory.
#[test]
fn a_tracked_field_gives_its_owner_a_size() {
    struct CachedPage {
        _body: [u8; 1000],
        _t: instrack::Tracked<Self>,
    }
    #[derive(Default)]
    struct Defaulted {
        _body: [u64; 4],
        _t: instrack::Tracked<Self>,
    }
    struct OnlyNew {
        _body: [u8; 64],
        _t: instrack::Tracked<Self>,
    }
    struct Erased {
        _t: instrack::Tracked<dyn std::any::Any>,
    }
    let pages: Vec<CachedPage> = (0..5).map(|_| CachedPage { _body: [0; 1000], _t: track!() }).collect();
    let defaulted = Defaulted::default();
    let only_new = OnlyNew { _body: [0; 64], _t: instrack::Tracked::new() };
    let erased = Erased { _t: track!() };
    let snap = instrack::snapshot().narrow("values::*::CachedPage values::*::Defaulted values::*::OnlyNew");
    let bytes = |suffix: &str| snap.types().find(|t| t.name().ends_with(suffix)).and_then(|t| t.estimated_bytes());
    if !instrack::ENABLED {
        assert_eq!(snap.types().count(), 0);
        assert_eq!(bytes("::CachedPage"), None);
        return;
    }
    let size = std::mem::size_of::<CachedPage>() as u64;
    assert!(size >= 1000);
    assert_eq!(bytes("::CachedPage"), Some(5 * size), "at least live × size_of::<T>()");
    assert_eq!(bytes("::Defaulted"), Some(std::mem::size_of::<Defaulted>() as u64), "Default records it too");
    assert_eq!(bytes("::OnlyNew"), None, "Tracked::new() records no size");
    let text = snap.to_string();
    if cfg!(target_pointer_width = "64") {
        // 5 × (1000 + an 8-byte token) = 5040 B.
        assert!(text.contains("::CachedPage: 5 live, 5 total, 5 peak, ~4.9 KiB held\n"), "{text}");
    }
    // An unsized `T` has no size to record.
    let erased_bytes =
        instrack::snapshot().types().find(|t| t.name() == "dyn core::any::Any").map(|t| t.estimated_bytes());
    assert_eq!(erased_bytes, Some(None));
    drop((pages, defaulted, only_new, erased));
    let after = instrack::snapshot().narrow("values::*::CachedPage");
    assert_eq!(after.types().next().unwrap().estimated_bytes(), Some(0));
}

#[test]
fn the_report_gives_the_peak_of_shared_values() {
    #[derive(Debug)]
    struct PeakRc;
    let r = Rc::new(PeakRc);
    track!(&r);
    drop(r);
    let text = report("PeakRc");
    if !instrack::ENABLED {
        return;
    }
    assert!(text.contains("::PeakRc: 0 live, 1 total, 1 peak\n"), "{text}");
}
