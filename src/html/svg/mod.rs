//! The page's drawings, as inline SVG written by hand: the chart of live
//! counts over time (`chart.rs`) and the graph of each leaked cycle
//! (`cycle.rs`). Everything from the program is escaped with
//! [`esc`](super::esc), as in the rest of the page.

mod chart;
mod cycle;

pub(crate) use chart::chart;
pub(crate) use cycle::cycle;

/// The colour of what the page points at: a suspect's line, a cycle's members.
const SUSPECT: &str = "#d62728";

/// `text` cut to its last `max - 1` characters after a `…`, when longer than
/// `max`: the end of a type's path is the part that tells types apart.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let tail: String = text.chars().rev().take(max - 1).collect::<Vec<_>>().into_iter().rev().collect();
    format!("…{tail}")
}
