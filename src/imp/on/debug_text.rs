//! Bounded, panic-safe `Debug` text of a shared instance, for reports.

use std::any::Any;
use std::fmt::{self, Write as _};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// How a type's values print: `Debug` of the value behind `&dyn Any`, when
/// the type implements `Debug` (chosen by `track!`, see `crate::shared`).
pub(crate) use crate::shared::DebugFn;

/// The longest `Debug` text a report shows of one instance.
pub(crate) const DEBUG_LIMIT: usize = 200;

/// `Debug` text of a value, cut to [`DEBUG_LIMIT`] characters; a panicking
/// `Debug` is reported as such. Call with no registry lock held: it runs user code.
pub(crate) fn debug_text(debug: DebugFn, value: &dyn Any) -> String {
    struct Via<'a>(DebugFn, &'a dyn Any);
    impl fmt::Debug for Via<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            (self.0)(self.1, f)
        }
    }
    struct Bounded {
        text: String,
        chars: usize,
        cut: bool,
    }
    impl fmt::Write for Bounded {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            for c in s.chars() {
                if self.chars == DEBUG_LIMIT {
                    self.cut = true;
                    return Err(fmt::Error); // stops a long Debug early
                }
                self.text.push(c);
                self.chars += 1;
            }
            Ok(())
        }
    }
    let mut out = Bounded { text: String::new(), chars: 0, cut: false };
    let result = catch_unwind(AssertUnwindSafe(|| write!(out, "{:?}", Via(debug, value))));
    match result {
        Ok(Ok(())) => out.text,
        Ok(Err(_)) if out.cut => out.text + "…",
        Ok(Err(_)) => format!("<Debug returned an error after {:?}>", out.text),
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "non-string payload".to_owned());
            format!("<Debug panicked: {message}>")
        }
    }
}
