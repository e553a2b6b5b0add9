//! The page's fixed parts: the `<head>` with its content security policy,
//! the inline style and script, and the whole page shown when tracking is
//! compiled out.

use super::esc;
use crate::text::{COMPILED_OUT, COMPILED_OUT_EXPLAINED};

/// The page's content security policy: it forbids every fetch; only the
/// page's own inline style and script run. The page states it in its
/// `<head>`, and the HTTP endpoint sends it as a header too.
pub(crate) const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'";

/// The `<head>`, with the [`CONTENT_SECURITY_POLICY`].
pub(super) fn head(out: &mut String, title: &str) -> std::fmt::Result {
    out.push_str(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"",
    );
    out.push_str(CONTENT_SECURITY_POLICY);
    out.push_str("\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>instrack: ");
    esc(out, title);
    out.push_str("</title>\n");
    out.push_str(STYLE);
    out.push_str("</head>\n<body>\n");
    Ok(())
}

pub(super) fn compiled_out(out: &mut String, title: String) -> std::fmt::Result {
    head(out, &title)?;
    // The report's own words, wrapped: a heading and the explanation as is.
    out.push_str("<header><h1>instrack: ");
    esc(out, COMPILED_OUT);
    out.push_str("</h1></header>\n<main><section id=\"compiled-out\"><pre style=\"white-space: pre-wrap\">");
    esc(out, COMPILED_OUT_EXPLAINED);
    out.push_str("</pre></section></main>\n</body>\n</html>\n");
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
svg text { font: 11px system-ui, sans-serif; } svg text:not([fill]) { fill: #333; } .cycle-graph text { font-size: 13px; }
svg .axis line, svg .axis path { stroke: #999; } svg .grid line { stroke: #eee; }
</style>
"#;

/// Sorts `table.sortable` by the clicked column: numerically when both
/// cells' `data-v` are numbers, else as text; a second click reverses.
pub(super) const SCRIPT: &str = r#"<script>
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
