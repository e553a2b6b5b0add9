//! The creation site a `track!` expansion records, one `static` per call site.

use std::sync::atomic::AtomicPtr;

/// Where instances are made: one `static` per `track!` call site.
///
/// `cache` remembers the registry entry of the last type constructed here, so
/// the hot path skips the type map. A `static` inside a generic function is
/// shared by every instantiation, so the registry checks the cached entry's
/// `TypeId` before trusting it.
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
}

impl Site {
    /// Used by `track!`; not public API.
    pub const fn new(module_path: &'static str, file: &'static str, line: u32, column: u32) -> Site {
        Site { module_path, file, line, column, cache: AtomicPtr::new(std::ptr::null_mut()) }
    }
}
