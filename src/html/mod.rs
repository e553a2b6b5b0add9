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

// The rooms of this module:
// - `mod.rs`: `Page`, its builder, and the page's frame (head, facts, the
//   sections in order);
// - `sections.rs`: the five sections (suspects, chart, types, sites, cycles);
// - `svg/`: the drawings (`chart.rs`: live counts over time; `cycle.rs`: the
//   graph of a leaked cycle);
// - `assets.rs`: the fixed parts (the `<head>` with its CSP, the style, the
//   script, the compiled-out page);
// - `date.rs`: the header's date, as civil UTC without a date crate.

mod assets;
mod date;
mod sections;
mod svg;

pub(crate) use assets::CONTENT_SECURITY_POLICY;

use crate::cycles::Cycle;
use crate::snapshot::Snapshot;
use crate::text::Age;
use crate::Timeline;
use std::fmt::Write as _;
use std::io;

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
        let _ = if crate::ENABLED {
            self.render_into(&mut html)
        } else {
            assets::compiled_out(&mut html, self.page_title())
        };
        html
    }

    fn page_title(&self) -> String {
        self.title.clone().unwrap_or_else(program)
    }

    fn render_into(&self, out: &mut String) -> std::fmt::Result {
        let title = self.page_title();
        assets::head(out, &title)?;
        let live: usize = self.snapshot.types().map(|t| t.counts().live).sum();
        let types = self.snapshot.types().len();
        out.push_str("<header><h1>instrack: ");
        esc(out, &title);
        out.push_str("</h1>\n<dl class=\"facts\">");
        fact(out, "program", &program())?;
        fact(out, "build", build_mode())?;
        fact(out, "taken", &date::utc_now())?;
        match self.timeline {
            Some(t) => fact(out, "sampled for", &Age(t.span()).to_string())?,
            None => fact(out, "sampled for", "not sampled (no timeline)")?,
        }
        fact(out, "tracked types", &types.to_string())?;
        fact(out, "live instances", &live.to_string())?;
        fact(out, "leaked cycles", &self.cycles.len().to_string())?;
        out.push_str("</dl></header>\n<main>\n");
        self.suspects(out)?;
        self.chart(out)?;
        self.table(out)?;
        self.sites(out)?;
        self.cycles_section(out)?;
        out.push_str("</main>\n");
        out.push_str(assets::SCRIPT);
        out.push_str("</body>\n</html>\n");
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
/// Appends `text` HTML-escaped; safe in element text and in quoted
/// attributes. Escaped as plain text first (`crate::text::escape`), so that
/// no control character (a terminal escape, a line break) reaches the page
/// raw: a multi-line text is escaped line by line.
pub(crate) fn esc(out: &mut String, text: &str) {
    html_escape::encode_quoted_attribute_to_string(crate::text::escape(text), out);
}

fn fact(out: &mut String, name: &str, value: &str) -> std::fmt::Result {
    write!(out, "<div><dt>{name}</dt><dd>")?;
    esc(out, value);
    out.push_str("</dd></div>");
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

#[cfg(test)]
mod tests {
    proptest::proptest! {
        #[test]
        fn no_text_adds_markup_nor_a_control_character(text in "(?s)(.|[<>&\"'\n\r\x1b\u{2028}])*") {
            let mut out = String::new();
            super::esc(&mut out, &text);
            // Nothing can open an element or end a quoted attribute, and no
            // control character reaches the page raw.
            proptest::prop_assert!(!out.contains(['<', '>', '"', '\'']), "{}", out);
            proptest::prop_assert!(!out.chars().any(|c| c.is_control() || c == '\u{2028}'), "{}", out);
        }
    }
}
