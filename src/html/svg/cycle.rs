//! The drawing of one leaked cycle: its members on a circle, what they keep
//! alive on an outer one, an arrow per reference labelled with its path.

use super::{shorten, SUSPECT};
use crate::cycles::Cycle;
use crate::html::esc;
use crate::trace::EdgePath;
use std::collections::HashMap;
use std::fmt::{self, Write as _};

/// How many nodes a cycle's drawing shows; larger cycles are left to the DOT text.
const NODES_DRAWN: usize = 40;

/// How many characters of a reference's path its arrow's label shows; the
/// whole path is the label's tooltip.
const LABEL_SHOWN: usize = 20;

/// Writes a small graph of `cycle`: members on a circle (red), what they keep
/// alive on an outer circle (grey), one arrow per reference, labelled with
/// the field (and closure) that holds it.
pub(crate) fn cycle(out: &mut String, cycle: &Cycle) -> fmt::Result {
    let nodes: Vec<(&crate::RefNode, bool)> =
        cycle.members().iter().map(|n| (n, true)).chain(cycle.kept_alive().iter().map(|n| (n, false))).collect();
    if nodes.len() > NODES_DRAWN {
        return write!(
            out,
            "<p class=\"note\">{} instances: too many to draw here; paste the DOT text into Graphviz.</p>",
            nodes.len()
        );
    }
    let members = cycle.members().len();
    let kept = nodes.len() - members;
    // Sized to be read at the page's scale: nodes of `R`, type names under
    // them, and room between neighbours on each circle for both.
    let inner = (members as f64 * 36.0).max(90.0);
    let outer = inner + if kept > 0 { 120.0 } else { 0.0 };
    let size = 2.0 * outer + 200.0;
    let c = size / 2.0;
    let mut at: HashMap<u64, (f64, f64)> = HashMap::new();
    let place = |i: usize, n: usize, r: f64| {
        let a = std::f64::consts::TAU * i as f64 / n.max(1) as f64 - std::f64::consts::FRAC_PI_2;
        (c + r * a.cos(), c + r * a.sin())
    };
    for (i, (node, _)) in nodes.iter().take(members).enumerate() {
        at.insert(node.instance().id(), place(i, members, inner));
    }
    for (i, (node, _)) in nodes.iter().skip(members).enumerate() {
        at.insert(node.instance().id(), place(i, kept, outer));
    }
    writeln!(
        out,
        "<svg class=\"cycle-graph\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{size:.0}\" height=\"{size:.0}\" \
         viewBox=\"0 0 {size:.0} {size:.0}\"><defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" \
         markerWidth=\"9\" markerHeight=\"9\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" \
         fill=\"#555\"/></marker></defs>"
    )?;
    const R: f64 = 24.0;
    for (k, &(from, to)) in cycle.edges().iter().enumerate() {
        let (Some(&(x1, y1)), Some(&(x2, y2))) = (at.get(&from), at.get(&to)) else { continue };
        let path = cycle.edge_paths().get(k);
        let (dx, dy) = (x2 - x1, y2 - y1);
        let len = (dx * dx + dy * dy).sqrt().max(1e-9);
        let (ux, uy) = (dx / len, dy / len);
        if from == to {
            // A value that holds itself: a small loop above the node.
            write!(
                out,
                "<path class=\"edge\" d=\"M{:.1},{:.1} c-26,-50 26,-50 0,0\" fill=\"none\" stroke=\"#555\" \
                 marker-end=\"url(#arrow)\"/>",
                x1,
                y1 - R
            )?;
            label(out, path, x1, y1 - R - 44.0)?;
            continue;
        }
        // Bent to its left, so that a → b and b → a are two arcs, not one line.
        let (px, py) = (-uy * 0.25 * len, ux * 0.25 * len);
        let (cx, cy) = ((x1 + x2) / 2.0 + px, (y1 + y2) / 2.0 + py);
        let toward = |fx: f64, fy: f64, tx: f64, ty: f64| {
            let (dx, dy) = (tx - fx, ty - fy);
            let l = (dx * dx + dy * dy).sqrt().max(1e-9);
            (fx + dx / l * R, fy + dy / l * R)
        };
        let (sx, sy) = toward(x1, y1, cx, cy);
        let (ex, ey) = toward(x2, y2, cx, cy);
        write!(
            out,
            "<path class=\"edge\" d=\"M{sx:.1},{sy:.1} Q{cx:.1},{cy:.1} {ex:.1},{ey:.1}\" fill=\"none\" \
             stroke=\"#555\" marker-end=\"url(#arrow)\"/>"
        )?;
        // At the middle of the curve, a little further out on its side.
        let (mx, my) = ((sx + 2.0 * cx + ex) / 4.0, (sy + 2.0 * cy + ey) / 4.0);
        label(out, path, mx - uy * 10.0, my + ux * 10.0 + 4.0)?;
    }
    for (node, member) in &nodes {
        let i = node.instance();
        let (x, y) = at[&i.id()];
        let fill = if *member { "#f8d7da" } else { "#e9ecef" };
        let stroke = if *member { SUSPECT } else { "#888" };
        write!(
            out,
            "<g class=\"node\"><circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{R}\" fill=\"{fill}\" stroke=\"{stroke}\"/>\
             <text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">#{}</text><text x=\"{x:.1}\" y=\"{:.1}\" \
             text-anchor=\"middle\">",
            y + 5.0,
            i.id(),
            y + R + 16.0
        )?;
        let short = i.type_name().rsplit("::").next().unwrap_or(i.type_name());
        esc(out, &shorten(short, 24));
        out.push_str("</text><title>");
        esc(out, i.type_name());
        if let Some(debug) = i.debug() {
            out.push('\n');
            esc(out, debug);
        }
        out.push_str("</title></g>\n");
    }
    out.push_str("</svg>");
    Ok(())
}

/// The label of an arrow: its path (`.next`, `.on_close → closure (…)`)
/// escaped and cut to [`LABEL_SHOWN`] characters, the whole path as its
/// tooltip; nothing for a reference traced without a name.
fn label(out: &mut String, path: Option<&EdgePath>, x: f64, y: f64) -> fmt::Result {
    let Some(path) = path.filter(|p| !p.is_empty()) else { return Ok(()) };
    let whole = path.to_string();
    let shown = match whole.char_indices().nth(LABEL_SHOWN - 1) {
        Some((end, _)) if whole.chars().count() > LABEL_SHOWN => format!("{}…", &whole[..end]),
        _ => whole.clone(),
    };
    write!(
        out,
        "<text class=\"edge-label\" x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"middle\" fill=\"#555\" \
         stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\"><title>"
    )?;
    esc(out, &whole);
    out.push_str("</title>");
    esc(out, &shown);
    out.push_str("</text>");
    Ok(())
}
