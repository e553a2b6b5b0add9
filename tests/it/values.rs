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
