//! The pattern language shared by reports and snapshots.
//!
//! `*` selects every type. Otherwise the pattern is a whitespace-separated list
//! of names; a name selects a type when it equals the type's full path or its
//! last path segment, with or without generic arguments, and `*` inside a name
//! matches any run of characters (`my_app::net::*`).

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
            return Err(format!(
                "empty type pattern {text:?}: write \"*\" for every type, or type names separated by spaces"
            ));
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
        forms(type_name).iter().any(|form| glob(name, form))
    }
}

/// The four spellings a name may use for `type_name`: full path and last
/// segment, each with and without generic arguments.
fn forms(type_name: &str) -> [&str; 4] {
    let bare = match type_name.find('<') {
        Some(i) => &type_name[..i],
        None => type_name,
    };
    let start = bare.rfind("::").map_or(0, |i| i + 2);
    [type_name, bare, &type_name[start..], &bare[start..]]
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
        for no in ["Con", "net::Conn", "String", "conn", "my_app"] {
            assert!(!Pattern::name_matches(no, t), "{no}");
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
