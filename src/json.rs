//! JSON: `Serialize` for every query result (feature `serde`).

/// The version of the JSON schema; see the module docs.
pub const SCHEMA_VERSION: u32 = 1;

/// The JSON text of any query result.
pub fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).expect("instrack's Serialize impls never fail")
}
