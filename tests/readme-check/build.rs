//! Copies every README ```rust block that a ```text block follows into
//! `$OUT_DIR/samples.rs`, verbatim, each as a module with `pub fn run()`,
//! and the text block beside it as the expected output.

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
    let mut table = String::from("#[allow(clippy::type_complexity)]\npub const SAMPLES: &[(&str, usize, fn(), &str)] = &[\n");
    for pair in blocks.windows(2) {
        let [(kind, code, line), (next, expected, _)] = pair else { unreachable!() };
        if kind != "rust" || next != "text" {
            continue;
        }
        let name = format!("readme_line_{line}");
        if code.contains("fn main()") {
            writeln!(out, "#[allow(dead_code, unused)]\nmod {name} {{\n{code}\npub fn run() {{ main() }}\n}}").unwrap();
        } else {
            writeln!(out, "#[allow(dead_code, unused)]\nmod {name} {{\npub fn run() {{\n{code}\n}}\n}}").unwrap();
        }
        writeln!(table, "    ({name:?}, {line}, {name}::run, {expected:?}),").unwrap();
    }
    table.push_str("];\n");
    let path = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("samples.rs");
    std::fs::write(path, out + &table).unwrap();
}
