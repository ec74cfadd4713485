//! Safe text: what may go into a record (no control characters, no bidirectional overrides, bounded length),
//! and how a cell is written to CSV so a spreadsheet never runs it as a formula.

use std::borrow::Cow;

/// Longest student number accepted.
pub const MAX_STUDENT_NO: usize = 32;
/// Longest name accepted.
pub const MAX_NAME: usize = 64;
/// Longest class, school or major accepted.
pub const MAX_LABEL: usize = 128;
/// Longest free-text reason (rejection, override, comment) accepted.
pub const MAX_REASON: usize = 500;

/// Whether `c` is a C0/C1 control character or a bidirectional embedding, override or isolate
/// (U+202A–U+202E, U+2066–U+2069), which can make a name display as something else.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || ('\u{202A}'..='\u{202E}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
        || c == '\u{200E}'
        || c == '\u{200F}'
        || c == '\u{061C}'
}

/// Checks a field before it is stored: `field` names it in the message (e.g. "姓名 name").
pub fn check_field(field: &str, value: &str, max_chars: usize) -> Result<(), String> {
    if let Some((i, c)) = value.chars().enumerate().find(|(_, c)| is_unsafe_char(*c)) {
        return Err(format!(
            "{field} contains a control or text-direction character (U+{:04X} at position {}); retype it",
            c as u32,
            i + 1
        ));
    }
    let n = value.chars().count();
    if n > max_chars {
        return Err(format!(
            "{field} is {n} characters long; at most {max_chars} are allowed"
        ));
    }
    Ok(())
}

/// Whether `s` is a usable station id: letters, digits, `-` and `_`.
pub fn is_station_id(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// A cell as written to CSV: a leading `= + - @`, tab or carriage return is neutralised with a `'` so
/// spreadsheets show the text instead of evaluating it; quoting is left to the writer.
pub fn csv_cell(s: &str) -> Cow<'_, str> {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{s}")),
        _ => Cow::Borrowed(s),
    }
}

/// A CSV field: neutralised by [`csv_cell`] and quoted when it holds a comma, quote or line break.
pub fn csv_field(s: &str) -> String {
    let cell = csv_cell(s);
    if cell.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.into_owned()
    }
}

/// At most `max` characters of `s` (for cells with a size limit, e.g. Excel's 32,767).
pub fn truncate_chars(s: &str, max: usize) -> Cow<'_, str> {
    match s.char_indices().nth(max) {
        Some((i, _)) => Cow::Owned(format!("{}…", &s[..i])),
        None => Cow::Borrowed(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_characters_and_lengths_are_refused() {
        assert!(check_field("name", "张三", MAX_NAME).is_ok());
        assert!(check_field("name", "O'Brien-Smith", MAX_NAME).is_ok());
        for bad in [
            "a\u{0}b",
            "a\u{7}",
            "x\u{85}",
            "\u{202E}gpj.exe",
            "a\u{2066}b",
            "tab\there",
        ] {
            assert!(check_field("name", bad, MAX_NAME).is_err(), "{bad:?}");
        }
        assert!(check_field("name", &"长".repeat(65), MAX_NAME).is_err());
        assert!(check_field("name", &"长".repeat(64), MAX_NAME).is_ok());
    }

    #[test]
    fn formula_cells_are_neutralised() {
        for f in [
            "=1+1",
            "+SUM(A1)",
            "-2+3",
            "@cmd",
            "\tx",
            "=HYPERLINK(\"http://x\")",
        ] {
            let cell = csv_field(f);
            assert!(
                cell.starts_with("'") || cell.starts_with("\"'"),
                "{f:?} -> {cell}"
            );
        }
        assert_eq!(csv_field("2020001"), "2020001");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(truncate_chars("abcdef", 3), "abc…");
        assert_eq!(truncate_chars("abc", 3), "abc");
    }
}
