//! The page's drawings, as inline SVG: the chart of live counts over time and
//! the graph of each leaked cycle.

use super::esc;
use crate::cycles::Cycle;
use crate::Timeline;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::{self, Write as _};
use std::time::Duration;

/// How many types the chart draws one by one; the rest are summed as "others".
/// Suspects are always drawn; then the types with the highest peak.
pub(crate) const SERIES_SHOWN: usize = 12;
/// At most this many points per line: about one per horizontal pixel.
const POINTS_PER_LINE: usize = 800;

const WIDTH: f64 = 1180.0;
const HEIGHT: f64 = 380.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 880.0; // the plot's right edge; the legend is beyond it
const TOP: f64 = 16.0;
const BOTTOM: f64 = 330.0;

const PALETTE: [&str; 10] =
    ["#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#ff7f0e", "#7f7f7f", "#393b79"];
const SUSPECT: &str = "#d62728";
const OTHERS: &str = "#aaaaaa";

/// One line of the chart: `(time, live)` points.
struct Line<'t> {
    name: &'t str,
    points: Vec<(Duration, usize)>,
    suspect: bool,
}

/// Writes the chart: one `<g class="series">` per line with its type in
/// `data-type`, axes with units, a legend; suspects drawn thick and red.
pub(crate) fn chart(out: &mut String, timeline: &Timeline) -> fmt::Result {
    let suspects: HashSet<String> = timeline.suspects().iter().map(|s| s.type_name().to_owned()).collect();
    let mut series: Vec<Line<'_>> = timeline
        .series()
        .iter()
        .filter(|s| !s.points().is_empty())
        .map(|s| Line {
            name: s.type_name(),
            points: s.points().iter().map(|p| (p.at(), p.live())).collect(),
            suspect: suspects.contains(s.type_name()),
        })
        .collect();
    let peak = |l: &Line<'_>| l.points.iter().map(|p| p.1).max().unwrap_or(0);
    series.sort_by(|a, b| b.suspect.cmp(&a.suspect).then(peak(b).cmp(&peak(a))).then(a.name.cmp(b.name)));
    let mut lines: Vec<Line<'_>> = Vec::new();
    let mut rest: Vec<Line<'_>> = Vec::new();
    for (i, s) in series.into_iter().enumerate() {
        if i < SERIES_SHOWN || s.suspect {
            lines.push(s);
        } else {
            rest.push(s);
        }
    }
    let others = rest.len();
    if others > 0 {
        // Sum at each sample time; a type absent at a time counts its last value.
        let mut times: Vec<Duration> = rest.iter().flat_map(|l| l.points.iter().map(|p| p.0)).collect();
        times.sort_unstable();
        times.dedup();
        let mut sum: BTreeMap<Duration, usize> = times.iter().map(|&t| (t, 0)).collect();
        for l in &rest {
            let mut k = 0;
            let mut last = 0;
            for (&t, total) in sum.iter_mut() {
                while k < l.points.len() && l.points[k].0 <= t {
                    last = l.points[k].1;
                    k += 1;
                }
                *total += last;
            }
        }
        lines.push(Line { name: "", points: sum.into_iter().collect(), suspect: false });
    }
    let span = lines.iter().flat_map(|l| l.points.last()).map(|p| p.0).max().unwrap_or(Duration::ZERO);
    let start = lines.iter().flat_map(|l| l.points.first()).map(|p| p.0).min().unwrap_or(Duration::ZERO);
    let max_live = lines.iter().map(&peak).max().unwrap_or(0).max(1);

    let (unit, per_unit) = time_unit(span);
    let t0 = start.as_secs_f64() / per_unit;
    let t1 = (span.as_secs_f64() / per_unit).max(t0 + 1e-9);
    let y_ticks = ticks(0.0, max_live as f64);
    let y_max = y_ticks.last().copied().unwrap_or(1.0).max(max_live as f64);
    let x = |t: Duration| LEFT + (t.as_secs_f64() / per_unit - t0) / (t1 - t0) * (RIGHT - LEFT);
    let y = |v: f64| BOTTOM - v / y_max * (BOTTOM - TOP);

    writeln!(
        out,
        "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{HEIGHT}\" \
         viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"live instances per type over time\">"
    )?;
    // Axes, grid and tick labels.
    out.push_str("<g class=\"grid\">");
    for v in &y_ticks {
        write!(out, "<line x1=\"{LEFT}\" x2=\"{RIGHT}\" y1=\"{0:.1}\" y2=\"{0:.1}\"/>", y(*v))?;
    }
    out.push_str("</g>\n<g class=\"axis y\">");
    write!(out, "<line x1=\"{LEFT}\" x2=\"{LEFT}\" y1=\"{TOP}\" y2=\"{BOTTOM}\"/>")?;
    for v in &y_ticks {
        write!(
            out,
            "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\" dy=\"4\">{}</text>",
            LEFT - 6.0,
            y(*v),
            number(*v)
        )?;
    }
    writeln!(
        out,
        "<text transform=\"translate(16 {}) rotate(-90)\" text-anchor=\"middle\">live instances</text></g>",
        (TOP + BOTTOM) / 2.0
    )?;
    out.push_str("<g class=\"axis x\">");
    write!(out, "<line x1=\"{LEFT}\" x2=\"{RIGHT}\" y1=\"{BOTTOM}\" y2=\"{BOTTOM}\"/>")?;
    for t in ticks(t0, t1) {
        let px = LEFT + (t - t0) / (t1 - t0) * (RIGHT - LEFT);
        write!(
            out,
            "<line x1=\"{px:.1}\" x2=\"{px:.1}\" y1=\"{BOTTOM}\" y2=\"{}\"/><text x=\"{px:.1}\" y=\"{}\" \
             text-anchor=\"middle\">{}</text>",
            BOTTOM + 4.0,
            BOTTOM + 17.0,
            number(t)
        )?;
    }
    writeln!(
        out,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">time since sampling started ({unit})</text></g>",
        (LEFT + RIGHT) / 2.0,
        BOTTOM + 38.0
    )?;
    // The lines, suspects last so they are drawn on top.
    let mut order: Vec<usize> = (0..lines.len()).collect();
    order.sort_by_key(|&i| lines[i].suspect);
    for &i in &order {
        let l = &lines[i];
        let (color, width) = style(i, l);
        let class = if l.suspect { "series suspect" } else { "series" };
        write!(out, "<g class=\"{class}\" data-type=\"")?;
        esc(out, name(l, others).as_str());
        write!(out, "\"><title>")?;
        esc(out, &name(l, others));
        write!(out, "</title><polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"{width}\" points=\"")?;
        for (t, v) in thin(&l.points) {
            write!(out, "{:.1},{:.1} ", x(t), y(v as f64))?;
        }
        out.push_str("\"/></g>\n");
    }
    // The legend, in the chart's order.
    out.push_str("<g class=\"legend\">");
    for (i, l) in lines.iter().enumerate() {
        let (color, width) = style(i, l);
        let ly = TOP + 8.0 + i as f64 * 20.0;
        write!(
            out,
            "<g class=\"legend-entry\"><line x1=\"{0}\" x2=\"{1}\" y1=\"{ly}\" y2=\"{ly}\" stroke=\"{color}\" \
             stroke-width=\"{width}\"/><text x=\"{2}\" y=\"{3}\"",
            RIGHT + 20.0,
            RIGHT + 44.0,
            RIGHT + 50.0,
            ly + 4.0
        )?;
        if l.suspect {
            out.push_str(" font-weight=\"bold\" fill=\"#d62728\"");
        }
        out.push('>');
        let full = name(l, others);
        esc(out, &shorten(&full, 38));
        if l.suspect {
            out.push_str(" (suspect)");
        }
        out.push_str("<title>");
        esc(out, &full);
        out.push_str("</title></text></g>");
    }
    out.push_str("</g>\n</svg>\n");
    Ok(())
}

