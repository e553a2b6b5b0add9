//! The analysed graph: trial deletion over the held instances, the leaked
//! set, an iterative Tarjan for the cycles among them, and the chain of
//! holders that `why_alive` follows.
//!
//! It holds a temporary strong reference to every node until it is dropped:
//! drop it last, after the analysis has released its `AnalysisGuard`, with
//! no lock held, since that may drop the last owner of an instance.

use super::results::RefNode;
use crate::imp::{self, Held};
use crate::trace::{EdgePath, EdgeSink, Edges};
use std::collections::{HashMap, HashSet, VecDeque};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;

/// The analysed graph. Holds strong references until dropped.
pub(super) struct Graph {
    pub(super) held: Vec<Held>,
    /// Targets of each node's traced references, one entry per reference.
    out: Vec<Vec<usize>>,
    /// The path id of each of `out`'s references (see `sink`).
    out_paths: Vec<Vec<u32>>,
    /// The table of paths, and the reasons the nodes' `trace` gave.
    sink: EdgeSink,
    /// The type names of nodes whose type has no `Trace` impl.
    pub(super) untraced_types: Vec<&'static str>,
    /// The nodes holding a traced reference to each node.
    holders: Vec<Vec<usize>>,
    outside: Vec<usize>,
    rooted: Vec<bool>,
    pub(super) leaked: Vec<bool>,
    notes: Vec<Option<String>>,
}

