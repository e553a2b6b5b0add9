//! The chart of live counts over time: which types get a line of their own
//! (`select_lines`), the frame that maps a point to pixels, then the axes,
//! the lines and the legend, each by a function of its own.

use super::{shorten, SUSPECT};
use crate::html::esc;
use crate::Timeline;
use std::collections::{BTreeMap, HashSet};
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
const OTHERS: &str = "#aaaaaa";
/// Suspects are red, each in its own shade and dash, so that two or more
/// are told apart on the chart and in the legend (the first is the plain
/// [`SUSPECT`] red the rest of the page uses); each is also named at its
/// line's end.
const SUSPECT_STYLES: [(&str, &str); 5] =
    [(SUSPECT, ""), ("#8c1c13", "10 4"), ("#e8575a", "3 3"), ("#6b0f0f", "14 4 3 4"), ("#c0392b", "6 3 1 3")];
/// The least vertical distance, in pixels, between two names at line ends.
const LABEL_GAP: f64 = 13.0;

/// One line of the chart: `(time, live)` points.
struct Line<'t> {
    /// The type's name; empty for the line of the types not drawn one by one.
    name: &'t str,
    points: Vec<(Duration, usize)>,
    suspect: bool,
}

impl Line<'_> {
    fn peak(&self) -> usize {
        self.points.iter().map(|p| p.1).max().unwrap_or(0)
    }
}

/// Writes the chart: one `<g class="series">` per line with its type in
/// `data-type`, axes with units, a legend; suspects drawn thick and red.
pub(crate) fn chart(out: &mut String, timeline: &Timeline) -> fmt::Result {
    let (lines, others) = select_lines(timeline);
    let frame = Frame::fit(&lines);
    writeln!(
        out,
        "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{HEIGHT}\" \
         viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"live instances per type over time\">"
    )?;
    axes(out, &frame)?;
    polylines(out, &lines, others, &frame)?;
    line_end_names(out, &lines, &frame)?;
    legend(out, &lines, others)?;
    out.push_str("</svg>\n");
    Ok(())
}

/// The lines to draw, in the legend's order: suspects, then the types with
/// the highest peak, [`SERIES_SHOWN`] of them but every suspect; then one
/// line summing the rest, if any. Also how many types that line sums.
fn select_lines(timeline: &Timeline) -> (Vec<Line<'_>>, usize) {
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
    series.sort_by(|a, b| b.suspect.cmp(&a.suspect).then(b.peak().cmp(&a.peak())).then(a.name.cmp(b.name)));
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
        lines.push(sum_of(&rest));
    }
    (lines, others)
}

/// One line summing `rest` at each of their sample times; a type absent at
/// a time counts its last value.
fn sum_of<'t>(rest: &[Line<'t>]) -> Line<'t> {
    let mut times: Vec<Duration> = rest.iter().flat_map(|l| l.points.iter().map(|p| p.0)).collect();
    times.sort_unstable();
    times.dedup();
    let mut sum: BTreeMap<Duration, usize> = times.iter().map(|&t| (t, 0)).collect();
    for l in rest {
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
    Line { name: "", points: sum.into_iter().collect(), suspect: false }
}

/// Where a value goes on the plot: the time range in the axis's unit, and
/// the count axis's ticks and top.
struct Frame {
    unit: &'static str,
    /// Seconds per `unit`.
    per_unit: f64,
    t0: f64,
    t1: f64,
    y_ticks: Vec<f64>,
    y_max: f64,
}

