//! `cargo run`: runs each README sample in a child process (reports go to
//! stderr, so the child's whole output is what a user sees) and compares it
//! with the README's text block. `cargo run -- <name>` runs one sample.

include!(concat!(env!("OUT_DIR"), "/samples.rs"));

use std::process::Command;

fn main() {
    if let Some(name) = std::env::args().nth(1) {
        let (_, _, run, _, _) = SAMPLES.iter().find(|s| s.0 == name).expect("no such sample");
        run();
        return;
    }
    assert!(!SAMPLES.is_empty(), "no README code block is followed by a sample output");
    let mut failed = 0;
    for (name, line, _, expected, first) in SAMPLES {
        let out = Command::new(std::env::current_exe().unwrap()).arg(name).output().unwrap();
        assert!(out.status.success(), "README.md:{line}: the code failed:\n{}", String::from_utf8_lossy(&out.stderr));
        let printed = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
        if !instrack::ENABLED {
            continue; // the code runs; the samples show tracking on
        }
        let (got, want) = (normalize(&printed, *first), normalize(expected, *first));
        if got == want {
            println!("README.md:{line}: sample output matches");
        } else {
            failed += 1;
            println!("README.md:{line}: the sample output is not what the code prints.\n--- README (normalized):\n{want}\n--- printed (normalized):\n{got}\n--- printed:\n{printed}");
        }
    }
    if failed > 0 {
        std::process::exit(1);
    }
}

/// Masks what changes from run to run or from crate to crate: ids, ages,
/// source sites other than the block's own, thread names, module paths of
/// types, and alignment spaces. A site in the block (`samples.rs:M`, whose
/// first line is `samples.rs:first`) reads as the `src/main.rs:N` that a
/// paste of the block prints, and is compared as is.
fn normalize(text: &str, first: u32) -> String {
    let mut lines = Vec::new();
    for line in text.lines() {
        let words: Vec<String> = line.split_whitespace().map(|w| mask_word(w, first)).collect();
        let mut line = words.join(" ");
        for word in ["thread "] {
            if let Some(i) = line.find(word) {
                let end = line[i + word.len()..].find([' ', ')', ',']).map_or(line.len(), |e| i + word.len() + e);
                line.replace_range(i + word.len()..end, "T");
            }
        }
        lines.push(line);
    }
    lines.join("\n").trim().to_owned()
}

fn mask_word(word: &str, first: u32) -> String {
    // ids: #12, #12;
    if let Some(rest) = word.strip_prefix('#') {
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        if digits > 0 {
            return format!("#N{}", &rest[digits..]);
        }
    }
    // ages: 41µs 3ms 1.2s 52µs;
    let digits = word.chars().take_while(|c| c.is_ascii_digit() || *c == '.').count();
    if digits > 0 {
        let unit = &word[digits..];
        for u in ["µs", "ms", "s"] {
            if let Some(after) = unit.strip_prefix(u) {
                if after.is_empty() || after == ";" {
                    return format!("AGE{after}");
                }
            }
        }
    }
    // sites: path/to/file.rs:15, also as (src/main.rs:44) or src/main.rs:44,
    let inner = word.trim_start_matches('(').trim_end_matches([')', ',']);
    if let Some((file, line)) = inner.rsplit_once(':') {
        if file.ends_with(".rs") && !line.is_empty() && line.chars().all(|c| c.is_ascii_digit()) {
            let (start, end) = (word.len() - word.trim_start_matches('(').len(), word.trim_end_matches([')', ',']).len());
            let site = match line.parse::<u32>() {
                Ok(m) if file.ends_with("/samples.rs") && m >= first => format!("src/main.rs:{}", m - first + 1),
                _ if file == "src/main.rs" => inner.to_owned(),
                _ => "FILE:LINE".to_owned(),
            };
            return format!("{}{site}{}", &word[..start], &word[end..]);
        }
    }
    // module paths before a type: demo::Session, it::x::Widget: -> Session
    let mut out = String::new();
    let mut rest = word;
    while let Some(i) = rest.find("::") {
        let (head, tail) = rest.split_at(i);
        let start = head.rfind(|c: char| !(c.is_alphanumeric() || c == '_')).map_or(0, |s| s + 1);
        let segment = &head[start..];
        if segment.chars().next().is_some_and(|c| c.is_lowercase()) {
            out.push_str(&head[..start]); // drop the lower-case module segment
        } else {
            out.push_str(head);
            out.push_str("::");
        }
        rest = &tail[2..];
    }
    out.push_str(rest);
    out
}
