//! Bilingual messages and the text clean-up applied to every roster cell.

pub use crate::i18n::Text;

/// Folds full-width ASCII (`０`–`～`) to half-width and the ideographic space to a space.
pub fn fold_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{3000}' | '\u{00A0}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            other => other,
        })
        .collect()
}

/// True for CJK ideographs and the name separator dot, around which spaces are never meaningful.
fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{2FA1F}' | '·')
}

/// Cleans a name: folds full width, unifies the middle dot of minority names (`·`), drops spaces next to
/// Chinese characters (`张 三` → `张三`) and collapses other runs of spaces (`Ahmat  Tursun` → `Ahmat Tursun`).
pub fn clean_name(raw: &str) -> String {
    let folded: String = fold_width(raw)
        .chars()
        .map(|c| match c {
            '•' | '．' | '・' | '‧' | '∙' | '⋅' => '·',
            c if c.is_whitespace() => ' ',
            c => c,
        })
        .collect();
    let chars: Vec<char> = folded.trim().chars().collect();
    let mut out = String::with_capacity(folded.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == ' ' {
            let start = i;
            while i < chars.len() && chars[i] == ' ' {
                i += 1;
            }
            let before = chars[..start].last().copied();
            let after = chars.get(i).copied();
            if !before.is_some_and(is_cjk) && !after.is_some_and(is_cjk) {
                out.push(' ');
            }
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Cleans a class, school or major name: folds full width, trims and collapses spaces.
pub fn clean_label(raw: &str) -> String {
    fold_width(raw)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Cleans a student number or collection code: folds full width and removes every space.
pub fn clean_token(raw: &str) -> String {
    fold_width(raw)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// True if `s` looks like a number in scientific notation (`2.02E+09`), whose digits are lost.
pub fn is_scientific(s: &str) -> bool {
    let Some((mantissa, exp)) = s.split_once(['e', 'E']) else {
        return false;
    };
    let exp = exp.strip_prefix(['+', '-']).unwrap_or(exp);
    let mut parts = mantissa.splitn(2, '.');
    let int = parts.next().unwrap_or("");
    let frac = parts.next().unwrap_or("0");
    !int.is_empty()
        && int.chars().all(|c| c.is_ascii_digit())
        && frac.chars().all(|c| c.is_ascii_digit())
        && !exp.is_empty()
        && exp.chars().all(|c| c.is_ascii_digit())
}

/// Strips a float tail (`2020123456.0` → `2020123456`) from an all-digit number written by a spreadsheet.
pub fn strip_float_tail(s: &str) -> &str {
    if let Some((int, frac)) = s.split_once('.')
        && !int.is_empty()
        && int.chars().all(|c| c.is_ascii_digit())
        && !frac.is_empty()
        && frac.chars().all(|c| c == '0')
    {
        return int;
    }
    s
}

/// Formats a numeric spreadsheet cell as Excel's "General" format shows it for whole numbers
/// (`2020123456.0` → `2020123456`); other values keep Rust's shortest exact form.
pub fn format_number(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e21 {
        format!("{f:.0}")
    } else {
        format!("{f}")
    }
}

/// Largest integer a spreadsheet number holds exactly (2^53); longer numbers have lost digits.
pub const EXACT_INTEGER_LIMIT: f64 = 9_007_199_254_740_992.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(clean_name("  张 三 "), "张三");
        assert_eq!(clean_name("李\u{3000}四"), "李四");
        assert_eq!(clean_name("Ａｈｍａｔ   Tursun"), "Ahmat Tursun");
        assert_eq!(clean_name("阿依古丽 • 买买提"), "阿依古丽·买买提");
    }

    #[test]
    fn tokens_and_numbers() {
        assert_eq!(clean_token(" ２０２０ 0123 "), "20200123");
        assert!(is_scientific("2.02E+09"));
        assert!(is_scientific("2E9"));
        assert!(!is_scientific("2020E1班"));
        assert!(!is_scientific("20200123"));
        assert_eq!(strip_float_tail("2020123456.0"), "2020123456");
        assert_eq!(strip_float_tail("2020.5"), "2020.5");
        assert_eq!(format_number(2020123456.0), "2020123456");
        assert_eq!(format_number(0.5), "0.5");
        assert_eq!(clean_label(" 计算机 　1班 "), "计算机 1班");
    }
}
