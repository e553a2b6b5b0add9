//! What each path answers. [`ROUTES`] is the one list of paths: the router
//! dispatches on it, the 404 text lists it, the compiled-out mode answers
//! `200` for it, and a test checks that the route tables of [`serve`](super::serve)'s
//! docs and of the README list it. A request's `Host` is judged first
//! ([`host`](super::host)).

use super::host::{self, Verdict};
use super::ServerState;
use crate::html::Page;
use std::net::IpAddr;

/// The parts of a request the router reads.
pub(super) struct Head {
    pub(super) method: String,
    pub(super) path: String,
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    pub(super) minor_version: u8,
    /// The value of each `Host` header, as sent.
    pub(super) hosts: Vec<Vec<u8>>,
    /// The address the client connected to.
    pub(super) reached: Option<IpAddr>,
}

/// An answer: status, content and, for `405`, the `Allow` header.
pub(super) struct Answer {
    pub(super) status: u16,
    pub(super) content_type: &'static str,
    pub(super) body: Vec<u8>,
    pub(super) allow: bool,
}

impl Answer {
    pub(super) fn text(status: u16, body: &str) -> Answer {
        Answer { status, content_type: TEXT, body: body.as_bytes().to_vec(), allow: false }
    }
    fn ok(content_type: &'static str, body: Vec<u8>) -> Answer {
        Answer { status: 200, content_type, body, allow: false }
    }
}

const HTML: &str = "text/html; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";
const JSON: &str = "application/json";
const DOT: &str = "text/vnd.graphviz; charset=utf-8";

/// A path the server answers, and how.
pub(super) struct Route {
    /// The path, as the 404 text and the docs list it.
    pub(super) path: &'static str,
    /// Other paths answered the same, and listed nowhere.
    aliases: &'static [&'static str],
    /// Builds the answer, with tracking compiled in.
    build: fn(&ServerState) -> Answer,
}

impl Route {
    fn serves(&self, path: &str) -> bool {
        self.path == path || self.aliases.contains(&path)
    }
}

/// Every route. No route changes the program's state.
pub(super) const ROUTES: &[Route] = &[
    Route { path: "/", aliases: &["/index.html"], build: page_route },
    Route { path: "/report.txt", aliases: &[], build: report_route },
    Route { path: "/snapshot.json", aliases: &[], build: |_| json(&crate::snapshot()) },
    Route { path: "/timeline.json", aliases: &[], build: |state| json(&state.sampler.timeline()) },
    Route {
        path: "/growth.txt",
        aliases: &[],
        build: |state| Answer::ok(TEXT, state.sampler.timeline().growth().to_string().into_bytes()),
    },
    Route { path: "/cycles.dot", aliases: &[], build: cycles_route },
];

/// The answer to `head`: an error, or its route's answer built with the
/// server's building lock held.
pub(super) fn answer(head: &Head, state: &ServerState) -> Answer {
    let hosts: Vec<&[u8]> = head.hosts.iter().map(Vec::as_slice).collect();
    let reached = if state.any_address { head.reached } else { None };
    match host::judge(&hosts, head.minor_version, reached) {
        Verdict::Served => {}
        Verdict::Malformed(why) => return Answer::text(400, why),
        Verdict::Elsewhere => {
            return Answer::text(421, "this endpoint answers only requests addressed to a loopback host\n")
        }
    }
    if head.method != "GET" && head.method != "HEAD" {
        // No route changes the program's state: there is nothing to POST.
        return Answer { allow: true, ..Answer::text(405, "only GET and HEAD are served\n") };
    }
    let path = head.path.split(['?', '#']).next().unwrap_or("");
    let route = ROUTES.iter().find(|route| route.serves(path));
    let _turn = crate::lock::lock(&state.building);
    if state.stop.load(std::sync::atomic::Ordering::Acquire) {
        // Its connection is shut down: the answer would go nowhere.
        return Answer::text(503, "the server is stopping\n");
    }
    if !crate::ENABLED {
        let status = if route.is_some() { 200 } else { 404 };
        return Answer { status, ..Answer::ok(HTML, page(state).render().into_bytes()) };
    }
    match route {
        Some(route) => (route.build)(state),
        None => {
            let paths: Vec<&str> = ROUTES.iter().map(|route| route.path).collect();
            Answer::text(404, &format!("not found; the routes are {}\n", paths.join(" ")))
        }
    }
}

/// The page of the program now, with the server's title.
fn page(state: &ServerState) -> Page<'static> {
    let mut page = Page::now();
    if let Some(title) = &state.title {
        page = page.title(title);
    }
    page
}

fn page_route(state: &ServerState) -> Answer {
    let timeline = state.sampler.timeline();
    Answer::ok(HTML, page(state).timeline(&timeline).render().into_bytes())
}

fn report_route(_: &ServerState) -> Answer {
    let mut out = Vec::new();
    let _ = crate::report_to(&mut out, "*");
    Answer::ok(TEXT, out)
}

fn cycles_route(_: &ServerState) -> Answer {
    let cycles = crate::find_cycles();
    let text = if cycles.is_empty() {
        "digraph \"no leaked cycles\" {}\n".to_owned()
    } else {
        cycles.iter().map(|c| c.to_dot()).collect::<Vec<_>>().join("\n")
    };
    Answer::ok(DOT, text.into_bytes())
}

fn json<T: serde::Serialize>(value: &T) -> Answer {
    match serde_json::to_vec(value) {
        Ok(body) => Answer::ok(JSON, body),
        Err(e) => Answer::text(500, &format!("could not serialize: {e}\n")),
    }
}

#[cfg(test)]
mod tests {
    use super::ROUTES;

    /// The paths a Markdown route table lists: the backquoted words that
    /// start with `/` in its rows.
    fn listed(table_rows: impl Iterator<Item = String>) -> Vec<String> {
        let mut paths: Vec<String> = table_rows
            .flat_map(|row| row.split('|').nth(1).map(str::to_owned))
            .flat_map(|cell| cell.split('`').skip(1).step_by(2).map(str::to_owned).collect::<Vec<_>>())
            .filter(|word| word.starts_with('/'))
            .collect();
        paths.sort();
        paths
    }

    #[test]
    fn the_docs_list_every_route_and_no_other() {
        let mut routes: Vec<String> = ROUTES.iter().map(|route| route.path.to_owned()).collect();
        routes.sort();
        let serve_docs =
            include_str!("mod.rs").lines().filter_map(|l| l.strip_prefix("/// | `/")).map(|l| format!("| `/{l}"));
        assert_eq!(listed(serve_docs), routes, "the route table in serve's docs");
        let readme = include_str!("../../README.md").lines().filter(|l| l.starts_with("| `/")).map(str::to_owned);
        assert_eq!(listed(readme), routes, "the route table in the README");
    }
}
