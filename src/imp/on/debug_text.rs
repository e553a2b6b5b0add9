//! Bounded, panic-safe, one-line `Debug` text of a shared instance, for reports.
//!
//! A report line must stay one short line whatever a `Debug` prints:
//! - control characters (a multi-line `Debug`, `{:#?}` inside, escapes) are
//!   written escaped (`\n`, `\t`, `\u{1b}`), so they cannot break the layout;
//! - a text longer than [`DEBUG_LIMIT`] shows the top level of the value and
//!   elides what is nested: the derived `Debug` of a parent/child structure
//!   reads `Widget { name: "window", … }` instead of 200 characters of
//!   nesting. A `Debug` that recurses through a cycle is stopped after
//!   [`INPUT_LIMIT`] characters.

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
const INPUT_LIMIT: usize = 16 * 1024;

/// `Debug` text of a value, on one line and at most [`DEBUG_LIMIT`]
/// characters (then `…`); a panicking `Debug` is reported as such. Call with
/// no registry lock held: it runs user code.
pub(crate) fn debug_text(debug: DebugFn, value: &dyn Any) -> String {
    let whole = run(debug, value, Writer::new(false));
    match whole {
        Ok(w) if !w.cut => w.out,
        // Too long: show the top level, nesting elided.
        Ok(_) => match run(debug, value, Writer::new(true)) {
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
    }
}

struct Via<'a>(DebugFn, &'a dyn Any);

impl fmt::Debug for Via<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (self.0)(self.1, f)
    }
}

/// Runs the `Debug` into `w`; `Err` is the text to show instead.
fn run(debug: DebugFn, value: &dyn Any, mut w: Writer) -> Result<Writer, String> {
    match catch_unwind(AssertUnwindSafe(|| write!(w, "{:?}", Via(debug, value)))) {
        Ok(Ok(())) => Ok(w),
        Ok(Err(_)) if w.cut => Ok(w),
        Ok(Err(_)) => Err(format!("<Debug returned an error after {:?}>", w.out)),
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "non-string payload".to_owned());
            Err(format!("<Debug panicked: {}>", one_line(&message)))
        }
    }
}

/// Control characters escaped.
fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        push_escaped(&mut out, c);
    }
    out
}

/// Collects `Debug` output, escaped and bounded; with `elide`, keeps only
/// the top level (depth 0 and the fields at depth 1 that hold no brackets).
struct Writer {
    elide: bool,
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
    fn new(elide: bool) -> Writer {
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

    /// Appends to the result; `false` once the limit is reached.
    fn emit(&mut self, text: &str) -> bool {
        let mut escaped = String::new();
        for c in text.chars() {
            push_escaped(&mut escaped, c);
        }
        for c in escaped.chars() {
            if self.out_chars == DEBUG_LIMIT {
                self.cut = true;
                return false;
            }
            self.out.push(c);
            self.out_chars += 1;
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
            0 => self.emit(&c.to_string()),
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
        for c in s.chars() {
            self.read += 1;
            let more = if self.elide {
                // Bounded by what is read, not written: nesting writes nothing.
                if self.read > INPUT_LIMIT {
                    self.cut = true;
                    false
                } else {
                    self.elided(c)
                }
            } else {
                self.emit(c.encode_utf8(&mut [0; 4]))
            };
            if !more {
                return Err(fmt::Error); // stops a long Debug early
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_of<T: fmt::Debug + 'static>(value: &T) -> String {
        fn debug_of<T: fmt::Debug + 'static>(v: &dyn Any, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            fmt::Debug::fmt(v.downcast_ref::<T>().unwrap(), f)
        }
        debug_text(debug_of::<T>, value)
    }

    #[test]
    fn short_text_is_shown_whole() {
        assert_eq!(text_of(&Some(vec![1, 2])), "Some([1, 2])");
        assert_eq!(text_of(&("a{", 'b')), r#"("a{", 'b')"#);
    }

    #[test]
    fn long_text_shows_the_top_level_and_elides_nesting() {
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Widget {
            name: &'static str,
            parent: Option<Box<Widget>>,
            children: Vec<Vec<u64>>,
            id: u32,
        }
        let deep = Widget {
            name: "window",
            parent: Some(Box::new(Widget { name: "root", parent: None, children: vec![vec![7; 300]], id: 0 })),
            children: vec![vec![1; 100]],
            id: 3,
        };
        assert_eq!(text_of(&deep), r#"Widget { name: "window", …, id: 3 }"#);
        // Brackets inside strings are text, not nesting.
        let tricky = ("}{ \" ][", vec![0u8; 500]);
        assert_eq!(text_of(&tricky), r#"("}{ \" ][", …)"#);
    }

    #[test]
    fn control_characters_are_escaped_so_the_line_stays_one_line() {
        struct Lines;
        impl fmt::Debug for Lines {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("first\nsecond\r\tthird\u{1b}[31m\u{2028}")
            }
        }
        let text = text_of(&Lines);
        assert_eq!(text, r"first\nsecond\r\tthird\u{1b}[31m\u{2028}");
        let pretty = text_of(&format!("{:#?}", vec![1, 2]));
        assert!(!pretty.contains('\n'), "{pretty}");
    }

    #[test]
    fn a_debug_that_never_ends_is_stopped() {
        struct Forever;
        impl fmt::Debug for Forever {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("Forever { inner: ")?;
                loop {
                    f.write_str("[")?;
                }
            }
        }
        let text = text_of(&Forever);
        assert_eq!(text, "Forever { … }");
    }
}
