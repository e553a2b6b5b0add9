//! README.md: its code blocks paste cleanly. (They run as doctests, see
//! `ReadmeDoctests` in src/lib.rs; their sample outputs are checked against
//! what the code prints by tests/readme-check, run in CI.)

const README: &str = include_str!("../../README.md");

/// The README's blocks: (kind, first line number, body).
fn blocks() -> Vec<(&'static str, usize, Vec<&'static str>)> {
    let mut blocks = Vec::new();
    let mut current: Option<(&str, usize, Vec<&str>)> = None;
    for (n, line) in README.lines().enumerate() {
        match (line.strip_prefix("```"), current.take()) {
            (Some(_), Some(block)) => blocks.push(block),
            (Some(kind), None) => current = Some((kind.trim(), n + 1, Vec::new())),
            (None, Some(mut block)) => {
                block.2.push(line);
                current = Some(block);
            }
            (None, None) => {}
        }
    }
    assert!(current.is_none(), "README.md has an unclosed code block");
    blocks
}

#[test]
fn readme_rust_blocks_have_no_hidden_rustdoc_lines() {
    let rust: Vec<_> = blocks().into_iter().filter(|b| b.0 == "rust").collect();
    assert!(rust.len() >= 5);
    for (_, at, body) in rust {
        for (i, line) in body.iter().enumerate() {
            let t = line.trim_start();
            assert!(
                !(t == "#" || t.starts_with("# ")),
                "README.md:{}: a rustdoc hidden line fails when pasted: {line}",
                at + 1 + i
            );
        }
    }
}

#[test]
fn the_quick_start_dependency_line_is_one_that_works_before_publication() {
    let toml: Vec<_> = blocks().into_iter().filter(|b| b.0 == "toml").collect();
    let dependency = toml[0].2.iter().find(|l| l.starts_with("instrack")).expect("a dependency line");
    assert!(dependency.contains("path =") || dependency.contains("git ="), "{dependency}");
}
