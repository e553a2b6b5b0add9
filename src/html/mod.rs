//! One self-contained HTML page of what is alive: the leak suspects, a chart
//! of live counts over time, a sortable table of types, the live instances by
//! creation site, and the leaked cycles. See [`Page`].
//!
//! The page is a single file: inline CSS, inline SVG and a dozen lines of
//! inline script (to sort the table). It fetches nothing, from the network or
//! from disk, so it renders offline, from `file://`, and as an attachment to a
//! bug report; its own `Content-Security-Policy` (`default-src 'none'`) makes
//! the browser refuse any fetch a future change might add.
//!
//! Everything that comes from the program (type names, `Debug` text, file
//! names, thread names) is HTML-escaped with the
//! [`html-escape`](https://docs.rs/html-escape) crate, the quoted-attribute
//! escaper (`&`, `<`, `>`, `"`, `'`) everywhere, text and attributes alike: a
//! `Debug` that prints `<script>` shows as text. That crate does exactly this
//! one job with no dependency of its own beyond `utf8-width`, and is kept up
//! to date; a templating engine would add a compile step and more than we use.
//! The charts are plain SVG written here: a plotting crate with an SVG
//! backend (`plotters`) would add dozens of crates and fonts for a few
//! polylines.

mod svg;

use crate::cycles::Cycle;
use crate::snapshot::{Instance, Snapshot};
use crate::text::{plural, Age, COMPILED_OUT, COMPILED_OUT_EXPLAINED};
use crate::Timeline;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How many live instances a creation site lists before "… and N more".
const INSTANCES_PER_SITE: usize = 20;
/// Sites with more instances than this start collapsed.
const OPEN_SITE_LIMIT: usize = 5;
/// How many creation sites the page lists.
const SITES_SHOWN: usize = 200;
/// How many leaked cycles the page draws.
const CYCLES_SHOWN: usize = 20;
/// How many of a suspect's most recent instances its site list looks at.
const RECENT_PER_SUSPECT: usize = 100;

/// The page's data: a snapshot, the leaked cycles, and a timeline when there
/// is one. Write it with [`write()`] or [`Page::write`].
///
/// # Examples
/// ```
/// let page = instrack::html::Page::now();
/// let mut out = Vec::new();
/// instrack::html::write(&mut out, &page).unwrap();
/// let text = String::from_utf8(out).unwrap();
/// assert!(text.starts_with("<!DOCTYPE html>"));
/// assert_eq!(text.contains("compiled out"), !instrack::ENABLED);
/// ```
///
/// With a timeline from a [`Sampler`](crate::Sampler):
/// ```no_run
/// use std::time::Duration;
///
/// let sampler = instrack::Sampler::start(Duration::from_secs(1));
/// // … the program runs …
/// let timeline = sampler.timeline();
/// let page = instrack::html::Page::now().timeline(&timeline).title("my server");
/// let mut file = std::fs::File::create("instrack.html").unwrap();
/// page.write(&mut file).unwrap();
/// ```
#[derive(Debug)]
pub struct Page<'a> {
    snapshot: Snapshot,
    cycles: Vec<Cycle>,
    timeline: Option<&'a Timeline>,
    title: Option<String>,
}

impl Page<'static> {
    /// A page of the program as it is now: [`snapshot()`](crate::snapshot)
    /// and [`find_cycles()`](crate::find_cycles), without a timeline.
    ///
    /// # Locking behaviour
    /// That of those two calls; no lock is held while the page is written.
    pub fn now() -> Page<'static> {
        Page::new(crate::snapshot()).cycles(crate::find_cycles())
    }

    /// A page of `snapshot`, with no cycles and no timeline.
    pub fn new(snapshot: Snapshot) -> Page<'static> {
        Page { snapshot, cycles: Vec::new(), timeline: None, title: None }
    }
}

impl<'a> Page<'a> {
    /// Draws these leaked cycles (from [`find_cycles`](crate::find_cycles)).
    pub fn cycles(mut self, cycles: Vec<Cycle>) -> Self {
        self.cycles = cycles;
        self
    }

