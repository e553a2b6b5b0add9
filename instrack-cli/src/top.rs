//! `instrack top ADDR`: a live view of a program's `instrack::serve`
//! endpoint. Each second it fetches `/snapshot.json` (live counts, held
//! bytes) and `/timeline.json` (the sampler's series and suspects) and draws
//! one row per type, most grown first, with a sparkline of its live count;
//! suspects are marked `!`. `q`, Esc or Ctrl-C quits; `--once` prints one
//! frame as text instead, for scripts and tests.
//!
//! The terminal is put in raw mode on the alternate screen by a guard whose
//! `Drop` restores it, so that an error or a panic leaves the shell usable.

use crate::Failure;
use crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use crossterm::{cursor, execute, queue, style, terminal};
use instrack::{Point, Snapshot, Timeline};
use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// How often the view refreshes.
const REFRESH: Duration = Duration::from_secs(1);
/// Points of a row's sparkline at most (the latest ones).
const SPARK_POINTS: usize = 30;
/// Largest response read from the endpoint.
const MAX_BODY: u64 = 512 << 20;

pub(crate) fn run(addr: &str, once: bool) -> Result<(), Failure> {
    let base = base_url(addr)?;
    let agent: ureq::Agent = ureq::Agent::config_builder().timeout_global(Some(Duration::from_secs(5))).build().into();
    if once {
        let lines = frame(&base, &fetch(&agent, &base)?, usize::MAX);
        return crate::print(&(lines.join("\n") + "\n"));
    }
    if !std::io::stdout().is_terminal() {
        return Err(Failure("top draws on a terminal; use `--once` to print one frame".to_owned()));
    }
    let mut screen = Screen::enter().map_err(|e| Failure(format!("cannot use the terminal: {e}")))?;
    loop {
        let (width, height) = terminal::size().unwrap_or((80, 24));
        let lines = match fetch(&agent, &base) {
            Ok(data) => frame(&base, &data, width as usize),
            Err(Failure(message)) => vec![format!("instrack top  {base}  (q quits)"), String::new(), message],
        };
        screen.draw(&lines, width as usize, height as usize).map_err(|e| Failure(format!("cannot draw: {e}")))?;
        let next = Instant::now() + REFRESH;
        while let Some(wait) = next.checked_duration_since(Instant::now()) {
            if !event::poll(wait).map_err(|e| Failure(format!("cannot read the keyboard: {e}")))? {
                break;
            }
            match event::read() {
                Ok(Event::Key(key)) if key.kind != KeyEventKind::Release => {
                    let ctrl_c = key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
                    if matches!(key.code, KeyCode::Char('q') | KeyCode::Esc) || ctrl_c {
                        return Ok(());
                    }
                }
                Ok(Event::Resize(..)) => break,
                _ => {}
            }
        }
    }
}

/// `http://host:port` from `host:port` or a URL; a trailing `/` dropped.
fn base_url(addr: &str) -> Result<String, Failure> {
    let addr = addr.trim().trim_end_matches('/');
    if addr.is_empty() {
        return Err(Failure("top: ADDR is empty; give the endpoint, e.g. 127.0.0.1:7878".to_owned()));
    }
    if addr.starts_with("https://") {
        return Err(Failure(format!("top: {addr}: instrack::serve speaks plain HTTP on loopback; use http://")));
    }
    Ok(if addr.starts_with("http://") { addr.to_owned() } else { format!("http://{addr}") })
}

/// What one refresh reads from the endpoint.
struct Data {
    snapshot: Snapshot,
    timeline: Timeline,
}

fn fetch(agent: &ureq::Agent, base: &str) -> Result<Data, Failure> {
    let get = |route: &str| {
        let url = format!("{base}{route}");
        let mut response = agent.get(&url).call().map_err(|e| Failure(format!("cannot fetch {url}: {e}")))?;
        let text = response
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .read_to_string()
            .map_err(|e| Failure(format!("cannot read {url}: {e}")))?;
        Ok::<_, Failure>((url, text))
    };
    let (url, text) = get("/snapshot.json")?;
    let snapshot = Snapshot::from_json(&text).map_err(|e| Failure(format!("{url}: {e}")))?;
    let (url, text) = get("/timeline.json")?;
    let timeline = Timeline::from_json(&text).map_err(|e| Failure(format!("{url}: {e}")))?;
    Ok(Data { snapshot, timeline })
}

/// One row of the view.
struct Row<'a> {
    name: &'a str,
    live: usize,
    /// The live count of the type's first sample.
    first: usize,
    growth: i64,
    held: Option<u64>,
    points: &'a [Point],
    per_minute: Option<f64>,
}

