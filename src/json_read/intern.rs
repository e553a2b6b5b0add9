//! Names, sites and type indexes read from files, each allocated once and
//! kept for the life of the process: the queries hold them as `&'static`,
//! as they hold those of live types (see the module docs of `json_read`).

use crate::lock::lock;
use crate::site::Site;
use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, OnceLock};

/// Everything interned, behind one lock.
#[derive(Default)]
struct Interned {
    names: HashSet<&'static str>,
    indexes: HashMap<&'static str, u32>,
    sites: HashMap<(&'static str, &'static str, u32), &'static Site>,
}

fn interned() -> &'static Mutex<Interned> {
    static INTERNED: OnceLock<Mutex<Interned>> = OnceLock::new();
    INTERNED.get_or_init(Mutex::default)
}

pub(super) fn intern(name: &str) -> &'static str {
    intern_in(&mut lock(interned()), name)
}

fn intern_in(interned: &mut Interned, name: &str) -> &'static str {
    if let Some(&kept) = interned.names.get(name) {
        return kept;
    }
    let kept: &'static str = Box::leak(Box::from(name));
    interned.names.insert(kept);
    kept
}

/// The index of a type read from a file, by name, counting down from `u32::MAX`.
pub(super) fn type_index(name: &'static str) -> u32 {
    let mut interned = lock(interned());
    let next = u32::MAX - interned.indexes.len() as u32;
    *interned.indexes.entry(name).or_insert(next)
}

pub(super) fn site(module: &str, file: &str, line: u32) -> &'static Site {
    let mut interned = lock(interned());
    let (module, file) = (intern_in(&mut interned, module), intern_in(&mut interned, file));
    interned.sites.entry((module, file, line)).or_insert_with(|| Box::leak(Box::new(Site::new(module, file, line, 0))))
}
