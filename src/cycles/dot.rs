//! Graphviz DOT text: [`Cycle::to_dot`], and the text `graph_dot` returns.

use super::results::{Cycle, RefNode};
use crate::pattern::short_generics;
use crate::text::dot_escaped as escape;
use std::fmt::Write as _;

impl Cycle {
    /// The cycle and what it keeps alive as a Graphviz graph, for `dot -Tsvg`.
    pub fn to_dot(&self) -> String {
        if !crate::ENABLED {
            return String::new(); // no `Cycle` exists: keeps this code out of the binary
        }
        let nodes = self.members.iter().map(|n| (n, true)).chain(self.kept_alive.iter().map(|n| (n, true)));
        dot(nodes, &self.edges, "leaked cycle")
    }
}

/// Graphviz text for nodes (with whether each is leaked) and id edges.
pub(super) fn dot<'a>(
    nodes: impl IntoIterator<Item = (&'a RefNode, bool)>,
    edges: &[(u64, u64)],
    title: &str,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph \"{}\" {{", escape(title));
    let _ = writeln!(out, "    node [shape=box, fontname=\"monospace\"];");
    for (node, leaked) in nodes {
        let i = &node.instance;
        // Each variable part escaped once; `\n` is DOT's line break.
        let mut label =
            format!("{} #{}\\n{}:{}", escape(&short_generics(i.type_name())), i.id(), escape(i.file()), i.line());
        if let Some(debug) = i.debug() {
            let _ = write!(label, "\\n{}", escape(&debug.chars().take(60).collect::<String>()));
        }
        if node.outside > 0 {
            let _ = write!(label, "\\nowned from outside: {}", node.outside);
        }
        let style = if leaked { ", color=red, fontcolor=red, penwidth=2" } else { "" };
        let _ = writeln!(out, "    n{} [label=\"{label}\"{style}];", i.id());
    }
    for (a, b) in edges {
        let _ = writeln!(out, "    n{a} -> n{b};");
    }
    out.push_str("}\n");
    out
}
