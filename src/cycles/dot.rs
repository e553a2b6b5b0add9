//! Graphviz DOT text: [`Cycle::to_dot`], and the text `graph_dot` returns.

use super::results::{Cycle, RefNode};
use crate::pattern::short_generics;
use crate::text::dot_escaped as escape;
use crate::trace::EdgePath;
use std::collections::HashMap;
use std::fmt::Write as _;

/// How many characters of a node's `Debug` text its label shows.
const DEBUG_SHOWN: usize = 60;

impl Cycle {
    /// The cycle and what it keeps alive as a Graphviz graph, for `dot -Tsvg`.
    pub fn to_dot(&self) -> String {
        if !crate::ENABLED {
            return String::new(); // no `Cycle` exists: keeps this code out of the binary
        }
        let nodes = self.members.iter().map(|n| (n, true)).chain(self.kept_alive.iter().map(|n| (n, true)));
        dot(nodes, &self.edges, &self.paths, "leaked cycle")
    }
}

/// Graphviz text for nodes (with whether each is leaked) and id edges,
/// each labelled with its path. What many nodes share (type names, files,
/// paths) is escaped once: `graph_dot` draws every node of a large graph.
pub(super) fn dot<'a>(
    nodes: impl IntoIterator<Item = (&'a RefNode, bool)>,
    edges: &[(u64, u64)],
    paths: &[EdgePath],
    title: &str,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph \"{}\" {{", escape(title));
    let _ = writeln!(out, "    node [shape=box, fontname=\"monospace\"];");
    let mut types: HashMap<&'static str, String> = HashMap::new();
    let mut files: HashMap<&'static str, String> = HashMap::new();
    for (node, leaked) in nodes {
        let i = &node.instance;
        // Each variable part escaped once; `\n` is DOT's line break.
        let type_name = types.entry(i.type_name()).or_insert_with_key(|name| escape(&short_generics(name)));
        let _ = write!(out, "    n{} [label=\"{type_name} #{}\\n", i.id(), i.id());
        let file = files.entry(i.file()).or_insert_with_key(|file| escape(file));
        let _ = write!(out, "{file}:{}", i.line());
        if let Some(debug) = i.debug() {
            let shown = debug.char_indices().nth(DEBUG_SHOWN).map_or(debug, |(end, _)| &debug[..end]);
            let _ = write!(out, "\\n{}", escape(shown));
        }
        if node.outside > 0 {
            let _ = write!(out, "\\nowned from outside: {}", node.outside);
        }
        let style = if leaked { ", color=red, fontcolor=red, penwidth=2" } else { "" };
        let _ = writeln!(out, "\"{style}];");
    }
    let mut labels: HashMap<&EdgePath, String> = HashMap::new();
    for (k, (a, b)) in edges.iter().enumerate() {
        match paths.get(k).filter(|p| !p.is_empty()) {
            Some(path) => {
                let label = labels.entry(path).or_insert_with_key(|path| escape(&path.to_string()));
                let _ = writeln!(out, "    n{a} -> n{b} [label=\"{label}\"];");
            }
            None => {
                let _ = writeln!(out, "    n{a} -> n{b};");
            }
        }
    }
    out.push_str("}\n");
    out
}
