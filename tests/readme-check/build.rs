//! Copies every README ```rust block that a ```text block follows into
//! `$OUT_DIR/samples.rs`, verbatim, each as a module with `pub fn run()`,
//! and the text block beside it as the expected output, with the line of
//! `samples.rs` where the block's first line landed (so that a site printed
//! as `samples.rs:M` can be read as line `M - first + 1` of the block, the
//! `src/main.rs:N` a user who pastes it sees).

use std::fmt::Write as _;

fn main() {
    let readme_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md");
    println!("cargo:rerun-if-changed={readme_path}");
    let readme = std::fs::read_to_string(readme_path).expect("README.md");
    let mut blocks: Vec<(String, String, usize)> = Vec::new(); // (kind, body, line)
    let mut lines = readme.lines().enumerate();
    while let Some((n, line)) = lines.next() {
        if let Some(kind) = line.strip_prefix("```") {
            let mut body = String::new();
            for (_, l) in lines.by_ref() {
                if l.starts_with("```") {
                    break;
                }
                body.push_str(l);
                body.push('\n');
            }
            blocks.push((kind.trim().to_owned(), body, n + 1));
        }
    }
    let mut out = String::new();
    let mut table =
        String::from("#[allow(clippy::type_complexity)]\npub const SAMPLES: &[(&str, usize, fn(), &str, u32)] = &[\n");
    for pair in blocks.windows(2) {
        let [(kind, code, line), (next, expected, _)] = pair else { unreachable!() };
        if kind != "rust" || next != "text" {
            continue;
        }
        let name = format!("readme_line_{line}");
        let lines_before = out.matches('\n').count() as u32;
        let first = if code.contains("fn main()") {
            writeln!(out, "#[allow(dead_code, unused)]\nmod {name} {{\n{code}\npub fn run() {{ main() }}\n}}").unwrap();
            lines_before + 3
        } else {
            writeln!(out, "#[allow(dead_code, unused)]\nmod {name} {{\npub fn run() {{\n{code}\n}}\n}}").unwrap();
            lines_before + 4
        };
        writeln!(table, "    ({name:?}, {line}, {name}::run, {expected:?}, {first}),").unwrap();
    }
    table.push_str("];\n");
    let path = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("samples.rs");
    std::fs::write(path, out + &table).unwrap();
}