impl Graph {
    pub(super) fn build() -> Graph {
        let mut held = imp::collect_graph();
        // The same value registered twice is one node.
        let mut index: HashMap<usize, usize> = HashMap::with_capacity(held.len());
        held.retain(|h| {
            let next = index.len();
            match index.entry(h.addr()) {
                std::collections::hash_map::Entry::Occupied(_) => false,
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(next);
                    true
                }
            }
        });
        let n = held.len();
        let mut out = vec![Vec::new(); n];
        let mut out_paths = vec![Vec::new(); n];
        let mut notes = vec![None; n];
        let mut untraced_types = Vec::new();
        let mut sink = EdgeSink::default();
        for (i, h) in held.iter().enumerate() {
            sink.begin();
            let traced = catch_unwind(AssertUnwindSafe(|| h.trace(&mut Edges::new(&mut sink))));
            notes[i] = match traced {
                Ok(true) => sink.untraced.first().map(|why| format!("not traced: {why}")),
                Ok(false) => {
                    untraced_types.push(h.instance().type_name());
                    Some("no Trace impl".to_owned())
                }
                Err(payload) => {
                    crate::payload::dispose(payload);
                    Some("trace panicked".to_owned())
                }
            };
            (out[i], out_paths[i]) = sink.targets.iter().filter_map(|(t, path)| Some((*index.get(t)?, *path))).unzip();
        }
        untraced_types.sort_unstable();
        untraced_types.dedup();
        let mut holders = vec![Vec::new(); n];
        let mut inside = vec![0usize; n];
        for (i, targets) in out.iter().enumerate() {
            for &t in targets {
                inside[t] += 1;
                holders[t].push(i);
            }
        }
        for h in &mut holders {
            h.dedup();
        }
        let outside: Vec<usize> = (0..n).map(|i| held[i].strong().saturating_sub(inside[i])).collect();
        // More traced references than strong ones means a `Trace` reports
        // something twice or the graph changed meanwhile: never call that a leak.
        let rooted: Vec<bool> = (0..n).map(|i| held[i].strong() != inside[i]).collect();
        let mut graph =
            Graph { held, out, out_paths, sink, untraced_types, holders, outside, rooted, leaked: Vec::new(), notes };
        // Everything reachable from a rooted node is alive; `leaked` doubles
        // as the visited set of this one whole-graph traversal.
        let mut leaked = vec![true; n];
        let mut stack: Vec<usize> = (0..n).filter(|&i| graph.rooted[i]).collect();
        while let Some(i) = stack.pop() {
            if std::mem::replace(&mut leaked[i], false) {
                stack.extend(graph.out[i].iter().copied().filter(|&j| leaked[j]));
            }
        }
        graph.leaked = leaked;
        graph
    }

    /// The nodes reachable from `start` (included) through nodes `allowed`
    /// admits; its cost follows what it reaches, not the size of the graph.
    pub(super) fn reachable(&self, start: &[usize], allowed: impl Fn(usize) -> bool) -> Vec<usize> {
        let mut seen: HashSet<usize> = HashSet::new();
        let mut stack: Vec<usize> = start.to_vec();
        let mut found = Vec::new();
        while let Some(i) = stack.pop() {
            if !seen.insert(i) {
                continue;
            }
            found.push(i);
            stack.extend(self.out[i].iter().copied().filter(|&j| !seen.contains(&j) && allowed(j)));
        }
        found
    }

    /// Strongly connected components of the leaked nodes that contain a
    /// cycle (more than one node, or a node that holds itself). Iterative
    /// Tarjan, so that a chain of 100k nodes does not overflow the stack.
    pub(super) fn cycle_components(&self) -> Vec<Vec<usize>> {
        let n = self.held.len();
        const UNSEEN: usize = usize::MAX;
        let (mut index, mut low, mut on_stack) = (vec![UNSEEN; n], vec![0; n], vec![false; n]);
        let (mut stack, mut components, mut next) = (Vec::new(), Vec::new(), 0);
        for start in (0..n).filter(|&i| self.leaked[i]) {
            if index[start] != UNSEEN {
                continue;
            }
            let mut work: Vec<(usize, usize)> = vec![(start, 0)];
            while let Some(&mut (v, ref mut edge)) = work.last_mut() {
                if *edge == 0 && index[v] == UNSEEN {
                    index[v] = next;
                    low[v] = next;
                    next += 1;
                    stack.push(v);
                    on_stack[v] = true;
                }
                if let Some(&w) = self.out[v].get(*edge) {
                    *edge += 1;
                    if !self.leaked[w] {
                        continue;
                    }
                    if index[w] == UNSEEN {
                        work.push((w, 0));
                    } else if on_stack[w] {
                        low[v] = low[v].min(index[w]);
                    }
                    continue;
                }
                work.pop();
                if let Some(&(parent, _)) = work.last() {
                    low[parent] = low[parent].min(low[v]);
                }
                if low[v] == index[v] {
                    let mut component = Vec::new();
                    while let Some(w) = stack.pop() {
                        on_stack[w] = false;
                        component.push(w);
                        if w == v {
                            break;
                        }
                    }
                    if component.len() > 1 || self.out[v].contains(&v) {
                        component.sort_by_key(|&i| self.held[i].instance().id());
                        components.push(component);
                    }
                }
            }
        }
        components
    }

    /// The chain of holders from `target`: breadth-first to the nearest
    /// holder with outside owners (and `None`); for a leaked target, holder
    /// after holder until one is already on the chain (and the index of the
    /// member holding the chain's last: it closes the cycle).
    pub(super) fn holder_chain(&self, target: usize) -> (Vec<usize>, Option<usize>) {
        // Breadth-first over the holders: the nearest holder with outside owners.
        let mut came_from: HashMap<usize, usize> = HashMap::new();
        let mut queue = VecDeque::from([target]);
        let mut root = None;
        while let Some(i) = queue.pop_front() {
            if self.rooted[i] {
                root = Some(i);
                break;
            }
            for &h in &self.holders[i] {
                if h != target && !came_from.contains_key(&h) {
                    came_from.insert(h, i);
                    queue.push_back(h);
                }
            }
        }
        let path = |end: usize| {
            let mut path = vec![end];
            while let Some(&next) = came_from.get(path.last().unwrap()) {
                path.push(next);
            }
            path.reverse();
            path
        };
        match root {
            Some(r) => (path(r), None),
            // Nothing outside reaches it: follow holders until one is already on
            // the chain. A leaked instance always has a holder (all its owners
            // are traced instances).
            None => {
                let mut chain = vec![target];
                let mut on_chain = vec![false; self.held.len()];
                on_chain[target] = true;
                let closing = loop {
                    let holders = &self.holders[*chain.last().unwrap()];
                    // Close the loop as soon as a holder is already on the chain.
                    if let Some(&back) = holders.iter().find(|&&h| on_chain[h]) {
                        break Some(back);
                    }
                    match holders.first() {
                        Some(&holder) => {
                            on_chain[holder] = true;
                            chain.push(holder);
                        }
                        None => break None,
                    }
                };
                (chain, closing)
            }
        }
    }

    /// The references between the given nodes, as id pairs, and the path of each.
    pub(super) fn edges_among(&self, nodes: &[usize]) -> (Vec<(u64, u64)>, Vec<EdgePath>) {
        let member: HashSet<usize> = nodes.iter().copied().collect();
        let id = |i: usize| self.held[i].instance().id();
        nodes
            .iter()
            .flat_map(|&i| {
                let paths = &self.out_paths[i];
                self.out[i]
                    .iter()
                    .zip(paths)
                    .filter(|(j, _)| member.contains(j))
                    .map(move |(&j, &path)| ((id(i), id(j)), self.sink.path(path)))
            })
            .unzip()
    }

    /// The path of the first reference `holder` holds on `held`.
    pub(super) fn path_between(&self, holder: usize, held: usize) -> EdgePath {
        let at = self.out[holder].iter().position(|&j| j == held);
        at.map(|k| self.sink.path(self.out_paths[holder][k])).unwrap_or_default()
    }

    /// The public view of node `i`. Its `Debug` text (user code, run with no
    /// lock held) is formatted now if `format_now`, from the value this graph
    /// holds; otherwise on the first `Instance::debug`, from the live value:
    /// for results that print few of their nodes.
    pub(super) fn node(&self, i: usize, format_now: bool) -> RefNode {
        let mut instance = self.held[i].instance().clone();
        if format_now {
            instance.debug = OnceLock::from(self.held[i].debug().map(String::into_boxed_str));
        }
        RefNode { instance, strong: self.held[i].strong(), outside: self.outside[i], note: self.notes[i].clone() }
    }
}
