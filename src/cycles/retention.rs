//! What [`why_alive`](crate::why_alive) returns: [`Retention`], the chain
//! of holders of an instance, and its report text. Built in [`super`];
//! nothing here reads the registry.

use super::results::RefNode;
use crate::text::plural;
use crate::trace::EdgePath;
use std::fmt;

/// Why an instance is alive: the chain of tracked holders from it back to
/// one with an owner outside the traced graph. See [`why_alive`](crate::why_alive).
///
/// # Examples
/// ```
/// use std::sync::{Arc, Mutex};
///
/// #[derive(Debug)]
/// struct Cache { entries: Mutex<Vec<Arc<Entry>>> }
/// #[derive(Debug)]
/// struct Entry(u32);
/// impl instrack::Trace for Cache {
///     fn trace(&self, edges: &mut instrack::Edges<'_>) { edges.trace(&self.entries) }
/// }
///
/// let cache = Arc::new(Cache { entries: Mutex::new(Vec::new()) });
/// instrack::track!(&cache);
/// let entry = Arc::new(Entry(7));
/// instrack::track!(&entry);
/// cache.entries.lock().unwrap().push(entry.clone());
/// let id = instrack::snapshot().narrow("Entry").instances().next().map(|i| i.id());
/// drop(entry);
/// if let Some(why) = id.and_then(instrack::why_alive) {
///     assert!(!why.is_leaked()); // `cache` is owned by this function
///     assert_eq!(why.chain().len(), 2); // the entry, held by the cache
///     println!("{why}");
/// }
/// ```
#[derive(Clone, Debug)]
pub struct Retention {
    pub(super) chain: Vec<RefNode>,
    /// `via[i]`: the path by which `chain[i + 1]` holds `chain[i]`; for a
    /// leaked instance, one more: the path by which the closing holder holds
    /// the chain's last.
    pub(super) via: Vec<EdgePath>,
    /// For a leaked instance: the id of the chain member that holds the
    /// chain's last member, closing the cycle.
    pub(super) closed_by: Option<u64>,
}

impl Retention {
    /// The instance first, then who holds it, then who holds that, … up to
    /// the first holder with outside owners; for a leaked instance, up to the
    /// holder whose own holder is already on the chain (the cycle).
    pub fn chain(&self) -> &[RefNode] {
        &self.chain
    }
    /// Whether nothing outside reaches the instance: it is kept alive by a cycle.
    pub fn is_leaked(&self) -> bool {
        self.closed_by.is_some()
    }
    /// The path (field, closure) by which each holder holds the one before
    /// it: `paths()[i]` is how `chain()[i + 1]` holds `chain()[i]`. For a
    /// leaked instance one more: how the holder that closes the cycle holds
    /// the chain's last.
    pub fn paths(&self) -> &[EdgePath] {
        &self.via
    }
}

/// ` through .field` for a named path, nothing for an unnamed one.
fn through(path: Option<&EdgePath>) -> String {
    match path {
        Some(p) if !p.is_empty() => format!(" through {p}"),
        _ => String::new(),
    }
}

impl fmt::Display for Retention {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !crate::ENABLED {
            return Ok(()); // none exists: keeps this code out of the binary
        }
        let Some(first) = self.chain.first() else { return Ok(()) };
        writeln!(f, "why #{} is alive:", first.instance().id())?;
        for (i, node) in self.chain.iter().enumerate() {
            match i {
                0 => writeln!(f, "    {node}")?,
                _ => writeln!(f, "    held{} by {node}", through(self.via.get(i - 1)))?,
            }
        }
        match (self.closed_by, self.chain.last()) {
            (Some(id), _) => {
                let how = through(self.via.get(self.chain.len() - 1));
                writeln!(f, "    … which is held{how} by #{id} again: a cycle that nothing outside reaches, leaked")
            }
            (None, Some(root)) => {
                writeln!(f, "    … which has {} owner{} outside the tracked graph", root.outside, plural(root.outside))
            }
            (None, None) => Ok(()),
        }
    }
}
