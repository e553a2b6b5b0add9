//! Each item below is an error the derive must explain; `check.sh` matches
//! the messages. Line numbers matter: keep the items where they are.
use std::sync::Arc;

struct NoTrace;

#[derive(instrack::Trace)]
struct Session {
    user: String,
    on_close: Box<dyn Fn()>,
    cache: Arc<NoTrace>,
    page: NoTrace,
}

#[derive(instrack::Trace)]
struct Misspelled {
    #[trace(skp)]
    a: u8,
}

#[derive(instrack::Trace)]
union Either {
    a: u8,
    b: u16,
}

fn main() {}
