//! Counts: live, total and peak, exact on one thread; queries never register.
//! Every test uses types of its own, so tests running in parallel never share counts.

use instrack::{counts, track, Counts, Tracked};

#[derive(Debug, Clone, Default)]
struct Session {
    _user: String,
    _tracked: Tracked<Self>,
}

impl Session {
    fn new(user: &str) -> Session {
        Session { _user: user.to_owned(), _tracked: track!() }
    }
}

/// The counts expected when tracking is on; zeros when it is compiled out.
fn expect(live: usize, total: u64, peak: usize) -> Counts {
    let mut c = Counts::default();
    if instrack::ENABLED {
        (c.live, c.total, c.peak) = (live, total, peak);
    }
    c
}

#[test]
fn the_readme_example_counts_live_total_and_peak() {
    let a = Session::new("ada");
    let _b = Session::new("bob");
    drop(a);
    assert_eq!(counts::<Session>(), expect(1, 2, 2));
}

#[test]
fn peak_remembers_the_high_water_mark_after_drops() {
    struct Job {
        _t: Tracked<Self>,
    }
    let jobs: Vec<Job> = (0..50).map(|_| Job { _t: track!() }).collect();
    drop(jobs);
    let one = Job { _t: track!() };
    assert_eq!(counts::<Job>(), expect(1, 51, 50));
    drop(one);
    assert_eq!(counts::<Job>(), expect(0, 51, 50));
}

#[test]
fn clone_and_default_register_new_instances() {
    #[derive(Clone, Default)]
    struct Doc {
        _t: Tracked<Self>,
    }
    let a = Doc::default();
    let b = a.clone();
    let c = b.clone();
    assert_eq!(counts::<Doc>(), expect(3, 3, 3));
    if instrack::ENABLED {
        let ids = [a._t.id(), b._t.id(), c._t.id()];
        assert!(ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2], "{ids:?}");
    } else {
        assert_eq!(a._t.id(), None);
    }
}

#[test]
fn forgotten_instances_stay_live() {
    struct Forgotten {
        _t: Tracked<Self>,
    }
    std::mem::forget(Forgotten { _t: track!() });
    drop(Forgotten { _t: track!() });
    // The second coexisted with the forgotten first before it dropped.
    assert_eq!(counts::<Forgotten>(), expect(1, 2, 2));
}

#[test]
fn a_query_never_registers_a_type() {
    struct NeverBuilt {
        _t: Tracked<Self>,
    }
    assert_eq!(counts::<NeverBuilt>(), Counts::default());
    assert_eq!(counts::<NeverBuilt>(), Counts::default());
    let snap = instrack::snapshot();
    assert!(!snap.types().any(|t| t.name().ends_with("NeverBuilt")));
    let mut out = Vec::new();
    instrack::report_to(&mut out, "NeverBuilt").unwrap();
    assert!(!instrack::snapshot().types().any(|t| t.name().ends_with("NeverBuilt")));
}

/// One `track!()` inside a generic function is one `static` shared by every
/// instantiation: the call-site cache must not mix the types up.
#[test]
fn each_instantiation_of_a_generic_type_is_its_own_type() {
    struct Widget<T> {
        _value: T,
        _t: Tracked<Self>,
    }
    impl<T: 'static> Widget<T> {
        fn new(value: T) -> Self {
            Widget { _value: value, _t: track!() }
        }
    }
    let mut keep = (Vec::new(), Vec::new());
    for i in 0..10u8 {
        // Alternate, so the cached entry is always the other type's.
        keep.0.push(Widget::new(i));
        keep.1.push(Widget::new(i64::from(i)));
        keep.1.push(Widget::new(-1i64));
    }
    assert_eq!(counts::<Widget<u8>>(), expect(10, 10, 10));
    assert_eq!(counts::<Widget<i64>>(), expect(20, 20, 20));
    assert_eq!(counts::<Widget<u16>>(), Counts::default());
}

#[test]
fn tokens_may_name_any_type_even_unsized() {
    struct Erased {
        _t: Tracked<dyn std::any::Any>,
    }
    let _e = Erased { _t: track!() };
    assert_eq!(counts::<dyn std::any::Any>(), expect(1, 1, 1));
    let _s: Tracked<str> = Tracked::new();
    assert_eq!(counts::<str>(), expect(1, 1, 1));
}

/// A `Drop` that asks for reports, counts and snapshots, and makes and drops
/// tracked values, runs while the registry holds no lock.
#[test]
fn drop_may_reenter_the_tracker() {
    struct Reentrant {
        _t: Tracked<Self>,
    }
    struct Inner {
        _t: Tracked<Self>,
    }
    impl Drop for Reentrant {
        fn drop(&mut self) {
            let mut out = Vec::new();
            instrack::report_to(&mut out, "*").unwrap();
            let _ = instrack::snapshot();
            let _ = counts::<Reentrant>();
            drop(Inner { _t: track!() });
            std::mem::forget(Inner { _t: track!() });
        }
    }
    drop(Reentrant { _t: track!() });
    assert_eq!(counts::<Reentrant>(), expect(0, 1, 1));
    assert_eq!(counts::<Inner>(), expect(1, 2, 1));
}

#[test]
fn default_and_new_record_the_callers_file_and_line() {
    struct Made;
    let by_default: Tracked<Made> = Tracked::default();
    let line = line!() - 1;
    let by_new = Tracked::<Made>::new();
    let snap = instrack::snapshot().narrow("Made");
    let sites: Vec<(&str, u32, &str)> = snap.instances().map(|i| (i.file(), i.line(), i.module_path())).collect();
    if instrack::ENABLED {
        assert_eq!(sites, [("tests/it/counting.rs", line, ""), ("tests/it/counting.rs", line + 2, "")]);
    } else {
        assert!(sites.is_empty());
    }
    drop((by_default, by_new));
}
