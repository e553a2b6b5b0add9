//! Layout and traits of `Tracked<T>`: zero cost when compiled out, one
//! pointer with a niche when on, and the same trait surface in both modes.

use instrack::{track, Tracked};
use std::collections::HashSet;
use std::mem::{align_of, needs_drop, size_of};
use std::panic::{RefUnwindSafe, UnwindSafe};

#[allow(dead_code)]
struct Plain {
    a: u8,
    b: &'static str,
}
#[allow(dead_code)]
struct Marked {
    a: u8,
    b: &'static str,
    t: Tracked<Self>,
}
#[allow(dead_code)]
struct PlainByte(u8);
#[allow(dead_code)]
struct MarkedByte(u8, Tracked<Self>);

// Compile-time checks, evaluated in every build mode.
const _: () = assert!(instrack::ENABLED == cfg!(any(debug_assertions, feature = "tracking")));
const _: () = {
    if instrack::ENABLED {
        assert!(size_of::<Tracked<u8>>() == size_of::<usize>());
        assert!(size_of::<Option<Tracked<u8>>>() == size_of::<usize>());
    } else {
        assert!(size_of::<Tracked<u8>>() == 0);
        assert!(align_of::<Tracked<u8>>() == 1);
        assert!(!needs_drop::<Tracked<u8>>());
        assert!(size_of::<Marked>() == size_of::<Plain>());
        assert!(align_of::<Marked>() == align_of::<Plain>());
        assert!(size_of::<Option<Marked>>() == size_of::<Option<Plain>>());
        assert!(size_of::<MarkedByte>() == size_of::<PlainByte>());
        assert!(needs_drop::<Marked>() == needs_drop::<Plain>());
        assert!(!needs_drop::<MarkedByte>());
    }
};

/// The same checks at run time, so the test report shows them in each mode.
#[test]
fn layout_matches_the_mode() {
    if instrack::ENABLED {
        assert!(needs_drop::<Tracked<u8>>());
        assert_eq!(size_of::<Option<Marked>>(), size_of::<Marked>());
    } else {
        assert_eq!(size_of::<Tracked<Plain>>(), 0);
        assert_eq!((size_of::<Marked>(), align_of::<Marked>()), (size_of::<Plain>(), align_of::<Plain>()));
        assert_eq!(size_of::<Option<Marked>>(), size_of::<Option<Plain>>());
        assert!(!needs_drop::<MarkedByte>());
    }
}

fn auto_traits<T: Send + Sync + Unpin + UnwindSafe + RefUnwindSafe + 'static>() {}

#[test]
fn tracked_is_send_sync_unpin_and_unwind_safe_whatever_t_is() {
    auto_traits::<Tracked<u8>>();
    auto_traits::<Tracked<std::rc::Rc<u8>>>();
    auto_traits::<Tracked<*const u8>>();
    auto_traits::<Tracked<std::cell::Cell<u8>>>();
    auto_traits::<Tracked<dyn std::any::Any>>();
    auto_traits::<Tracked<str>>();
}

/// A generic struct holding `Tracked<Self>` needs no extra bounds to exist.
#[allow(dead_code)]
struct Borrowing<'a, T> {
    value: &'a T,
    _t: Tracked<Self>,
}

#[test]
fn derives_on_the_owner_see_only_its_data() {
    #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
    struct Key {
        name: String,
        _t: Tracked<Self>,
    }
    let a = Key { name: "a".into(), _t: track!() };
    let a2 = Key { name: "a".into(), _t: track!() };
    let b = Key { name: "b".into(), _t: track!() };
    assert_eq!(a, a2);
    assert!(a < b);
    assert_eq!(a.cmp(&a2), std::cmp::Ordering::Equal);
    let set: HashSet<Key> = [a.clone(), a2, b].into_iter().collect();
    assert_eq!(set.len(), 2);
    let debug = format!("{a:?}");
    match a._t.id() {
        Some(id) => assert_eq!(debug, format!("Key {{ name: \"a\", _t: Tracked(#{id}) }}")),
        None => assert_eq!(debug, "Key { name: \"a\", _t: Tracked }"),
    }
}
