//! Text that every output shares: ages, byte sizes, the plural suffix, the
//! one "compiled out" message, and the best-effort write of a debugging aid.
//!
//! Each output format (plain text, DOT, HTML) wraps these in its own frame;
//! none re-words them.
//!
//! **Invariant (text a program controls stays in its field).** Every string
//! the program controls (thread names, type, module and file names,
//! backtrace frames, `Debug` text, panic messages, timeline names) goes
//! through one escaping function per output format before it is written:
//! [`Escaped`] for plain text (a report line stays one line, and no
//! terminal escape reaches the terminal), [`dot_escaped`] for DOT (built on
//! it), `html::esc` for the page (built on it too). JSON needs none of its
//! own: `serde_json` escapes every string it writes. Patterns echoed back are
//! written with `{:?}`, which escapes them likewise.

use std::borrow::Cow;
use std::fmt;
use std::fmt::Write as _;
use std::io;
use std::path::Path;
use std::time::Duration;

/// The sentence `COMPILED_OUT` and `COMPILED_OUT_EXPLAINED` share, as a
/// literal so that `concat!` can build the second from it.
macro_rules! compiled_out {
    () => {
        "tracking is compiled out of this build"
    };
}
/// For outputs whose compiled-out text is a constant of their own (a DOT
/// graph), built with `concat!` so that compiled out it costs no code.
pub(crate) use compiled_out;

/// What every output says when tracking is compiled out, in one sentence;
/// each wraps it in its own frame (`instrack: no timeline: …`, a DOT label,
/// a page heading).
pub(crate) const COMPILED_OUT: &str = compiled_out!();

/// What a report says when tracking is compiled out: the sentence, why, and
/// how to turn tracking on. It cannot tell a release build from a debug
/// build whose profile turned instrack's debug assertions off, so it says
/// how in either.
pub(crate) const COMPILED_OUT_EXPLAINED: &str = concat!(
    compiled_out!(),
    " (instrack was built without debug assertions and without its `tracking` feature), so nothing was recorded.
  - in a release build: add `--features instrack/tracking`, or to the root Cargo.toml: \
[profile.release.package.instrack] debug-assertions = true
  - in a debug build: the root Cargo.toml turns instrack's debug assertions off, usually with \
[profile.dev.package.\"*\"] debug-assertions = false; add below it: \
[profile.dev.package.instrack] debug-assertions = true"
);

/// The plural suffix of a count: `""` for one, `"s"` otherwise
/// (`format!("{n} type{}", plural(n))`).
pub(crate) fn plural<N: PartialEq + From<u8>>(n: N) -> &'static str {
    if n == N::from(1) {
        ""
    } else {
        "s"
    }
}

/// Writes with `write` to stderr, or appends to `file` when one is named,
/// and ignores every error: a debugging aid must not take the program down
/// because its output is closed or a file cannot be written.
///
/// Always inlined, so that a caller that names no file (`report`) links no
/// file-opening code: compiled out, that is most of what `report` costs.
#[inline(always)]
pub(crate) fn write_best_effort(file: Option<&Path>, write: impl FnOnce(&mut dyn io::Write) -> io::Result<()>) {
    let _ = match file {
        Some(path) => std::fs::OpenOptions::new().create(true).append(true).open(path).and_then(|mut f| write(&mut f)),
        None => write(&mut io::stderr().lock()),
    };
}

/// Whether plain text must escape `c`: control characters, and the line
/// and paragraph separators that break lines in some terminals.
fn needs_escape(c: char) -> bool {
    c.is_control() || c == '\u{2028}' || c == '\u{2029}'
}

/// Appends `c` to `out`, escaped if plain text must not carry it raw: `\n`,
/// `\r`, `\t`, else `\u{1b}`; the one plain-text escaping (the `Debug`
/// text of reports is escaped with it too).
pub(crate) fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if needs_escape(c) => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
        c => out.push(c),
    }
}

/// `text` with [`push_escaped`] applied; borrowed when nothing needs it (the
/// usual case: names as written in source).
pub(crate) fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        push_escaped(&mut out, c);
    }
    Cow::Owned(out)
}

