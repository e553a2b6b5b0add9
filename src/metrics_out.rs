//! Feature `metrics`: each [`Sampler`](crate::Sampler) sample published
//! through the [`metrics`](https://docs.rs/metrics) facade (0.24), so that
//! any recorder (Prometheus, StatsD, an OpenTelemetry bridge) sees the
//! counts of a fleet of processes.
//!
//! Per type, labelled `type` with the name as reports print it:
//!
//! | metric | kind | value |
//! |---|---|---|
//! | `instrack_live_instances` | gauge | live instances |
//! | `instrack_created_total` | counter (set with `absolute`) | instances ever created |
//! | `instrack_estimated_bytes` | gauge | [`TypeCounts::estimated_bytes`], for types that know their size |
//! | `instrack_suspect` | gauge | 1 while the type is a leak [`Suspect`] of the sampler's timeline, as last judged (every 100 ms, or every sample if the interval is longer), else 0 |
//!
//! **Bounded cardinality.** Only the [`metrics_top_types`] types with the
//! most live instances are named (ties by name); the others are summed under
//! `type="other"` (suspect 1 if any of them is), which is published even when
//! empty so that sums over `type` stay continuous. A type that leaves the top
//! is no longer updated: give the recorder an idle timeout of a few sampling
//! intervals (`PrometheusBuilder::idle_timeout`) so that its last value is
//! not scraped forever. The counter of `other` goes down when a type joins
//! the top, which `rate()` reads as a counter reset.
//!
//! Publishing reads nothing the sample did not already read: the counts the
//! sampler took and the suspects of its timeline's last judgement, the one
//! the exit report's history also records (`watch/sampler.rs`).

use crate::pattern::short_generics;
use crate::{Suspect, TypeCounts};
use metrics::{counter, describe_counter, describe_gauge, gauge, Unit};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};

/// How many types a sample names when nothing else was set (see
/// [`set_metrics_top_types`]): 20 types, plus `other`, so at most 84 series
/// per process.
pub const DEFAULT_METRICS_TOP_TYPES: usize = 20;

static TOP_TYPES: AtomicUsize = AtomicUsize::new(DEFAULT_METRICS_TOP_TYPES);

/// Sets how many types each published sample names, by live count; the rest
/// are summed as `type="other"`. Applies to every [`Sampler`](crate::Sampler)
/// from its next sample on. `0` names none: everything is `other`.
///
/// # Examples
/// ```
/// instrack::set_metrics_top_types(5);
/// assert_eq!(instrack::metrics_top_types(), 5);
/// # instrack::set_metrics_top_types(instrack::DEFAULT_METRICS_TOP_TYPES);
/// ```
pub fn set_metrics_top_types(n: usize) {
    TOP_TYPES.store(n, Ordering::Relaxed);
}

/// How many types each published sample names (by default
/// [`DEFAULT_METRICS_TOP_TYPES`]).
pub fn metrics_top_types() -> usize {
    TOP_TYPES.load(Ordering::Relaxed)
}

/// The label of the bucket that sums the types outside the top.
pub(crate) const OTHER: &str = "other";

/// One labelled row of a published sample.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Row {
    pub(crate) label: String,
    pub(crate) live: usize,
    pub(crate) total: u64,
    pub(crate) bytes: Option<u64>,
    pub(crate) suspect: bool,
}

impl Row {
    fn add(&mut self, t: &TypeCounts, suspect: bool) {
        let c = t.counts();
        self.live += c.live;
        self.total += c.total;
        if let Some(b) = t.estimated_bytes() {
            self.bytes = Some(self.bytes.unwrap_or(0) + b);
        }
        self.suspect |= suspect;
    }
}

/// The rows one sample publishes: the `top` types by live count (types that
/// print alike summed), then `other`.
pub(crate) fn rows(counts: &[TypeCounts], suspects: &[Suspect], top: usize) -> Vec<Row> {
    let suspect: HashSet<&str> = suspects.iter().map(Suspect::type_name).collect();
    let mut by_label: HashMap<std::borrow::Cow<'_, str>, Row> = HashMap::with_capacity(counts.len());
    for t in counts {
        let label = short_generics(t.name());
        let row = by_label.entry(label).or_default();
        row.add(t, suspect.contains(t.name()));
    }
    let mut rows: Vec<Row> =
        by_label.into_iter().map(|(label, row)| Row { label: label.into_owned(), ..row }).collect();
    rows.sort_unstable_by(|a, b| b.live.cmp(&a.live).then_with(|| a.label.cmp(&b.label)));
    let mut other = Row { label: OTHER.to_owned(), ..Row::default() };
    for r in rows.drain(top.min(rows.len())..) {
        other.live += r.live;
        other.total += r.total;
        if let Some(b) = r.bytes {
            other.bytes = Some(other.bytes.unwrap_or(0) + b);
        }
        other.suspect |= r.suspect;
    }
    rows.push(other);
    rows
}

/// Publishes one sample to the installed recorder (none installed: the
/// facade's no-op recorder drops it).
pub(crate) fn publish(counts: &[TypeCounts], suspects: &[Suspect]) {
    if !crate::ENABLED {
        return;
    }
    // Described each sample: a recorder installed after the first still learns them.
    describe_gauge!("instrack_live_instances", Unit::Count, "Live instances of the type (instrack)");
    describe_counter!("instrack_created_total", Unit::Count, "Instances of the type ever created (instrack)");
    describe_gauge!("instrack_estimated_bytes", Unit::Bytes, "Estimated bytes the live instances hold (instrack)");
    describe_gauge!("instrack_suspect", "1 while the type's live count keeps growing (instrack)");
    for row in rows(counts, suspects, metrics_top_types()) {
        let labels = [("type", row.label)];
        gauge!("instrack_live_instances", &labels).set(row.live as f64);
        counter!("instrack_created_total", &labels).absolute(row.total);
        if let Some(bytes) = row.bytes {
            gauge!("instrack_estimated_bytes", &labels).set(bytes as f64);
        }
        gauge!("instrack_suspect", &labels).set(if row.suspect { 1.0 } else { 0.0 });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_top_types_are_named_and_the_rest_summed() {
        let counts = crate::imp::all_counts();
        let rows = rows(&counts, &[], 0);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].label, OTHER);
        assert_eq!(rows[0].live, counts.iter().map(|t| t.counts().live).sum::<usize>());
    }
}