    /// Adds the chart of live counts over time, the growth column and the
    /// suspects, from `timeline`.
    pub fn timeline<'b>(self, timeline: &'b Timeline) -> Page<'b>
    where
        'a: 'b,
    {
        Page { timeline: Some(timeline), ..self }
    }

    /// The page's title; the program's name by default.
    pub fn title(mut self, title: &str) -> Self {
        self.title = Some(title.to_owned());
        self
    }

    /// Writes the page to `out`; the same as [`write()`].
    ///
    /// # Errors
    /// Only those of `out`.
    pub fn write<W: io::Write + ?Sized>(&self, out: &mut W) -> io::Result<()> {
        out.write_all(self.render().as_bytes())
    }

    /// The page as one string.
    pub fn render(&self) -> String {
        let mut html = String::with_capacity(64 * 1024);
        // Writing to a `String` cannot fail.
        let _ = if crate::ENABLED { self.render_into(&mut html) } else { compiled_out(&mut html, self.page_title()) };
        html
    }

    fn page_title(&self) -> String {
        self.title.clone().unwrap_or_else(program)
    }

    fn render_into(&self, h: &mut String) -> std::fmt::Result {
        let title = self.page_title();
        head(h, &title)?;
        let live: usize = self.snapshot.types().map(|t| t.counts().live).sum();
        let types = self.snapshot.types().len();
        h.push_str("<header><h1>instrack: ");
        esc(h, &title);
        h.push_str("</h1>\n<dl class=\"facts\">");
        fact(h, "program", &program())?;
        fact(h, "build", build_mode())?;
        fact(h, "taken", &utc_now())?;
        match self.timeline {
            Some(t) => fact(h, "sampled for", &Age(t.span()).to_string())?,
            None => fact(h, "sampled for", "not sampled (no timeline)")?,
        }
        fact(h, "tracked types", &types.to_string())?;
        fact(h, "live instances", &live.to_string())?;
        fact(h, "leaked cycles", &self.cycles.len().to_string())?;
        h.push_str("</dl></header>\n<main>\n");
        self.suspects(h)?;
        self.chart(h)?;
        self.table(h)?;
        self.sites(h)?;
        self.cycles_section(h)?;
        h.push_str("</main>\n");
        h.push_str(SCRIPT);
        h.push_str("</body>\n</html>\n");
        Ok(())
    }

    fn suspects(&self, h: &mut String) -> std::fmt::Result {
        h.push_str("<section id=\"suspects\"><h2>Leak suspects</h2>\n");
        let Some(timeline) = self.timeline else {
            h.push_str(
                "<p class=\"note\">No timeline: suspects need samples over time. Start a \
                 <code>Sampler</code> and pass its timeline to the page.</p></section>\n",
            );
            return Ok(());
        };
        let suspects = timeline.suspects();
        if suspects.is_empty() {
            writeln!(
                h,
                "<p class=\"ok\">No type kept growing over the {} sampled.</p></section>",
                Age(timeline.span())
            )?;
            return Ok(());
        }
        h.push_str("<ol class=\"suspects\">\n");
        for s in &suspects {
            h.push_str("<li class=\"suspect\"><span class=\"type\">");
            esc(h, s.type_name());
            write!(
                h,
                "</span> <span class=\"rate\">{:+.1} per minute</span> <span class=\"since\">since {}</span>\
                 <div class=\"reason\">",
                s.per_minute(),
                Age(s.since())
            )?;
            esc(h, s.reason());
            h.push_str("</div>");
            let mut recent: Vec<&Instance> =
                self.snapshot.instances().filter(|i| i.type_name() == s.type_name()).collect();
            recent.sort_by_key(|i| i.age());
            recent.truncate(RECENT_PER_SUSPECT);
            if !recent.is_empty() {
                write!(h, "<div class=\"recent\">its {} most recent live instances were made at:<ul>", recent.len())?;
                for (site, group) in by_site(recent.iter().copied()) {
                    h.push_str("<li><code>");
                    esc(h, &site);
                    write!(h, "</code> ×{}", group.len())?;
                    if let Some(debug) = group[0].debug() {
                        h.push_str(" <span class=\"debug\">");
                        esc(h, debug);
                        h.push_str("</span>");
                    }
                    h.push_str("</li>");
                }
                h.push_str("</ul></div>");
            }
            h.push_str("</li>\n");
        }
        h.push_str("</ol></section>\n");
        Ok(())
    }

    fn chart(&self, h: &mut String) -> std::fmt::Result {
        h.push_str("<section id=\"chart\"><h2>Live instances over time</h2>\n");
        match self.timeline {
            Some(t) if t.series().iter().any(|s| !s.points().is_empty()) => svg::chart(h, t)?,
            _ => h.push_str("<p class=\"note\">No timeline to chart.</p>"),
        }
        h.push_str("</section>\n");
        Ok(())
    }

    fn table(&self, h: &mut String) -> std::fmt::Result {
        // First sample to last, as `Timeline::growth` counts it, but shrinking
        // types too: that one lists only the types that grew.
        let growth: HashMap<&str, i64> = match self.timeline {
            Some(t) => t
                .series()
                .iter()
                .filter_map(|s| {
                    let (first, last) = (s.points().first()?, s.points().last()?);
                    Some((s.type_name(), last.live() as i64 - first.live() as i64))
                })
                .collect(),
            None => HashMap::new(),
        };
        h.push_str(
            "<section id=\"types\"><h2>Tracked types</h2>\n<p class=\"note\">Click a column's header to sort \
             by it.</p>\n<table class=\"sortable\" id=\"types-table\"><thead><tr>\
             <th data-key=\"type\">type</th><th data-key=\"live\" class=\"num\" aria-sort=\"descending\">live</th>\
             <th data-key=\"total\" class=\"num\">total</th><th data-key=\"peak\" class=\"num\">peak</th>\
             <th data-key=\"bytes\" class=\"num\" title=\"size of the value at registration × live; \
             shared values only\">est. bytes</th><th data-key=\"growth\" class=\"num\">growth</th></tr></thead>\n<tbody>\n",
        );
        for t in self.snapshot.types() {
            let c = t.counts();
            h.push_str("<tr><td data-v=\"");
            esc(h, t.name());
            h.push_str("\">");
            esc(h, t.name());
            write!(
                h,
                "</td><td class=\"num\" data-v=\"{0}\">{0}</td><td class=\"num\" data-v=\"{1}\">{1}</td>\
                 <td class=\"num\" data-v=\"{2}\">{2}</td>",
                c.live, c.total, c.peak
            )?;
            // Known for values tracked with `track!(&value)`, whose size was
            // seen at registration; a `Tracked` field's owner was not built yet.
            match t.estimated_bytes() {
                Some(b) => write!(h, "<td class=\"num\" data-v=\"{b}\">{}</td>", crate::text::Bytes(b))?,
                None => h.push_str("<td class=\"num\" data-v=\"-1\">—</td>"),
            }
            match growth.get(t.name()) {
                Some(0) => h.push_str("<td class=\"num\" data-v=\"0\">0</td></tr>\n"),
                Some(g) => writeln!(h, "<td class=\"num\" data-v=\"{g}\">{g:+}</td></tr>")?,
                // Not sampled (made after the last sample), or no timeline.
                None => h.push_str("<td class=\"num\" data-v=\"0\">—</td></tr>\n"),
            }
        }
        h.push_str("</tbody></table></section>\n");
        Ok(())
    }

    fn sites(&self, h: &mut String) -> std::fmt::Result {
        h.push_str("<section id=\"sites\"><h2>Live instances by creation site</h2>\n");
        let mut groups: HashMap<(&str, &str, u32), Vec<&Instance>> = HashMap::new();
        for i in self.snapshot.instances() {
            groups.entry((i.type_name(), i.file(), i.line())).or_default().push(i);
        }
        if groups.is_empty() {
            h.push_str("<p class=\"note\">No live tracked instance.</p></section>\n");
            return Ok(());
        }
        let mut groups: Vec<_> = groups.into_iter().collect();
        groups.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
        let hidden = groups.len().saturating_sub(SITES_SHOWN);
        for ((type_name, file, line), instances) in groups.into_iter().take(SITES_SHOWN) {
            let open = if instances.len() <= OPEN_SITE_LIMIT { " open" } else { "" };
            write!(h, "<details class=\"site\"{open}><summary><code>")?;
            esc(h, file);
            write!(h, ":{line}</code> <span class=\"type\">")?;
            esc(h, type_name);
            writeln!(h, "</span> ×{}</summary>\n<table class=\"instances\"><tbody>", instances.len())?;
            // Snapshots list instances oldest first; the group keeps that order.
            for i in instances.iter().take(INSTANCES_PER_SITE) {
                write!(h, "<tr><td class=\"num\">#{}</td><td>thread ", i.id())?;
                esc(h, i.thread());
                write!(h, "</td><td>age {}</td><td class=\"debug\">", Age(i.age()))?;
                if let Some(debug) = i.debug() {
                    esc(h, debug);
                }
                h.push_str("</td></tr>\n");
            }
            h.push_str("</tbody></table>");
            if instances.len() > INSTANCES_PER_SITE {
                write!(h, "<p class=\"more\">… and {} more</p>", instances.len() - INSTANCES_PER_SITE)?;
            }
            h.push_str("</details>\n");
        }
        if hidden > 0 {
            write!(h, "<p class=\"more\">… and {hidden} more sites</p>")?;
        }
        h.push_str("</section>\n");
        Ok(())
    }

    fn cycles_section(&self, h: &mut String) -> std::fmt::Result {
        h.push_str("<section id=\"cycles\"><h2>Leaked reference cycles</h2>\n");
        if self.cycles.is_empty() {
            h.push_str(
                "<p class=\"ok\">No leaked cycle among the tracked <code>Arc</code>/<code>Rc</code> \
                 instances whose types implement <code>Trace</code>.</p></section>\n",
            );
            return Ok(());
        }
        for cycle in self.cycles.iter().take(CYCLES_SHOWN) {
            let n = cycle.members().len();
            write!(
                h,
                "<div class=\"cycle\"><h3>{n} instance{} kept alive only by each other{}</h3>\
                 <div class=\"cycle-body\">",
                plural(n),
                match cycle.kept_alive().len() {
                    0 => String::new(),
                    k => format!(", keeping {k} more alive"),
                }
            )?;
            svg::cycle(h, cycle)?;
            h.push_str("<pre class=\"dot\">");
            esc(h, &cycle.to_dot());
            h.push_str("</pre></div></div>\n");
        }
        if self.cycles.len() > CYCLES_SHOWN {
            write!(h, "<p class=\"more\">… and {} more cycles</p>", self.cycles.len() - CYCLES_SHOWN)?;
        }
        h.push_str("</section>\n");
        Ok(())
    }
}

