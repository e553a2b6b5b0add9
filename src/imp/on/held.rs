//! What the reference-graph analysis (`crate::cycles`) reads of the
//! registry: each live shared instance, held by a temporary strong reference
//! entered in the ledger of temporaries (see [`query`](super::query)).
//!
//! Defined here, below the analysis, so that the registry never imports
//! from it: `cycles` asks `collect_graph` for a `Vec<Held>` and reads it
//! through these methods. `imp/off.rs` mirrors them on a type with no
//! values.

use crate::snapshot::Instance;
use crate::trace::Edges;

/// A live shared instance held for the analysis. Its `value` keeps it alive
/// until the analysis is done; dropping it may run the instance's `Drop`.
pub(crate) struct Held {
    pub(super) instance: Instance,
    pub(super) addr: usize,
    /// Strong references other than the analysis's own.
    pub(super) strong: usize,
    pub(super) value: Box<dyn HeldValue>,
}

/// What the analysis asks of a held value; both run user code.
pub(super) trait HeldValue {
    /// Traces the value; `false` if its type has no `Trace` impl.
    fn trace(&self, edges: &mut Edges<'_>) -> bool;
    fn debug(&self) -> Option<String>;
}

impl Held {
    /// The instance; its `Debug` text is formatted on the first
    /// `Instance::debug`, from the live value (user code, no lock held).
    pub(crate) fn instance(&self) -> &Instance {
        &self.instance
    }
    /// The value's address, as [`Edges`] reports references to it.
    pub(crate) fn addr(&self) -> usize {
        self.addr
    }
    /// Its strong references other than instrack's own temporaries.
    pub(crate) fn strong(&self) -> usize {
        self.strong
    }
    /// Runs the type's `Trace` impl (user code); `false` if it has none.
    pub(crate) fn trace(&self, edges: &mut Edges<'_>) -> bool {
        self.value.trace(edges)
    }
    /// Its `Debug` text (user code), if its type has a `Debug` impl; a long
    /// one read as a graph node's (`debug_text::NODE_INPUT_LIMIT`).
    pub(crate) fn debug(&self) -> Option<String> {
        self.value.debug()
    }
}
