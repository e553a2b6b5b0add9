//! The HTML page, read as text: escaping, self-containment, sites, cycles,
//! the chart and the compiled-out page. `tests/it/browser.rs` renders it in
//! a real browser.

use crate::fixtures::ring_node;
use instrack::html::{self, Page};
use instrack::{track, Tracked};
use std::rc::Rc;
use std::sync::Arc;

fn render(page: &Page<'_>) -> String {
    let mut out = Vec::new();
    html::write(&mut out, page).unwrap();
    String::from_utf8(out).unwrap()
}

/// A value whose `Debug` is an attack on the page.
struct Hostile;
impl std::fmt::Debug for Hostile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<script>alert('pwned')</script><img src=x onerror=\"alert(1)\"> & more")
    }
}

#[test]
fn debug_text_is_escaped_not_markup() {
    let value = Arc::new(Hostile);
    track!(&value);
    let page = render(&Page::now());
    assert!(!page.contains("<script>alert"), "Debug text became a script element");
    assert!(!page.contains("<img"), "Debug text became an img element");
    if !instrack::ENABLED {
        assert!(page.contains("compiled out"));
        return;
    }
    assert!(page.contains("&lt;script&gt;alert(&#x27;pwned&#x27;)&lt;/script&gt;"), "the escaped Debug text is shown");
    assert!(page.contains("onerror=&quot;alert(1)&quot;"));
    assert!(page.contains("&amp; more"));
    drop(value);
}

#[test]
fn the_page_fetches_nothing() {
    let page = render(&Page::now());
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("Content-Security-Policy\" content=\"default-src 'none'"));
    for fetching in ["<link", "<img", "<iframe", " src=", "@import", "url(http", "https://"] {
        assert!(!page.contains(fetching), "the page contains {fetching:?}");
    }
    // The only URL is the SVG namespace, which is a name, not a fetch.
    assert_eq!(page.matches("http://").count(), page.matches("http://www.w3.org/2000/svg").count());
}

struct Crowd {
    _t: Tracked<Self>,
}

#[test]
fn instances_are_grouped_by_site_and_long_groups_collapse() {
    let crowd: Vec<Crowd> = (0..30).map(|_| Crowd { _t: track!() }).collect();
    let page = render(&Page::new(instrack::snapshot().narrow("Crowd")));
    if !instrack::ENABLED {
        assert!(page.contains("compiled out"));
        return;
    }
    let site = format!("{}:{}", file!(), line!() - 6);
    let summary = page.find(&site).expect("the creation site is listed");
    let group = &page[page[..summary].rfind("<details").unwrap()..];
    assert!(group.starts_with("<details class=\"site\"><summary>"), "30 instances start collapsed: {}", &group[..80]);
    assert!(group.contains("×30"));
    assert!(group.contains("… and 10 more"));
    assert_eq!(group[..group.find("</details>").unwrap()].matches("<tr>").count(), 20);
    drop(crowd);
}

struct Few {
    _t: Tracked<Self>,
}

#[test]
fn the_types_table_has_every_column_and_sorts() {
    let few: Vec<Few> = (0..2).map(|_| Few { _t: track!() }).collect();
    drop(Few { _t: track!() });
    let page = render(&Page::new(instrack::snapshot().narrow("Few")));
    if !instrack::ENABLED {
        return;
    }
    for key in ["type", "live", "total", "peak", "bytes", "growth"] {
        assert!(page.contains(&format!("<th data-key=\"{key}\"")), "column {key}");
    }
    assert!(page.contains("table.sortable") && page.contains("addEventListener(\"click\""));
    let row = &page[page.find("<td data-v=\"it::html::Few\">").expect("a row for Few")..];
    let row = &row[..row.find("</tr>").unwrap()];
    // live, total, peak, bytes (2 × the owner's size, which `track!()`
    // records), growth (no timeline: a dash)
    let cells: Vec<&str> = row.split("<td class=\"num\" ").skip(1).collect();
    assert_eq!(
        cells,
        [
            "data-v=\"2\">2</td>",
            "data-v=\"3\">3</td>",
            "data-v=\"3\">3</td>",
            "data-v=\"16\">16 B</td>",
            "data-v=\"0\">—</td>"
        ]
    );
    drop(few);
}