/// Writes `page` to `out` as one self-contained HTML file; see [`Page`].
/// When tracking is compiled out, the page says so and how to turn it on.
///
/// # Errors
/// Only those of `out`.
pub fn write<W: io::Write + ?Sized>(out: &mut W, page: &Page<'_>) -> io::Result<()> {
    page.write(out)
}

/// Instances grouped by `file:line`, largest group first.
fn by_site<'i>(instances: impl Iterator<Item = &'i Instance>) -> Vec<(String, Vec<&'i Instance>)> {
    let mut groups: HashMap<(&str, u32), Vec<&Instance>> = HashMap::new();
    for i in instances {
        groups.entry((i.file(), i.line())).or_default().push(i);
    }
    let mut groups: Vec<_> = groups.into_iter().map(|((f, l), g)| (format!("{f}:{l}"), g)).collect();
    groups.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
    groups
}

/// Appends `text` HTML-escaped; safe in element text and in quoted attributes.
pub(crate) fn esc(h: &mut String, text: &str) {
    html_escape::encode_quoted_attribute_to_string(text, h);
}

fn fact(h: &mut String, name: &str, value: &str) -> std::fmt::Result {
    write!(h, "<div><dt>{name}</dt><dd>")?;
    esc(h, value);
    h.push_str("</dd></div>");
    Ok(())
}