impl Frame {
    /// The frame that holds every point of `lines`.
    fn fit(lines: &[Line<'_>]) -> Frame {
        let span = lines.iter().flat_map(|l| l.points.last()).map(|p| p.0).max().unwrap_or(Duration::ZERO);
        let start = lines.iter().flat_map(|l| l.points.first()).map(|p| p.0).min().unwrap_or(Duration::ZERO);
        let max_live = lines.iter().map(Line::peak).max().unwrap_or(0).max(1);
        let (unit, per_unit) = time_unit(span);
        let t0 = start.as_secs_f64() / per_unit;
        let t1 = (span.as_secs_f64() / per_unit).max(t0 + 1e-9);
        let y_ticks = ticks(0.0, max_live as f64);
        let y_max = y_ticks.last().copied().unwrap_or(1.0).max(max_live as f64);
        Frame { unit, per_unit, t0, t1, y_ticks, y_max }
    }

    /// The horizontal pixel of a time given in the axis's unit.
    fn x_of_units(&self, t: f64) -> f64 {
        LEFT + (t - self.t0) / (self.t1 - self.t0) * (RIGHT - LEFT)
    }

    /// The horizontal pixel of time `t`.
    fn x(&self, t: Duration) -> f64 {
        self.x_of_units(t.as_secs_f64() / self.per_unit)
    }

    /// The vertical pixel of count `v`.
    fn y(&self, v: f64) -> f64 {
        BOTTOM - v / self.y_max * (BOTTOM - TOP)
    }
}

/// The grid, both axes, their tick labels and their units.
fn axes(out: &mut String, frame: &Frame) -> fmt::Result {
    out.push_str("<g class=\"grid\">");
    for v in &frame.y_ticks {
        write!(out, "<line x1=\"{LEFT}\" x2=\"{RIGHT}\" y1=\"{0:.1}\" y2=\"{0:.1}\"/>", frame.y(*v))?;
    }
    out.push_str("</g>\n<g class=\"axis y\">");
    write!(out, "<line x1=\"{LEFT}\" x2=\"{LEFT}\" y1=\"{TOP}\" y2=\"{BOTTOM}\"/>")?;
    for v in &frame.y_ticks {
        write!(
            out,
            "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\" dy=\"4\">{}</text>",
            LEFT - 6.0,
            frame.y(*v),
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
    for t in ticks(frame.t0, frame.t1) {
        let px = frame.x_of_units(t);
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
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">time since sampling started ({})</text></g>",
        (LEFT + RIGHT) / 2.0,
        BOTTOM + 38.0,
        frame.unit
    )
}

/// One polyline per line, suspects last so that they are drawn on top.
fn polylines(out: &mut String, lines: &[Line<'_>], others: usize, frame: &Frame) -> fmt::Result {
    let mut order: Vec<usize> = (0..lines.len()).collect();
    order.sort_by_key(|&i| lines[i].suspect);
    for &i in &order {
        let l = &lines[i];
        let (color, width, dash) = style(i, l);
        let class = if l.suspect { "series suspect" } else { "series" };
        write!(out, "<g class=\"{class}\" data-type=\"")?;
        esc(out, name(l, others).as_str());
        write!(out, "\"><title>")?;
        esc(out, &name(l, others));
        write!(out, "</title><polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"{width}\"{dash} points=\"")?;
        for (t, v) in thin(&l.points) {
            write!(out, "{:.1},{:.1} ", frame.x(t), frame.y(v as f64))?;
        }
        out.push_str("\"/></g>\n");
    }
    Ok(())
}

/// The legend, right of the plot, in the lines' order.
fn legend(out: &mut String, lines: &[Line<'_>], others: usize) -> fmt::Result {
    out.push_str("<g class=\"legend\">");
    for (i, l) in lines.iter().enumerate() {
        let (color, width, dash) = style(i, l);
        let ly = TOP + 8.0 + i as f64 * 20.0;
        write!(
            out,
            "<g class=\"legend-entry\"><line x1=\"{0}\" x2=\"{1}\" y1=\"{ly}\" y2=\"{ly}\" stroke=\"{color}\" \
             stroke-width=\"{width}\"{dash}/><text x=\"{2}\" y=\"{3}\"",
            RIGHT + 20.0,
            RIGHT + 44.0,
            RIGHT + 50.0,
            ly + 4.0
        )?;
        if l.suspect {
            write!(out, " font-weight=\"bold\" fill=\"{color}\"")?;
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
    out.push_str("</g>\n");
    Ok(())
}

fn name(l: &Line<'_>, others: usize) -> String {
    if l.name.is_empty() {
        format!("{others} other types")
    } else {
        l.name.to_owned()
    }
}

/// The colour, width and dash (a `stroke-dasharray` attribute, or nothing)
/// of line `i`. Suspects come first in `lines`, so `i` is a suspect's rank.
fn style(i: usize, l: &Line<'_>) -> (&'static str, f64, String) {
    if l.suspect {
        let (color, dash) = SUSPECT_STYLES[i % SUSPECT_STYLES.len()];
        let dash = if dash.is_empty() { String::new() } else { format!(" stroke-dasharray=\"{dash}\"") };
        (color, 3.0, dash)
    } else if l.name.is_empty() {
        (OTHERS, 1.5, String::new())
    } else {
        (PALETTE[i % PALETTE.len()], 1.5, String::new())
    }
}

/// Each suspect's short name just above the end of its line, in its colour;
/// names that would overlap are moved apart vertically.
fn line_end_names(out: &mut String, lines: &[Line<'_>], frame: &Frame) -> fmt::Result {
    let mut names: Vec<(usize, f64, f64)> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.suspect)
        .filter_map(|(i, l)| {
            l.points.last().map(|&(t, v)| (i, frame.x(t) - 4.0, (frame.y(v as f64) - 6.0).max(TOP + 10.0)))
        })
        .collect();
    names.sort_by(|a, b| a.2.total_cmp(&b.2));
    for k in 1..names.len() {
        names[k].2 = names[k].2.max(names[k - 1].2 + LABEL_GAP);
    }
    for (i, x, y) in names {
        let (color, _, _) = style(i, &lines[i]);
        write!(
            out,
            "<text class=\"line-end\" x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"end\" font-weight=\"bold\" \
             fill=\"{color}\">"
        )?;
        let short = lines[i].name.rsplit("::").next().unwrap_or(lines[i].name);
        esc(out, &shorten(short, 30));
        out.push_str("</text>\n");
    }
    Ok(())
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