fn name(l: &Line<'_>, others: usize) -> String {
    if l.name.is_empty() {
        format!("{others} other types")
    } else {
        l.name.to_owned()
    }
}

fn style(i: usize, l: &Line<'_>) -> (&'static str, f64) {
    if l.suspect {
        (SUSPECT, 3.0)
    } else if l.name.is_empty() {
        (OTHERS, 1.5)
    } else {
        (PALETTE[i % PALETTE.len()], 1.5)
    }
}

/// At most [`POINTS_PER_LINE`] points: each bucket of consecutive points
/// keeps its lowest and highest, in time order, so spikes stay visible.
fn thin(points: &[(Duration, usize)]) -> Vec<(Duration, usize)> {
    if points.len() <= POINTS_PER_LINE {
        return points.to_vec();
    }
    let per = points.len().div_ceil(POINTS_PER_LINE / 2);
    let mut out = Vec::with_capacity(POINTS_PER_LINE);
    for bucket in points.chunks(per) {
        let lo = bucket.iter().min_by_key(|p| p.1).unwrap();
        let hi = bucket.iter().max_by_key(|p| p.1).unwrap();
        if lo.0 <= hi.0 {
            out.extend([*lo, *hi]);
        } else {
            out.extend([*hi, *lo]);
        }
    }
    out
}

