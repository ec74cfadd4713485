//! Finding the line of a dotted key in TOML text, for validation messages.

/// Returns the 1-based line where `dotted` (e.g. `security.kdf_iterations`) is assigned, if present.
pub fn line_of_key(text: &str, dotted: &str) -> Option<usize> {
    let (section, key) = match dotted.rsplit_once('.') {
        Some((s, k)) => (s, k),
        None => ("", dotted),
    };
    let mut current = String::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if let Some(rest) = line.strip_prefix('[') {
            current = rest.trim_end_matches(']').trim().to_string();
            continue;
        }
        let Some((lhs, _)) = line.split_once('=') else {
            continue;
        };
        if current == section && lhs.trim().trim_matches('"') == key {
            return Some(i + 1);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_key_in_its_section_only() {
        let text = "[a]\nx = 1\n[b]\n# x = 3\nx = 2\n";
        assert_eq!(line_of_key(text, "b.x"), Some(5));
        assert_eq!(line_of_key(text, "a.x"), Some(2));
        assert_eq!(line_of_key(text, "c.x"), None);
    }
}
