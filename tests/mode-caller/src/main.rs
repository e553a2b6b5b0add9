//! Usage: mode-caller on|off — exits non-zero unless tracking is as expected.

use instrack::{track, Tracked};

struct Probe {
    _t: Tracked<Self>,
}

fn main() {
    let expect_on = match std::env::args().nth(1).as_deref() {
        Some("on") => true,
        Some("off") => false,
        _ => panic!("usage: mode-caller on|off"),
    };
    let probe = Probe { _t: track!() };
    let n = instrack::counts::<Probe>();
    println!(
        "caller: debug_assertions={} feature tracking={}; instrack: ENABLED={} live={}",
        cfg!(debug_assertions),
        cfg!(feature = "tracking"),
        instrack::ENABLED,
        n.live
    );
    assert_eq!(instrack::ENABLED, expect_on, "ENABLED");
    assert_eq!(n.live, usize::from(expect_on), "live");
    assert_eq!(probe._t.id().is_some(), expect_on, "id");
}