/// The unit the time axis is labelled in, and its length in seconds.
fn time_unit(span: Duration) -> (&'static str, f64) {
    match span.as_secs() {
        0..=119 => ("s", 1.0),
        120..=7199 => ("min", 60.0),
        _ => ("h", 3600.0),
    }
}

/// Round tick values from `lo` to at least `hi`: steps of 1, 2 or 5 × 10ⁿ,
/// about six of them.
fn ticks(lo: f64, hi: f64) -> Vec<f64> {
    let range = (hi - lo).max(1e-9);
    let raw = range / 6.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * magnitude).find(|s| *s >= raw).unwrap_or(10.0 * magnitude);
    // Counts are whole numbers: no tick between two integers.
    let step = if hi > 1.0 { step.max(1.0) } else { step };
    let mut out = Vec::new();
    let mut v = (lo / step).ceil() * step;
    while v <= hi + step * 0.5 && out.len() < 20 {
        out.push(v);
        v += step;
    }
    out
}

/// A tick label: integers as integers, else one or two decimals.
fn number(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let tail: String = text.chars().rev().take(max - 1).collect::<Vec<_>>().into_iter().rev().collect();
    format!("…{tail}")
}

/// How many nodes a cycle's drawing shows; larger cycles are left to the DOT text.
const NODES_DRAWN: usize = 40;

/// Writes a small graph of `cycle`: members on a circle (red), what they keep
/// alive on an outer circle (grey), one arrow per reference.
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
    let inner = (members as f64 * 22.0).max(50.0);
    let outer = inner + if kept > 0 { 80.0 } else { 0.0 };
    let size = 2.0 * outer + 140.0;
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
         markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" \
         fill=\"#555\"/></marker></defs>"
    )?;
    const R: f64 = 16.0;
    for &(from, to) in cycle.edges() {
        let (Some(&(x1, y1)), Some(&(x2, y2))) = (at.get(&from), at.get(&to)) else { continue };
        let (dx, dy) = (x2 - x1, y2 - y1);
        let len = (dx * dx + dy * dy).sqrt().max(1e-9);
        let (ux, uy) = (dx / len, dy / len);
        if from == to {
            // A value that holds itself: a small loop above the node.
            write!(
                out,
                "<path class=\"edge\" d=\"M{:.1},{:.1} c-18,-34 18,-34 0,0\" fill=\"none\" stroke=\"#555\" \
                 marker-end=\"url(#arrow)\"/>",
                x1,
                y1 - R
            )?;
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
            y + 4.0,
            i.id(),
            y + R + 13.0
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
