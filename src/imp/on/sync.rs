//! The atomics every protocol of the registry is built from, in one place,
//! so that a model checker can replace them (see `ARCHITECTURE.md`).

pub(super) use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
pub(super) use std::sync::atomic::{fence, AtomicBool, AtomicI64, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize};
