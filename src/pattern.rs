//! The pattern language shared by reports and snapshots.
//!
//! `*` selects every type. Otherwise the pattern is a whitespace-separated list
//! of names; a name selects a type when it equals the type's path or any
//! trailing part of it (`Conn`, `net::Conn`, `my_app::net::Conn`), with or
//! without generic arguments, and `*` inside a name matches any run of
//! characters (`my_app::net::*`). Paths inside generic arguments are optional
//! on both sides: `Gen<Vec<u8>>` and `Gen<alloc::vec::Vec<u8>>` are the same
//! name, and reports show the short one, as it is written in source.
//!
//! An empty pattern is an error everywhere, whose message says what to write.

/// A parsed pattern.
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    names: Vec<String>,
}

impl Pattern {
    /// Parses `text`; an empty pattern is an error that says what to write.
    pub(crate) fn parse(text: &str) -> Result<Pattern, String> {
        let names: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
        if names.is_empty() {
            return Err(empty_pattern_message(text));
        }
        Ok(Pattern { names })
    }

    /// The names of the pattern, in the order written.
    pub(crate) fn names(&self) -> &[String] {
        &self.names
    }

    /// Whether any name of the pattern selects the type `type_name`.
    pub(crate) fn selects(&self, type_name: &str) -> bool {
        self.names.iter().any(|n| Pattern::name_matches(n, type_name))
    }

    /// Whether `name` (one word of the pattern) selects the type `type_name`.
    pub(crate) fn name_matches(name: &str, type_name: &str) -> bool {
        let name = short_generics(name);
        let type_name = short_generics(type_name);
        let generics_at = type_name.find('<').unwrap_or(type_name.len());
        let (path, generics) = type_name.split_at(generics_at);
        // Every trailing part of the path, at `::` boundaries, with and
        // without the generic arguments.
        let starts = std::iter::once(0).chain(path.match_indices("::").map(|(i, _)| i + 2));
        starts.into_iter().any(|start| {
            let tail = &path[start..];
            glob(&name, tail) || (!generics.is_empty() && glob(&name, &format!("{tail}{generics}")))
        })
    }
}

/// The error of an empty pattern, the same wherever a pattern is taken.
pub(crate) fn empty_pattern_message(text: &str) -> String {
    format!("empty type pattern {text:?}: write \"*\" for every type, or type names separated by spaces")
}

/// A type name as it is written in source: the paths inside its generic
/// arguments dropped (`demo::Gen<alloc::vec::Vec<u8>>` is `demo::Gen<Vec<u8>>`);
/// the outer path is kept.
pub(crate) fn short_generics(type_name: &str) -> std::borrow::Cow<'_, str> {
    let Some(open) = type_name.find('<') else { return type_name.into() };
    if !type_name[open..].contains("::") {
        return type_name.into();
    }
    let mut out = String::with_capacity(type_name.len());
    out.push_str(&type_name[..open]);
    let mut word = String::new();
    let is_path_char = |c: char| c.is_alphanumeric() || c == '_' || c == ':';
    for c in type_name[open..].chars() {
        if is_path_char(c) {
            word.push(c);
            continue;
        }
        push_last_segment(&mut out, &word);
        word.clear();
        out.push(c);
    }
    push_last_segment(&mut out, &word);
    out.into()
}

/// Pushes `C` for `a::b::C`, and a word with no path as it is. A leading
/// `::` (as in `<T as Trait>::Item`) is kept.
fn push_last_segment(out: &mut String, word: &str) {
    let (lead, path) = match word.strip_prefix("::") {
        Some(rest) => ("::", rest),
        None => ("", word),
    };
    out.push_str(lead);
    out.push_str(path.rsplit("::").next().unwrap_or(path));
}

/// Matches `text` against `pattern`, where `*` matches any run of characters.
fn glob(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_full_path_or_last_segment_with_or_without_generics() {
        let t = "my_app::net::Conn<alloc::string::String>";
        for yes in
            ["my_app::net::Conn<alloc::string::String>", "my_app::net::Conn", "Conn", "Conn<alloc::string::String>"]
        {
            assert!(Pattern::name_matches(yes, t), "{yes}");
        }
        for no in ["Con", "et::Conn", "String", "conn", "my_app", "app::net::Conn"] {
            assert!(!Pattern::name_matches(no, t), "{no}");
        }
    }

    #[test]
    fn partial_paths_and_generic_arguments_as_written_in_source_match() {
        let t = "my_app::net::Gen<alloc::vec::Vec<u8>, alloc::string::String>";
        for yes in [
            "Gen<Vec<u8>, String>",
            "net::Gen<Vec<u8>, String>",
            "net::Gen",
            "my_app::net::Gen<alloc::vec::Vec<u8>, String>",
            "Gen<Vec<u8>, alloc::string::String>",
            "Gen<*>",
        ] {
            assert!(Pattern::name_matches(yes, t), "{yes}");
        }
        for no in ["Gen<Vec<u16>, String>", "Gen<Vec<u8>>", "et::Gen"] {
            assert!(!Pattern::name_matches(no, t), "{no}");
        }
    }

    #[test]
    fn names_are_shown_with_short_generic_arguments() {
        let cases = [
            ("my_app::Gen<alloc::vec::Vec<u8>>", "my_app::Gen<Vec<u8>>"),
            ("a::B", "a::B"),
            ("a::B<u8>", "a::B<u8>"),
            ("a::F<dyn core::fmt::Debug, [std::string::String; 2]>", "a::F<dyn Debug, [String; 2]>"),
            ("a::F<&'static str, (x::Y, z::W<q::R>)>", "a::F<&'static str, (Y, W<R>)>"),
            ("a::F<<T as x::Tr>::Item>", "a::F<<T as Tr>::Item>"),
        ];
        for (full, short) in cases {
            assert_eq!(short_generics(full), short, "{full}");
        }
    }

    #[test]
    fn star_globs_inside_a_name() {
        let t = "my_app::net::Conn";
        for yes in ["my_app::net::*", "*Conn", "my_*::Conn", "*", "C*n", "my_app::*::Conn"] {
            assert!(Pattern::name_matches(yes, t), "{yes}");
        }
        for no in ["other::*", "*Connx", "C*x", "my_app::db::*"] {
            assert!(!Pattern::name_matches(no, t), "{no}");
        }
        // The last part must not overlap the part matched before it.
        assert!(!glob("ab*ba", "aba"));
        assert!(glob("ab*ba", "abba"));
    }

    #[test]
    fn an_empty_pattern_is_an_error_that_says_what_to_write() {
        let err = Pattern::parse("  \t").unwrap_err();
        assert!(err.contains("\"*\""), "{err}");
        assert_eq!(Pattern::parse(" A  B\nC ").unwrap().names(), ["A", "B", "C"]);
    }
}