/// Plain text a program controls, written escaped (see [`push_escaped`]):
/// `format!("thread {}", Escaped(name))`. Width and alignment apply to the
/// escaped text, so columns stay aligned.
pub(crate) struct Escaped<'a>(pub(crate) &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&escape(self.0))
    }
}

/// `text` for a DOT quoted string: escaped as plain text (so no line break
/// or control character is left raw), then `\` and `"` escaped, so that the
/// string cannot end early.
pub(crate) fn dot_escaped(text: &str) -> String {
    escape(text).replace('\\', "\\\\").replace('"', "\\\"")
}

/// A byte count as a person reads it: `512 B`, `1.5 KiB`, `12.0 MiB`.
pub(crate) struct Bytes(pub(crate) u64);

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0 as f64;
        match self.0 {
            0..1024 => write!(f, "{} B", self.0),
            1024..1_048_576 => write!(f, "{:.1} KiB", n / 1024.0),
            1_048_576..1_073_741_824 => write!(f, "{:.1} MiB", n / 1_048_576.0),
            _ => write!(f, "{:.1} GiB", n / 1_073_741_824.0),
        }
    }
}

/// A duration printed the way a person reads an age: `850µs`, `12ms`, `3.4s`, `2m05s`, `1h02m`.
pub(crate) struct Age(pub(crate) Duration);

impl fmt::Display for Age {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        let secs = d.as_secs();
        if secs >= 3600 {
            write!(f, "{}h{:02}m", secs / 3600, secs % 3600 / 60)
        } else if secs >= 60 {
            write!(f, "{}m{:02}s", secs / 60, secs % 60)
        } else if secs >= 1 {
            write!(f, "{:.1}s", d.as_secs_f64())
        } else if d.as_millis() >= 1 {
            write!(f, "{}ms", d.as_millis())
        } else {
            write!(f, "{}µs", d.as_micros())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_counts_read_like_sizes() {
        let cases =
            [(0, "0 B"), (1023, "1023 B"), (1536, "1.5 KiB"), (12 * 1_048_576, "12.0 MiB"), (3 << 30, "3.0 GiB")];
        for (n, text) in cases {
            assert_eq!(Bytes(n).to_string(), text);
        }
    }

    #[test]
    fn ages_read_like_ages() {
        let cases = [
            (0, "0µs"),
            (850_000, "850µs"),
            (12_000_000, "12ms"),
            (3_400_000_000, "3.4s"),
            (125_000_000_000, "2m05s"),
            (3_720_000_000_000, "1h02m"),
        ];
        for (nanos, text) in cases {
            assert_eq!(Age(Duration::from_nanos(nanos)).to_string(), text);
        }
    }

    #[test]
    fn plain_text_escapes_line_breaks_and_control_characters_only() {
        assert_eq!(escape("evil\nFAKE\x1b[2J\t\r\u{2028}é"), "evil\\nFAKE\\u{1b}[2J\\t\\r\\u{2028}é");
        assert!(matches!(escape("my_app::Conn<u8>"), Cow::Borrowed(_)));
        assert_eq!(format!("[{:<6}]", Escaped("a\n")), "[a\\n   ]");
    }

    #[test]
    fn dot_strings_cannot_end_early_nor_break_lines() {
        assert_eq!(dot_escaped("a\"b\\c\nd"), "a\\\"b\\\\c\\\\nd");
    }

    proptest::proptest! {
        #[test]
        fn no_text_keeps_a_line_break_or_control_character(text in "(?s)(.|[\n\r\t\x1b\u{85}\u{2028}\u{2029}\"\\\\])*") {
            proptest::prop_assert!(!escape(&text).chars().any(needs_escape));
            // In a DOT string, every `"` is escaped: `\\` pairs removed, a
            // `\` comes before each; and nothing breaks the line.
            let dot = dot_escaped(&text);
            proptest::prop_assert!(!dot.chars().any(needs_escape));
            let unpaired = dot.replace("\\\\", "");
            proptest::prop_assert!(unpaired.match_indices('"').all(|(i, _)| unpaired[..i].ends_with('\\')));
        }
    }

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!((plural(0usize), plural(1usize), plural(2u64), plural(-1i64)), ("s", "", "s", "s"));
    }
}
