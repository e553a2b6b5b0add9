//! Bounded, panic-safe, one-line `Debug` text of a shared instance, for reports.
//!
//! A report line must stay one short line whatever a `Debug` prints:
//! - control characters (a multi-line `Debug`, `{:#?}` inside, escapes) are
//!   written escaped (`\n`, `\t`, `\u{1b}`), so they cannot break the layout;
//! - a text longer than [`DEBUG_LIMIT`] shows the top level of the value and
//!   elides what is nested: the derived `Debug` of a parent/child structure
//!   reads `Widget { name: "window", … }` instead of 200 characters of
//!   nesting. A `Debug` that recurses through a cycle is stopped after
//!   [`INPUT_LIMIT`] characters, or [`NODE_INPUT_LIMIT`] for a node of the
//!   reference graph, which is usually on one.

use crate::payload;
use crate::text::push_escaped;
use std::any::Any;
use std::fmt::{self, Write as _};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// How a type's values print: `Debug` of the value behind `&dyn Any`, when
/// the type implements `Debug` (chosen by `track!`, see `crate::shared`).
pub(crate) use crate::shared::DebugFn;

/// The longest `Debug` text a report shows of one instance.
pub(crate) const DEBUG_LIMIT: usize = 200;

/// How many characters of a long `Debug` are read to find its top level.
pub(crate) const INPUT_LIMIT: usize = 16 * 1024;

/// The same for a node of the reference graph (what `collect_graph`
/// returns). A derived `Debug` of a value on a cycle follows the cycle's
/// references and never ends, so its top level shows within the first few
/// hundred characters (`Node { name: "a", … }`) and reading 16K more shows
/// nothing else: that reading was most of the cost of printing a cycle
/// (callgrind: 590K of the 990K instructions per member of a ring). What it
/// gives up: a field after a nested one longer than this is not shown.
pub(crate) const NODE_INPUT_LIMIT: usize = 2 * DEBUG_LIMIT;

/// `Debug` text of a value, on one line and at most [`DEBUG_LIMIT`]
/// characters, a closing `…` included when it is cut; a panicking `Debug` is
/// reported as such, its message bounded the same way, and its payload let go
/// of where a panicking `Drop` cannot escape. A text over [`DEBUG_LIMIT`] is
/// read again, at most `input_limit` characters of it, to find its top level.
/// Call with no registry lock held: it runs user code.
pub(crate) fn debug_text(debug: DebugFn, value: &dyn Any, input_limit: usize) -> String {
    let whole = run(debug, value, Writer::new(None));
    let text = match whole {
        Ok(w) if !w.cut => w.out,
        // Too long: show the top level, nesting elided.
        Ok(_) => match run(debug, value, Writer::new(Some(input_limit))) {
            Ok(w) if w.cut => {
                let (text, complete) = w.finish();
                if complete {
                    text
                } else {
                    text + "…"
                }
            }
            Ok(w) => w.finish().0,
            Err(message) => message,
        },
        Err(message) => message,
    };
    cut(&text, DEBUG_LIMIT)
}

/// `text` if it has at most `limit` characters, else its first `limit - 1`
/// and `…`.
fn cut(text: &str, limit: usize) -> String {
    match text.char_indices().nth(limit) {
        None => text.to_owned(),
        Some(_) => {
            let end = text.char_indices().nth(limit - 1).map_or(text.len(), |(i, _)| i);
            format!("{}…", &text[..end])
        }
    }
}

struct Via<'a>(DebugFn, &'a dyn Any);

impl fmt::Debug for Via<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (self.0)(self.1, f)
    }
}

/// Runs the `Debug` into `w`; `Err` is the text to show instead, within
/// [`DEBUG_LIMIT`] characters.
fn run(debug: DebugFn, value: &dyn Any, mut w: Writer) -> Result<Writer, String> {
    match catch_unwind(AssertUnwindSafe(|| write!(w, "{:?}", Via(debug, value)))) {
        Ok(Ok(())) => Ok(w),
        Ok(Err(_)) if w.cut => Ok(w),
        Ok(Err(_)) => Err(framed("<Debug returned an error after ", &format!("{:?}", w.out), ">")),
        Err(payload) => {
            let text = framed("<Debug panicked: ", message(&payload), ">");
            payload::dispose(payload);
            Err(text)
        }
    }
}

/// A panic payload's message, when it is one (`panic!` gives a `&str` or a
/// `String`); `"non-string payload"` otherwise.
fn message(payload: &payload::Payload) -> &str {
    match payload.downcast_ref::<&str>() {
        Some(s) => s,
        None => payload.downcast_ref::<String>().map_or("non-string payload", String::as_str),
    }
}

/// `before`, `text` escaped onto one line and cut to fit, then `after`: at
/// most [`DEBUG_LIMIT`] characters, however long `text` is (only as much of
/// it as fits is read).
fn framed(before: &str, text: &str, after: &str) -> String {
    let room = DEBUG_LIMIT - before.chars().count() - after.chars().count();
    let (mut escaped, mut chars) = (String::new(), 0);
    for c in text.chars() {
        let end = escaped.len();
        push_escaped(&mut escaped, c);
        chars += escaped[end..].chars().count();
        if chars > room {
            break; // enough to know it is cut
        }
    }
    format!("{before}{}{after}", cut(&escaped, room))
}

