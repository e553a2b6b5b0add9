//! The page's five sections, in the order the page shows them: the leak
//! suspects, the chart, the table of types, the live instances by creation
//! site, the leaked cycles. Each writes one `<section>`, and says in a note
//! why it is empty when it is.

use super::{esc, svg, Page};
use crate::text::{plural, Age, Bytes};
use crate::{Instance, SiteGroup};
use std::collections::HashMap;
use std::fmt::{self, Write as _};

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

impl Page<'_> {
    /// Each suspect of the timeline: its rate, the reason, and where its
    /// recent instances were made.
    pub(super) fn suspects(&self, out: &mut String) -> fmt::Result {
        out.push_str("<section id=\"suspects\"><h2>Leak suspects</h2>\n");
        let Some(timeline) = self.timeline else {
            out.push_str(
                "<p class=\"note\">No timeline: suspects need samples over time. Start a \
                 <code>Sampler</code> and pass its timeline to the page.</p></section>\n",
            );
            return Ok(());
        };
        let suspects = timeline.suspects();
        if suspects.is_empty() {
            writeln!(
                out,
                "<p class=\"ok\">No type kept growing over the {} sampled.</p></section>",
                Age(timeline.span())
            )?;
            return Ok(());
        }
        out.push_str("<ol class=\"suspects\">\n");
        // The instances grouped by type once, not scanned once per suspect.
        let mut by_type: HashMap<&str, Vec<&Instance>> = HashMap::new();
        for i in self.snapshot.instances() {
            by_type.entry(i.type_name()).or_default().push(i);
        }
        for suspect in &suspects {
            out.push_str("<li class=\"suspect\"><span class=\"type\">");
            esc(out, suspect.type_name());
            write!(
                out,
                "</span> <span class=\"rate\">{:+.1} per minute</span> <span class=\"since\" title=\"the last \
                 moment its live count was as low as at the start of the sampled window\">growing since {} after \
                 sampling started</span><div class=\"reason\">",
                suspect.per_minute(),
                Age(suspect.since())
            )?;
            esc(out, suspect.reason());
            out.push_str("</div>");
            Self::recent_sites(out, by_type.remove(suspect.type_name()).unwrap_or_default())?;
            out.push_str("</li>\n");
        }
        out.push_str("</ol></section>\n");
        Ok(())
    }

    /// Where the most recent of a type's live instances `recent` were made:
    /// one line per site, with the `Debug` text of its youngest instance there.
    fn recent_sites(out: &mut String, mut recent: Vec<&Instance>) -> fmt::Result {
        if recent.is_empty() {
            return Ok(());
        }
        recent.sort_by_key(|i| i.age());
        recent.truncate(RECENT_PER_SUSPECT);
        write!(out, "<div class=\"recent\">its {} most recent live instances were made at:<ul>", recent.len())?;
        let by_id: HashMap<u64, &Instance> = recent.iter().map(|i| (i.id(), *i)).collect();
        for group in SiteGroup::group(recent.iter().copied()) {
            out.push_str("<li>");
            site(out, &group)?;
            write!(out, " ×{}", group.count())?;
            // A group keeps the order it was given: youngest first.
            if let Some(debug) = group.ids().first().and_then(|id| by_id.get(id)).and_then(|i| i.debug()) {
                out.push_str(" <span class=\"debug\">");
                esc(out, debug);
                out.push_str("</span>");
            }
            out.push_str("</li>");
        }
        out.push_str("</ul></div>");
        Ok(())
    }

    /// The chart of live counts over time, when the timeline has samples.
    pub(super) fn chart(&self, out: &mut String) -> fmt::Result {
        out.push_str("<section id=\"chart\"><h2>Live instances over time</h2>\n");
        match self.timeline {
            Some(t) if t.series().iter().any(|s| !s.points().is_empty()) => svg::chart(out, t)?,
            _ => out.push_str("<p class=\"note\">No timeline to chart.</p>"),
        }
        out.push_str("</section>\n");
        Ok(())
    }

    /// The sortable table of tracked types: counts, estimated bytes, growth.
    pub(super) fn table(&self, out: &mut String) -> fmt::Result {
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
        out.push_str(
            "<section id=\"types\"><h2>Tracked types</h2>\n<p class=\"note\">Click a column's header to sort \
             by it.</p>\n<table class=\"sortable\" id=\"types-table\"><thead><tr>\
             <th data-key=\"type\">type</th><th data-key=\"live\" class=\"num\" aria-sort=\"descending\">live</th>\
             <th data-key=\"total\" class=\"num\">total</th><th data-key=\"peak\" class=\"num\">peak</th>\
             <th data-key=\"bytes\" class=\"num\" title=\"size of one value × live: the value itself, \
             not what it points to\">est. bytes</th><th data-key=\"growth\" class=\"num\">growth</th></tr></thead>\n<tbody>\n",
        );
        for t in self.snapshot.types() {
            let c = t.counts();
            out.push_str("<tr><td data-v=\"");
            esc(out, t.name());
            out.push_str("\">");
            esc(out, t.name());
            write!(
                out,
                "</td><td class=\"num\" data-v=\"{0}\">{0}</td><td class=\"num\" data-v=\"{1}\">{1}</td>\
                 <td class=\"num\" data-v=\"{2}\">{2}</td>",
                c.live, c.total, c.peak
            )?;
            // Known for every type a `track!` registered (see `estimated_bytes`).
            match t.estimated_bytes() {
                Some(b) => write!(out, "<td class=\"num\" data-v=\"{b}\">{}</td>", Bytes(b))?,
                None => out.push_str("<td class=\"num\" data-v=\"-1\">—</td>"),
            }
            match growth.get(t.name()) {
                Some(0) => out.push_str("<td class=\"num\" data-v=\"0\">0</td></tr>\n"),
                Some(g) => writeln!(out, "<td class=\"num\" data-v=\"{g}\">{g:+}</td></tr>")?,
                // Not sampled (made after the last sample), or no timeline.
                None => out.push_str("<td class=\"num\" data-v=\"0\">—</td></tr>\n"),
            }
        }
        out.push_str("</tbody></table></section>\n");
        Ok(())
    }

    /// The live instances by creation site, largest group first, each a
    /// `<details>` listing its oldest instances.
    pub(super) fn sites(&self, out: &mut String) -> fmt::Result {
        out.push_str("<section id=\"sites\"><h2>Live instances by creation site</h2>\n");
        let by_site = self.snapshot.by_site();
        if by_site.groups().len() == 0 {
            out.push_str("<p class=\"note\">No live tracked instance.</p></section>\n");
            return Ok(());
        }
        let instances: HashMap<u64, &Instance> = self.snapshot.instances().map(|i| (i.id(), i)).collect();
        let hidden = by_site.groups().len().saturating_sub(SITES_SHOWN);
        for group in by_site.groups().take(SITES_SHOWN) {
            let count = group.count();
            let open = if count <= OPEN_SITE_LIMIT { " open" } else { "" };
            write!(out, "<details class=\"site\"{open}><summary>")?;
            site(out, group)?;
            out.push_str(" <span class=\"type\">");
            esc(out, group.type_name());
            write!(out, "</span> ×{count}")?;
            match group.tasks() {
                [] => {}
                [task] => write!(out, " · task {task}")?,
                tasks => write!(out, " · {} tasks", tasks.len())?,
            }
            if !group.tasks().is_empty() && group.outside_tasks() > 0 {
                write!(out, " · {} outside any task", group.outside_tasks())?;
            }
            writeln!(out, "</summary>\n<table class=\"instances\"><tbody>")?;
            // A group lists its ids oldest first, as the snapshot does.
            for i in group.ids().iter().take(INSTANCES_PER_SITE).filter_map(|id| instances.get(id)) {
                write!(out, "<tr><td class=\"num\">#{}</td><td>thread ", i.id())?;
                esc(out, i.thread());
                if let Some(task) = i.task() {
                    write!(out, " · task {task}")?;
                }
                write!(out, "</td><td>age {}</td><td class=\"debug\">", Age(i.age()))?;
                if let Some(debug) = i.debug() {
                    esc(out, debug);
                }
                out.push_str("</td></tr>\n");
            }
            out.push_str("</tbody></table>");
            if count > INSTANCES_PER_SITE {
                write!(out, "<p class=\"more\">… and {} more</p>", count - INSTANCES_PER_SITE)?;
            }
            out.push_str("</details>\n");
        }
        if hidden > 0 {
            write!(out, "<p class=\"more\">… and {hidden} more sites</p>")?;
        }
        out.push_str("</section>\n");
        Ok(())
    }

    /// Each shape of leaked cycle once, with its count: the walk around it
    /// with the fields of each reference, one cycle of it drawn and as DOT
    /// text; then the tracked types the analysis could not see through.
    pub(super) fn cycles_section(&self, out: &mut String) -> fmt::Result {
        out.push_str("<section id=\"cycles\"><h2>Leaked reference cycles</h2>\n");
        if self.cycles.is_empty() {
            out.push_str(
                "<p class=\"ok\">No leaked cycle among the tracked <code>Arc</code>/<code>Rc</code> \
                 instances whose types implement <code>Trace</code>.</p>\n",
            );
        }
        let groups = self.cycles.groups();
        for group in groups.iter().take(CYCLES_SHOWN) {
            let cycle = group.example();
            out.push_str("<div class=\"cycle\"><h3>");
            match group.count() {
                1 => esc(out, &format!("leaked cycle of {}", cycle.headline())),
                n => esc(out, &format!("{n} leaked cycles like this one, each of {}", cycle.headline())),
            }
            out.push_str("</h3><p class=\"cycle-path\"><code>");
            esc(out, &cycle.loop_text());
            out.push_str("</code></p><div class=\"cycle-body\">");
            svg::cycle(out, cycle)?;
            out.push_str("<pre class=\"dot\">");
            for line in cycle.to_dot().lines() {
                esc(out, line);
                out.push('\n');
            }
            out.push_str("</pre></div></div>\n");
        }
        if groups.len() > CYCLES_SHOWN {
            write!(out, "<p class=\"more\">… and {} more shapes of cycle</p>", groups.len() - CYCLES_SHOWN)?;
        }
        let untraced = self.cycles.untraced();
        if !untraced.is_empty() {
            write!(
                out,
                "<p class=\"note untraced\">Not seen through: {} tracked type{} with live shared instances \
                 and no <code>Trace</code> impl; a cycle through them is not found. Add \
                 <code>#[derive(instrack::Trace)]</code> (feature <code>derive</code>) or implement \
                 <code>instrack::Trace</code>:",
                untraced.len(),
                plural(untraced.len())
            )?;
            for name in untraced {
                out.push_str(" <code>");
                esc(out, name);
                out.push_str("</code>");
            }
            out.push_str("</p>\n");
        }
        out.push_str("</section>\n");
        Ok(())
    }
}

/// Writes a site group's `file:line` as code. Groups made with backtraces
/// on split by backtrace as well as by site (see [`SiteGroup::backtrace`]):
/// the tooltip then shows which.
fn site(out: &mut String, group: &SiteGroup) -> fmt::Result {
    out.push_str("<code");
    if let Some(backtrace) = group.backtrace() {
        out.push_str(" title=\"");
        for (i, frame) in backtrace.frames().iter().enumerate() {
            if i > 0 {
                out.push_str("&#10;"); // a line break in the tooltip
            }
            esc(out, frame);
        }
        out.push('"');
    }
    out.push('>');
    esc(out, group.file());
    write!(out, ":{}</code>", group.line())
}
