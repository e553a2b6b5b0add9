//! What each path answers. [`ROUTES`] is the one list of paths: the router
//! dispatches on it, the 404 text lists it, the compiled-out mode answers
//! `200` for it, and a test checks that the route tables of [`serve`](super::serve)'s
//! docs and of the README list it.

use super::ServerState;
use crate::html::Page;
use std::net::IpAddr;

/// The parts of a request the router reads.
pub(super) struct Head {
    pub(super) method: String,
    pub(super) path: String,
    pub(super) host: Option<String>,
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
        Answer { status, content_type: "text/plain; charset=utf-8", body: body.as_bytes().to_vec(), allow: false }
    }
    fn ok(content_type: &'static str, body: Vec<u8>) -> Answer {
        Answer { status: 200, content_type, body, allow: false }
    }
}

const HTML: &str = "text/html; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";
const JSON: &str = "application/json";
const DOT: &str = "text/vnd.graphviz; charset=utf-8";

pub(super) fn answer(head: &Head, state: &ServerState) -> Answer {
    if head.method != "GET" && head.method != "HEAD" {
        // No route changes the program's state: there is nothing to POST.
        return Answer { allow: true, ..Answer::text(405, "only GET and HEAD are served\n") };
    }
    if state.host_check && !head.host.as_deref().is_none_or(is_loopback_host) {
        return Answer::text(421, "this endpoint answers only requests addressed to a loopback host\n");
    }
    let path = head.path.split(['?', '#']).next().unwrap_or("");
    let page = || {
        let mut page = Page::now();
        if let Some(title) = &state.title {
            page = page.title(title);
        }
        page
    };
    let _turn = state.building.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if !crate::ENABLED {
        let known = ["/", "/report.txt", "/snapshot.json", "/timeline.json", "/growth.txt", "/cycles.dot"];
        let status = if known.contains(&path) { 200 } else { 404 };
        return Answer { status, ..Answer::ok(HTML, page().render().into_bytes()) };
    }
    match path {
        "/" | "/index.html" => {
            let timeline = state.sampler.timeline();
            Answer::ok(HTML, page().timeline(&timeline).render().into_bytes())
        }
        "/report.txt" => {
            let mut out = Vec::new();
            let _ = crate::report_to(&mut out, "*");
            Answer::ok(TEXT, out)
        }
        "/snapshot.json" => json(&crate::snapshot()),
        "/timeline.json" => json(&state.sampler.timeline()),
        "/growth.txt" => Answer::ok(TEXT, state.sampler.timeline().growth().to_string().into_bytes()),
        "/cycles.dot" => {
            let cycles = crate::find_cycles();
            let text = if cycles.is_empty() {
                "digraph \"no leaked cycles\" {}\n".to_owned()
            } else {
                cycles.iter().map(|c| c.to_dot()).collect::<Vec<_>>().join("\n")
            };
            Answer::ok(DOT, text.into_bytes())
        }
        _ => Answer::text(
            404,
            "not found; the routes are / /report.txt /snapshot.json /timeline.json /growth.txt /cycles.dot\n",
        ),
    }
}

#[allow(dead_code)]
fn json<T: serde::Serialize>(value: &T) -> Answer {
    match serde_json::to_vec(value) {
        Ok(body) => Answer::ok(JSON, body),
        Err(e) => Answer::text(500, &format!("could not serialize: {e}\n")),
    }
}

/// `localhost`, `127.x.y.z` or `[::1]`, with or without a port.
fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(name, _port)| name),
    };
    name.eq_ignore_ascii_case("localhost") || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}