/// Collects `Debug` output, escaped and bounded; with `elide` (how many
/// characters to read at most), keeps only the top level (depth 0 and the
/// fields at depth 1 that hold no brackets).
struct Writer {
    elide: Option<usize>,
    out: String,
    out_chars: usize,
    cut: bool,
    read: usize,
    depth: usize,
    in_string: bool,
    escaped: bool,
    /// The field at depth 1 being read, and whether it holds nesting.
    field: String,
    nested: bool,
    /// Fields already written in the current top-level group, and whether
    /// the last one written was elided.
    fields: usize,
    last_elided: bool,
    opener: char,
}

impl Writer {
    fn new(elide: Option<usize>) -> Writer {
        Writer {
            elide,
            out: String::new(),
            out_chars: 0,
            cut: false,
            read: 0,
            depth: 0,
            in_string: false,
            escaped: false,
            field: String::new(),
            nested: false,
            fields: 0,
            last_elided: false,
            opener: ' ',
        }
    }

    /// Appends to the result, escaped; `false` once the limit is reached (an
    /// escape sequence may be cut short).
    fn emit(&mut self, mut text: &str) -> bool {
        while !text.is_empty() {
            let room = DEBUG_LIMIT - self.out_chars;
            // Printable ASCII, the usual text, copied as it is: one byte a character.
            let plain = text.bytes().take(room).take_while(|b| (b' '..=b'~').contains(b)).count();
            if plain > 0 {
                self.out.push_str(&text[..plain]);
                self.out_chars += plain;
                text = &text[plain..];
                continue;
            }
            if room == 0 {
                self.cut = true;
                return false;
            }
            let Some(c) = text.chars().next() else { break };
            text = &text[c.len_utf8()..];
            let start = self.out.len();
            push_escaped(&mut self.out, c);
            let added = match self.out.len() - start {
                1 => 1,
                _ => self.out[start..].chars().count(),
            };
            if added > room {
                let end = self.out[start..].char_indices().nth(room).map_or(self.out.len(), |(i, _)| start + i);
                self.out.truncate(end);
                self.out_chars = DEBUG_LIMIT;
                self.cut = true;
                return false;
            }
            self.out_chars += added;
        }
        true
    }

    /// Writes the field read at depth 1, or `…` for one that holds nesting.
    fn end_field(&mut self) -> bool {
        let field = std::mem::take(&mut self.field);
        let text = field.trim();
        let nested = std::mem::replace(&mut self.nested, false);
        if (text.is_empty() && !nested) || (nested && self.last_elided) {
            return true;
        }
        let lead = match (self.fields, self.opener) {
            (0, '{') => " ",
            (0, _) => "",
            _ => ", ",
        };
        self.fields += 1;
        self.last_elided = nested;
        self.emit(lead) && self.emit(if nested { "…" } else { text })
    }

    /// What was read before the input limit, with an unfinished field
    /// shown; and whether that text says all there is to say: it ends in an
    /// elided field, closed (`Widget { name: "window", … }`).
    fn finish(mut self) -> (String, bool) {
        if self.depth >= 1 && self.out_chars < DEBUG_LIMIT && self.end_field() && self.last_elided {
            let close = match self.opener {
                '{' => " }",
                '(' => ")",
                _ => "]",
            };
            if self.emit(close) {
                return (self.out, true);
            }
        }
        let ends_elided = self.out.ends_with('…');
        (self.out, ends_elided)
    }

    fn elided(&mut self, c: char) -> bool {
        if self.in_string {
            if self.escaped {
                self.escaped = false;
            } else if c == '\\' {
                self.escaped = true;
            } else if c == '"' {
                self.in_string = false;
            }
        } else {
            match c {
                '"' => self.in_string = true,
                '{' | '(' | '[' => {
                    self.depth += 1;
                    match self.depth {
                        1 => {
                            self.opener = c;
                            self.fields = 0;
                            self.last_elided = false;
                            return self.emit(&c.to_string());
                        }
                        2 => self.nested = true,
                        _ => {}
                    }
                    return true;
                }
                '}' | ')' | ']' if self.depth > 0 => {
                    self.depth -= 1;
                    if self.depth == 0 {
                        let close = if c == '}' && self.fields + usize::from(!self.field.trim().is_empty()) > 0 {
                            " }"
                        } else {
                            &c.to_string()
                        };
                        let close = close.to_owned();
                        return self.end_field() && self.emit(&close);
                    }
                    return true;
                }
                ',' if self.depth == 1 => return self.end_field(),
                _ => {}
            }
        }
        match self.depth {
            0 => self.emit(c.encode_utf8(&mut [0; 4])),
            1 if !self.nested => {
                self.field.push(c);
                true
            }
            _ => true,
        }
    }
}

impl fmt::Write for Writer {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let Some(limit) = self.elide else {
            // Written whole, escaped: bounded by what is written.
            return if self.emit(s) { Ok(()) } else { Err(fmt::Error) }; // stops a long Debug early
        };
        for c in s.chars() {
            self.read += 1;
            // Bounded by what is read, not written: nesting writes nothing.
            let more = if self.read > limit {
                self.cut = true;
                false
            } else {
                self.elided(c)
            };
            if !more {
                return Err(fmt::Error); // stops a long Debug early
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
