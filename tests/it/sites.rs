//! Where an instance was made: the `track!` line, or the caller of a
//! `#[track_caller]` constructor.

use instrack::{track, Tracked};
use std::rc::Rc;
use std::sync::Arc;

fn lines_of(pattern: &str) -> Vec<(String, u32)> {
    let snap = instrack::snapshot().narrow(pattern);
    snap.instances().map(|i| (i.file().to_owned(), i.line())).collect()
}

struct SiteButton {
    _t: Tracked<Self>,
}

impl SiteButton {
    #[track_caller]
    fn new() -> SiteButton {
        SiteButton { _t: track!() }
    }
}

struct SitePlain {
    _t: Tracked<Self>,
}

const PLAIN_LINE: u32 = line!() + 3;
impl SitePlain {
    fn new() -> SitePlain {
        SitePlain { _t: track!() }
    }
}

#[derive(Debug)]
struct SiteNode;

#[track_caller]
fn shared_node() -> Arc<SiteNode> {
    let n = Arc::new(SiteNode);
    track!(&n);
    n
}

#[derive(Debug)]
struct SiteLocal;

#[track_caller]
fn local_node() -> Rc<SiteLocal> {
    let n = Rc::new(SiteLocal);
    track!(&n);
    n
}

/// A wrapper without `#[track_caller]`: its own call is the site.
const WRAPPER_LINE: u32 = line!() + 2;
fn wrapped_button() -> SiteButton {
    SiteButton::new()
}

#[test]
fn a_track_caller_constructor_records_its_callers_line() {
    let here = file!().to_owned();
    let first = SiteButton::new();
    let l1 = line!() - 1;
    let second = SiteButton::new();
    let l2 = line!() - 1;
    let third = wrapped_button();
    let plain = [SitePlain::new(), SitePlain::new()];
    let arc = shared_node();
    let l3 = line!() - 1;
    let rc = local_node();
    let l4 = line!() - 1;
    let buttons: Vec<SiteButton> = (0..3).map(|_| SiteButton::new()).collect();
    let l5 = line!() - 1;
    if !instrack::ENABLED {
        return;
    }
    assert_eq!(
        lines_of("SiteButton"),
        [
            (here.clone(), l1),
            (here.clone(), l2),
            (here.clone(), WRAPPER_LINE),
            (here.clone(), l5),
            (here.clone(), l5),
            (here.clone(), l5)
        ]
    );
    assert_eq!(lines_of("SitePlain"), [(here.clone(), PLAIN_LINE), (here.clone(), PLAIN_LINE)]);
    assert_eq!(lines_of("SiteNode"), [(here.clone(), l3)]);
    assert_eq!(lines_of("SiteLocal"), [(here.clone(), l4)]);
    // The by-site report tells the call sites apart.
    let by_site = instrack::snapshot().narrow("SiteButton").by_site();
    assert_eq!(by_site.groups().count(), 4, "{by_site}");
    drop((first, second, third, plain, arc, rc, buttons));
}