fn program() -> String {
    std::env::args_os()
        .next()
        .map(|a| std::path::Path::new(&a).file_name().unwrap_or(&a).to_string_lossy().into_owned())
        .unwrap_or_else(|| "program".to_owned())
}

fn build_mode() -> &'static str {
    match (crate::ENABLED, cfg!(debug_assertions)) {
        (true, true) => "debug build: tracking on (debug_assertions)",
        (true, false) => "release build: tracking on (the `tracking` feature)",
        (false, _) => "release build: tracking compiled out",
    }
}

/// The time now as `YYYY-MM-DD HH:MM:SS UTC`.
fn utc_now() -> String {
    utc(SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO).as_secs())
}

/// `secs` after the Unix epoch as `YYYY-MM-DD HH:MM:SS UTC`.
fn utc(secs: u64) -> String {
    let (days, rest) = ((secs / 86_400) as i64, secs % 86_400);
    // Days to a civil date: Howard Hinnant's `civil_from_days`.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC", rest / 3600, rest % 3600 / 60, rest % 60)
}

/// The `<head>`: the content security policy forbids every fetch; only the
/// page's own inline style and script run.
fn head(h: &mut String, title: &str) -> std::fmt::Result {
    h.push_str(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; \
         script-src 'unsafe-inline'\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>instrack: ",
    );
    esc(h, title);
    h.push_str("</title>\n");
    h.push_str(STYLE);
    h.push_str("</head>\n<body>\n");
    Ok(())
}