/// The lines of one frame, each at most `width` characters.
fn frame(base: &str, data: &Data, width: usize) -> Vec<String> {
    let suspects: HashMap<String, f64> =
        data.timeline.suspects().iter().map(|s| (s.type_name().to_owned(), s.per_minute())).collect();
    let mut rows: Vec<Row<'_>> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for s in data.timeline.series() {
        let Some(last) = s.points().last() else { continue };
        index.insert(s.type_name(), rows.len());
        rows.push(Row {
            name: s.type_name(),
            live: last.live(),
            first: s.first_live(),
            growth: last.live() as i64 - s.first_live() as i64,
            held: None,
            points: s.points(),
            per_minute: suspects.get(s.type_name()).copied(),
        });
    }
    // The snapshot is the fresher reading: its live counts and held bytes win.
    for t in data.snapshot.types() {
        let i = *index.entry(t.name()).or_insert_with(|| {
            let live = t.counts().live;
            rows.push(Row { name: t.name(), live, first: live, growth: 0, held: None, points: &[], per_minute: None });
            rows.len() - 1
        });
        let row = &mut rows[i];
        row.live = t.counts().live;
        row.growth = row.live as i64 - row.first as i64;
        row.held = t.estimated_bytes();
    }
    rows.sort_by(|a, b| b.growth.cmp(&a.growth).then(b.live.cmp(&a.live)).then(a.name.cmp(b.name)));

    let live: usize = rows.iter().map(|r| r.live).sum();
    let t = &data.timeline;
    let mut lines = vec![
        format!(
            "instrack top  {base}  {} type{}, {live} live, {} sample{} over {:.0}s, {} suspect{}  (q quits)",
            rows.len(),
            plural(rows.len()),
            t.samples(),
            plural(t.samples() as usize),
            t.span().as_secs_f64(),
            suspects.len(),
            plural(suspects.len()),
        ),
        String::new(),
    ];
    if rows.is_empty() {
        lines.push("no tracked type yet".to_owned());
        return lines.into_iter().map(|l| clip(l, width)).collect();
    }
    let name_width = rows.iter().map(|r| r.name.chars().count()).max().unwrap_or(4).clamp(4, 60);
    lines.push(format!("  {:<name_width$}  {:>9}  {:>9}  {:>10}  trend", "type", "live", "growth", "held"));
    for r in &rows {
        let mark = if r.per_minute.is_some() { '!' } else { ' ' };
        let held = r.held.map_or_else(String::new, bytes);
        let mut line = format!(
            "{mark} {:<name_width$}  {:>9}  {:>+9}  {:>10}  {}",
            ellipsize(r.name, name_width),
            r.live,
            r.growth,
            held,
            sparkline(&r.points[r.points.len().saturating_sub(SPARK_POINTS)..])
        );
        if let Some(rate) = r.per_minute {
            line.push_str(&format!("  suspect +{rate:.1}/min"));
        }
        lines.push(line);
    }
    lines.into_iter().map(|l| clip(l, width)).collect()
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// `name` in at most `width` characters, its start elided with `…`: the
/// end of a type path says the most.
fn ellipsize(name: &str, width: usize) -> String {
    let n = name.chars().count();
    if n <= width {
        return name.to_owned();
    }
    let tail: String = name.chars().skip(n - (width - 1)).collect();
    format!("…{tail}")
}

fn clip(line: String, width: usize) -> String {
    if line.chars().count() <= width {
        line
    } else {
        line.chars().take(width).collect()
    }
}

/// A byte count as a person reads it.
fn bytes(n: u64) -> String {
    let f = n as f64;
    match n {
        0..1024 => format!("{n} B"),
        1024..1_048_576 => format!("{:.1} KiB", f / 1024.0),
        1_048_576..1_073_741_824 => format!("{:.1} MiB", f / 1_048_576.0),
        _ => format!("{:.1} GiB", f / 1_073_741_824.0),
    }
}

/// The live counts of `points`, one bar each, scaled from their min to max.
fn sparkline(points: &[Point]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let lo = points.iter().map(Point::live).min().unwrap_or(0);
    let hi = points.iter().map(Point::live).max().unwrap_or(0);
    points
        .iter()
        .map(|p| if hi == lo { BARS[0] } else { BARS[(p.live() - lo) * (BARS.len() - 1) / (hi - lo)] })
        .collect()
}

/// The terminal in raw mode on the alternate screen, until dropped.
struct Screen {
    out: std::io::Stdout,
}

impl Screen {
    fn enter() -> std::io::Result<Screen> {
        terminal::enable_raw_mode()?;
        let mut out = std::io::stdout();
        if let Err(e) = execute!(out, terminal::EnterAlternateScreen, cursor::Hide) {
            let _ = terminal::disable_raw_mode();
            return Err(e);
        }
        Ok(Screen { out })
    }

    fn draw(&mut self, lines: &[String], width: usize, height: usize) -> std::io::Result<()> {
        queue!(self.out, terminal::Clear(terminal::ClearType::All))?;
        for (y, line) in lines.iter().take(height).enumerate() {
            let line: String = line.chars().take(width).collect();
            queue!(self.out, cursor::MoveTo(0, y as u16), style::Print(line))?;
        }
        self.out.flush()
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        let _ = execute!(self.out, cursor::Show, terminal::LeaveAlternateScreen);
        let _ = terminal::disable_raw_mode();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_become_base_urls() {
        assert_eq!(base_url("127.0.0.1:7878").unwrap(), "http://127.0.0.1:7878");
        assert_eq!(base_url("http://[::1]:80/").unwrap(), "http://[::1]:80");
        assert!(base_url(" ").is_err());
        assert!(base_url("https://x").is_err());
    }

    #[test]
    fn long_names_keep_their_end() {
        assert_eq!(ellipsize("a::b::Session", 8), "…Session");
        assert_eq!(ellipsize("Session", 8), "Session");
    }

    #[test]
    fn sparklines_scale_between_min_and_max() {
        let mut t = Timeline::default();
        for (s, live) in [0usize, 7, 14].into_iter().enumerate() {
            t.record(Duration::from_secs(s as u64), [("T", live, live as u64)]);
        }
        assert_eq!(sparkline(t.series()[0].points()), "▁▄█");
        assert_eq!(sparkline(&[]), "");
    }
}