#[test]
fn the_types_table_estimates_the_bytes_shared_values_hold() {
    #[derive(Debug)]
    struct Blob(#[allow(dead_code)] [u8; 1024]);
    let blobs: Vec<std::sync::Arc<Blob>> = (0..3).map(|_| std::sync::Arc::new(Blob([0; 1024]))).collect();
    for b in &blobs {
        track!(b);
    }
    let page = render(&Page::new(instrack::snapshot().narrow("Blob")));
    if !instrack::ENABLED {
        return;
    }
    let row = &page[page
        .find("<td data-v=\"it::html::the_types_table_estimates_the_bytes_shared_values_hold::Blob\">")
        .expect("a row for Blob")..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("data-v=\"3072\">3.0 KiB</td>"), "{row}");
    drop(blobs);
}

ring_node!(Ring);

#[test]
fn each_leaked_cycle_is_drawn_with_its_dot_text() {
    let (a, b) = Ring::pair("a<b>", "b");
    let weak = Rc::downgrade(&a);
    drop((a, b));
    let cycles: Vec<_> = instrack::find_cycles()
        .into_iter()
        .filter(|c| c.members().iter().all(|m| m.instance().type_name().ends_with("Ring")))
        .collect();
    let page = render(&Page::new(instrack::snapshot().narrow("Ring")).cycles(cycles));
    if instrack::ENABLED {
        let section = &page[page.find("<section id=\"cycles\">").unwrap()..];
        assert!(section.contains("2 instances kept alive only by each other"));
        let drawing = &section[section.find("<svg class=\"cycle-graph\"").unwrap()..];
        let drawing = &drawing[..drawing.find("</svg>").unwrap()];
        assert_eq!(drawing.matches("<g class=\"node\">").count(), 2);
        assert_eq!(drawing.matches("class=\"edge\"").count(), 2);
        // Large enough to read (issue 18): nodes of 24 px radius, two of
        // them 180 px apart, in a drawing at least 380 px wide.
        let width: f64 = drawing[drawing.find("width=\"").unwrap() + 7..].split('"').next().unwrap().parse().unwrap();
        assert!(width >= 380.0, "{drawing}");
        assert!(drawing.contains(" r=\"24\""), "{drawing}");
        assert!(section.contains("<pre class=\"dot\">digraph"));
        assert!(!section.contains("a<b>") && section.contains("a&lt;b&gt;"), "Debug text in DOT and titles is escaped");
    }
    // Break the cycle so the test leaks nothing.
    if let Some(a) = weak.upgrade() {
        a.next.borrow_mut().take();
    }
}

ring_node!(PageSession);

/// A node that holds the next through a field whose name it is given: a
/// name with markup in it, and one too long for an arrow's label.
struct Knot {
    field: &'static str,
    next: std::cell::RefCell<Option<Rc<Knot>>>,
}

impl instrack::Trace for Knot {
    fn trace(&self, edges: &mut instrack::Edges<'_>) {
        edges.field(self.field, &self.next);
    }
}

#[test]
fn each_arrow_of_a_cycle_drawing_is_labelled_with_its_field() {
    const LONG: &str = "a_field_name_too_long_for_the_label";
    let a = Rc::new(Knot { field: "to<b>&", next: std::cell::RefCell::new(None) });
    let b = Rc::new(Knot { field: LONG, next: std::cell::RefCell::new(Some(a.clone())) });
    *a.next.borrow_mut() = Some(b.clone());
    track!(&a);
    track!(&b);
    let weak = Rc::downgrade(&a);
    drop((a, b));
    let cycles: Vec<_> = instrack::find_cycles()
        .into_iter()
        .filter(|c| c.members()[0].instance().type_name().ends_with("Knot"))
        .collect();
    let page = render(&Page::new(instrack::snapshot().narrow("Knot")).cycles(cycles));
    if instrack::ENABLED {
        let drawing = &page[page.find("<svg class=\"cycle-graph\"").unwrap()..];
        let drawing = &drawing[..drawing.find("</svg>").unwrap()];
        let labels: Vec<&str> = drawing.split("<text class=\"edge-label\"").skip(1).collect();
        assert_eq!(labels.len(), 2, "one label per arrow: {drawing}");
        let text = |label: &str| label[label.find("</title>").unwrap() + 8..label.find("</text>").unwrap()].to_owned();
        let mut shown: Vec<String> = labels.iter().map(|l| text(l)).collect();
        shown.sort();
        // Escaped, and the long one cut to 20 characters, whole in its tooltip.
        assert_eq!(shown, [".a_field_name_too_l…", ".to&lt;b&gt;&amp;"], "{drawing}");
        assert!(drawing.contains(&format!("<title>.{LONG}</title>")), "{drawing}");
        assert!(!drawing.contains("to<b>"), "{drawing}");
    }
    if let Some(a) = weak.upgrade() {
        a.next.borrow_mut().take();
    }
}

struct PageOpaque;

#[test]
fn each_shape_of_cycle_is_shown_once_with_its_count_path_and_the_untraced_types() {
    for _ in 0..4 {
        PageSession::looped("s");
    }
    let opaque = Arc::new(PageOpaque);
    track!(&opaque);
    let page = render(&Page::now());
    if !instrack::ENABLED {
        assert!(!page.contains("PageSession"));
        return;
    }
    let section = &page[page.find("<section id=\"cycles\">").unwrap()..];
    let section = &section[..section.find("</section>").unwrap()];
    let heading = "4 leaked cycles like this one, each of 1 instance kept alive only by itself";
    assert_eq!(section.matches(heading).count(), 1, "{section}");
    let shown = &section[section.find(heading).unwrap()..];
    let shown = &shown[..shown.find("</div></div>").unwrap()];
    assert!(shown.contains("PageSession #") && shown.contains(" .next → PageSession #"), "{shown}");
    assert_eq!(shown.matches("<svg class=\"cycle-graph\"").count(), 1, "one drawing per shape");
    assert!(section.contains("no <code>Trace</code> impl"), "{section}");
    assert!(section.contains("<code>it::html::PageOpaque</code>"), "{section}");
    assert!(section.contains("#[derive(instrack::Trace)]"), "{section}");
}

#[test]
fn compiled_out_the_page_says_so() {
    let page = render(&Page::now());
    assert_eq!(page.contains("tracking is compiled out"), !instrack::ENABLED);
    assert_eq!(page.contains("<section id=\"types\">"), instrack::ENABLED);
}

/// A synthetic timeline: per second for ten minutes, a leak on a sawtooth, a
/// healthy cache, a flat pool, and `extra` more flat types.
fn timeline(extra: usize, seconds: u64, every: u64) -> instrack::Timeline {
    let names: Vec<String> = (0..extra).map(|i| format!("app::Flat{i}")).collect();
    let mut timeline = instrack::Timeline::default();
    for second in (0..seconds).step_by(every as usize) {
        let cache = (second % 60) as usize * 50 / 60;
        let mut counts = vec![
            ("app::Cache<Key, Vec<u8>>", cache, second),
            ("app::Session", cache + (second * 10 / seconds) as usize * 5, second),
            ("app::Pool", 4, 4),
        ];
        counts.extend(names.iter().enumerate().map(|(i, n)| (n.as_str(), i % 7, i as u64)));
        timeline.record(std::time::Duration::from_secs(second), counts);
    }
    timeline
}

/// A snapshot with no instances, so that only the timeline's types show.
fn empty_snapshot() -> instrack::Snapshot {
    instrack::snapshot().narrow("NoSuchTypeAnywhere")
}

#[test]
fn the_chart_has_a_series_per_type_and_highlights_suspects() {
    let timeline = timeline(0, 600, 1);
    let page = render(&Page::new(empty_snapshot()).timeline(&timeline));
    if !instrack::ENABLED {
        assert!(page.contains("compiled out"));
        return;
    }
    let suspects = &page[page.find("<section id=\"suspects\">").unwrap()..];
    let suspects = &suspects[..suspects.find("</section>").unwrap()];
    assert!(suspects.contains("<span class=\"type\">app::Session</span>"), "{suspects}");
    assert!(suspects.contains("per minute"));
    // "since" says since what (issue 18).
    assert!(
        suspects.contains("\">growing since ") && suspects.contains(" after sampling started</span>"),
        "{suspects}"
    );
    assert!(!suspects.contains("app::Cache"), "a sawtooth with a flat floor is not a suspect");
    let chart = &page[page.find("<svg class=\"chart\"").unwrap()..];
    let chart = &chart[..chart.find("</svg>").unwrap()];
    assert_eq!(chart.matches("<g class=\"series").count(), 3);
    assert!(chart.contains("<g class=\"series suspect\" data-type=\"app::Session\">"));
    assert!(chart.contains("data-type=\"app::Cache&lt;Key, Vec&lt;u8&gt;&gt;\""), "type names are escaped");
    assert!(chart.contains("time since sampling started (min)"), "ten minutes are labelled in minutes");
    assert!(chart.contains(">live instances</text>"));
    assert_eq!(chart.matches("<g class=\"legend-entry\">").count(), 3);
    assert!(chart.contains("app::Session (suspect)"));
    // The header says how long it was sampled.
    assert!(page.contains("<dt>sampled for</dt><dd>9m59s</dd>"), "{}", &page[..2000]);
}

#[test]
fn fifty_types_over_a_day_stay_readable() {
    let timeline = timeline(50, 86_400, 10);
    let page = render(&Page::new(empty_snapshot()).timeline(&timeline));
    if !instrack::ENABLED {
        return;
    }
    let chart = &page[page.find("<svg class=\"chart\"").unwrap()..];
    let chart = &chart[..chart.find("</svg>").unwrap()];
    // The suspect, then the largest types, then one line for all the rest.
    let series = chart.matches("<g class=\"series").count();
    assert!(series <= 14, "{series} lines");
    assert!(chart.contains("other types\">"), "the rest are summed");
    assert!(chart.contains("data-type=\"app::Session\""));
    assert!(chart.contains("time since sampling started (h)"));
    for line in chart.split("points=\"").skip(1) {
        let points = line[..line.find('"').unwrap()].split_whitespace().count();
        assert!(points <= 800, "{points} points in one line");
    }
    assert!(page.len() < 1_000_000, "the page is {} bytes", page.len());
}

/// Issue 18: two or more suspects are told apart on the chart, each in its
/// own colour and dash, the same in the legend, and named at its line's end.
#[test]
fn suspects_on_the_chart_are_told_apart_and_named_at_their_line_ends() {
    let mut timeline = instrack::Timeline::default();
    for second in 0..600u64 {
        let n = second as usize;
        timeline.record(
            std::time::Duration::from_secs(second),
            [("app::Session", n / 2, second), ("app::CachedPage<Url>", n / 5, second), ("app::Pool", 4, 4)],
        );
    }
    let page = render(&Page::new(empty_snapshot()).timeline(&timeline));
    if !instrack::ENABLED {
        return;
    }
    let chart = &page[page.find("<svg class=\"chart\"").unwrap()..];
    let chart = &chart[..chart.find("</svg>").unwrap()];
    // The stroke attributes of each suspect's line.
    let line_of = |name: &str| -> String {
        let from = chart.find(&format!("<g class=\"series suspect\" data-type=\"{name}\">")).expect(name);
        let line = &chart[from..];
        let line = &line[line.find("<polyline").unwrap()..line.find(" points=").unwrap()];
        line.to_owned()
    };
    let (session, page_line) = (line_of("app::Session"), line_of("app::CachedPage&lt;Url&gt;"));
    assert_ne!(session, page_line, "two suspects drawn alike");
    assert!(page_line.contains("stroke-dasharray=\""), "the second suspect is dashed: {page_line}");
    let legend = &chart[chart.find("<g class=\"legend\">").unwrap()..];
    let entries: Vec<&str> = legend.split("<g class=\"legend-entry\">").skip(1).collect();
    assert!(
        entries[0].contains("app::Session (suspect)") && entries[1].contains("app::CachedPage&lt;Url&gt; (suspect)")
    );
    assert_eq!(entries[0].contains("stroke-dasharray"), session.contains("stroke-dasharray"));
    assert!(entries[1].contains(&page_line[page_line.find("stroke-dasharray").unwrap()..]), "{}", entries[1]);
    // Named at the end of each line, in its colour.
    let names: Vec<&str> = chart
        .split("<text class=\"line-end\"")
        .skip(1)
        .map(|t| &t[t.find('>').unwrap() + 1..t.find("</text>").unwrap()])
        .collect();
    assert_eq!(names.len(), 2, "{chart}");
    assert!(names.contains(&"Session") && names.contains(&"CachedPage&lt;Url&gt;"), "{names:?}");
}

struct Shrinker {
    _t: Tracked<Self>,
}

#[test]
fn the_growth_column_shows_shrinking_types_too() {
    let few: Vec<Shrinker> = (0..3).map(|_| Shrinker { _t: track!() }).collect();
    let mut timeline = instrack::Timeline::default();
    let name = std::any::type_name::<Shrinker>();
    timeline.record(std::time::Duration::ZERO, [(name, 10, 10)]);
    timeline.record(std::time::Duration::from_secs(1), [(name, 3, 10)]);
    let page = render(&Page::new(instrack::snapshot().narrow("Shrinker")).timeline(&timeline));
    if !instrack::ENABLED {
        return;
    }
    let row = &page[page.find("<td data-v=\"it::html::Shrinker\">").expect("a row for Shrinker")..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.ends_with("<td class=\"num\" data-v=\"-7\">-7</td>"), "{row}");
    drop(few);
}
