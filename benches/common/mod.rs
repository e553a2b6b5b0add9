//! The structs both benches compare: a user's struct, and the same struct
//! with a `Tracked<Self>` field.

use instrack::Tracked;

/// The user's struct without tracking.
#[allow(dead_code)]
pub struct Plain {
    pub id: u64,
    pub name: &'static str,
}

/// The same struct with a `Tracked` field.
#[allow(dead_code)]
pub struct Marked {
    pub id: u64,
    pub name: &'static str,
    pub _t: Tracked<Self>,
}