fn compiled_out(h: &mut String, title: String) -> std::fmt::Result {
    head(h, &title)?;
    // The report's own words, wrapped: a heading and the explanation as is.
    h.push_str("<header><h1>instrack: ");
    esc(h, COMPILED_OUT);
    h.push_str("</h1></header>\n<main><section id=\"compiled-out\"><pre style=\"white-space: pre-wrap\">");
    esc(h, COMPILED_OUT_EXPLAINED);
    h.push_str("</pre></section></main>\n</body>\n</html>\n");
    Ok(())
}

const STYLE: &str = r#"<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 0 1.5em 2em; color: #1d1d1f; background: #fff; }
h1 { font-size: 1.5em; margin: .6em 0 .3em; }
h2 { font-size: 1.2em; border-bottom: 1px solid #ddd; padding-bottom: .2em; margin-top: 1.5em; }
h3 { font-size: 1em; }
code, pre, .debug, .type { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12.5px; }
.facts { display: flex; flex-wrap: wrap; gap: .3em 2em; margin: 0; }
.facts div { display: flex; gap: .4em; } .facts dt { color: #666; } .facts dd { margin: 0; font-weight: 600; }
.note, .more { color: #666; } .ok { color: #1a7f37; }
ol.suspects { padding-left: 1.4em; } li.suspect { margin-bottom: .8em; }
li.suspect > .type { font-weight: 700; color: #b3261e; } .rate { font-weight: 600; } .since, .reason { color: #555; }
table { border-collapse: collapse; } td, th { padding: .15em .7em; text-align: left; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
table.sortable th { cursor: pointer; user-select: none; background: #f3f3f5; border-bottom: 1px solid #ccc; }
table.sortable th[aria-sort=ascending]::after { content: " ▲"; } table.sortable th[aria-sort=descending]::after { content: " ▼"; }
table.sortable tbody tr:nth-child(even) { background: #fafafa; }
details.site { margin: .2em 0; } details.site summary { cursor: pointer; }
table.instances { margin: .2em 0 .4em 1.5em; color: #333; } table.instances td { white-space: nowrap; vertical-align: top; } table.instances td.debug { white-space: pre-wrap; word-break: break-all; min-width: 30em; }
.cycle-body { display: flex; gap: 1.5em; align-items: flex-start; flex-wrap: wrap; }
pre.dot { background: #f6f8fa; padding: .6em; max-width: 40em; max-height: 24em; overflow: auto; }
svg text { font: 11px system-ui, sans-serif; fill: #333; }
svg .axis line, svg .axis path { stroke: #999; } svg .grid line { stroke: #eee; }
</style>
"#;

/// Sorts `table.sortable` by the clicked column: numerically when both
/// cells' `data-v` are numbers, else as text; a second click reverses.
const SCRIPT: &str = r#"<script>
document.querySelectorAll("table.sortable").forEach(function (table) {
  var heads = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(heads, function (th, col) {
    th.addEventListener("click", function () {
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[col].getAttribute("data-v"), y = b.cells[col].getAttribute("data-v");
        var nx = parseFloat(x), ny = parseFloat(y);
        var c = isNaN(nx) || isNaN(ny) ? x.localeCompare(y) : nx - ny;
        return ascending ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
      Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    });
  });
});
</script>
"#;

#[cfg(test)]
mod tests {
    #[test]
    fn dates_are_civil_dates() {
        let cases = [
            (0, "1970-01-01 00:00:00 UTC"),
            (951_782_399, "2000-02-28 23:59:59 UTC"),
            (951_868_800, "2000-03-01 00:00:00 UTC"), // 2000-02-29 existed
            (4_107_542_399, "2100-02-28 23:59:59 UTC"),
            (4_107_542_400, "2100-03-01 00:00:00 UTC"), // the next second: 2100-02-29 did not
            (1_795_862_764, "2026-11-28 10:46:04 UTC"),
        ];
        for (secs, text) in cases {
            assert_eq!(super::utc(secs), text);
        }
    }
}
