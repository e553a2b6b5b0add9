//! The integration tests, one module per capability, in one test binary:
//! one link instead of one per file, and every module runs in parallel
//! against one global registry, as a user's tests would. `fixtures` holds
//! what several of them build alike.
//!
//! Tests that measure memory with a counting global allocator stay in test
//! binaries of their own (`tests/memory*.rs`): nothing else may allocate
//! while they measure.

mod backtraces;
#[cfg(feature = "http")]
mod browser;
mod counting;
mod cycle_cost;
mod cycles;
mod derive;
mod diff;
mod escaping;
mod fixtures;
#[cfg(feature = "html")]
mod html;
#[cfg(feature = "http")]
mod http;
#[cfg(feature = "serde")]
mod json;
#[cfg(feature = "serde")]
mod json_read;
mod layout;
mod leaks;
mod races;
mod readme;
mod report;
mod run_suspects;
mod shared;
mod sites;
mod threads;
mod values;
mod watch;
