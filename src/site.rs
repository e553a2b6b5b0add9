//! The creation site a `track!` expansion records, one `static` per call site.

use std::panic::Location;
use std::sync::atomic::AtomicPtr;

/// Where instances are made: one `static` per `track!` call site.
///
/// `cache` remembers the registry entry of the last type constructed here, so
/// the hot path skips the type map. A `static` inside a generic function is
/// shared by every instantiation, so the registry checks the cached entry's
/// `TypeId` before trusting it.
///
/// `caller` remembers the site of the last caller seen here that was not
/// this line: a `track!` inside a `#[track_caller]` constructor records its
/// caller's location (see `Tracked::__at`), and the next instance made from
/// the same caller finds its site without the registry's map.
///
/// `fast` is the one word the hot path reads: the registry entry of the
/// type last registered here, set only once this `track!` was seen to
/// record its own line and while no thread captures backtraces (the rule is
/// in `imp/on/registry.rs`); null otherwise, which sends a registration
/// down the cold path that resolves all of the above.
///
/// When tracking is compiled out nothing reads it, and the linker drops it.
#[derive(Debug)]
#[allow(dead_code)] // read only by the registry, which may be compiled out
pub struct Site {
    pub(crate) module_path: &'static str,
    pub(crate) file: &'static str,
    pub(crate) line: u32,
    pub(crate) column: u32,
    pub(crate) cache: AtomicPtr<()>,
    pub(crate) fast: AtomicPtr<()>,
    pub(crate) caller: AtomicPtr<Site>,
    /// The `Location` of this very `track!` call, once seen: recognised by
    /// one pointer comparison (a `Location`'s file is not the `file!()` string).
    pub(crate) own: AtomicPtr<Location<'static>>,
}

impl Site {
    /// Used by `track!`; not public API.
    pub const fn new(module_path: &'static str, file: &'static str, line: u32, column: u32) -> Site {
        Site {
            module_path,
            file,
            line,
            column,
            cache: AtomicPtr::new(std::ptr::null_mut()),
            fast: AtomicPtr::new(std::ptr::null_mut()),
            caller: AtomicPtr::new(std::ptr::null_mut()),
            own: AtomicPtr::new(std::ptr::null_mut()),
        }
    }
}
