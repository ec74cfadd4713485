//! Shooting order.
//!
//! Within a class: students marked 降级 (held back) or 复读 (repeating) come first, as one group; then everyone
//! else. Inside each group, student numbers ascend **numeric-aware**: a number is split into runs of digits and
//! runs of other characters; digit runs compare by numeric value (leading zeros ignored, so `2020012` <
//! `20200101` because 2,020,012 < 20,200,101), other runs compare case-insensitively as text, and a digit run
//! sorts before a text run. Numbers that are still equal (`007` and `7`) fall back to the shorter one first,
//! then plain text order. Remaining ties keep the file order.
//!
//! Classes follow the order set by the roster staff (`roster order`, [`crate::store::Store::set_class_order`]);
//! by default the order in which classes first appeared in the imported files.

use std::cmp::Ordering;

use crate::store::StudentStatus;

enum Run<'a> {
    Digits(&'a str),
    Text(&'a str),
}

fn runs(s: &str) -> impl Iterator<Item = Run<'_>> {
    let mut rest = s;
    std::iter::from_fn(move || {
        let first = rest.chars().next()?;
        let digit = first.is_ascii_digit();
        let end = rest
            .char_indices()
            .find(|(_, c)| c.is_ascii_digit() != digit)
            .map_or(rest.len(), |(i, _)| i);
        let (run, tail) = rest.split_at(end);
        rest = tail;
        Some(if digit {
            Run::Digits(run)
        } else {
            Run::Text(run)
        })
    })
}

fn cmp_digits(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Compares two student numbers by the rule in the module docs.
pub fn cmp_student_no(a: &str, b: &str) -> Ordering {
    let mut ra = runs(a);
    let mut rb = runs(b);
    loop {
        let ord = match (ra.next(), rb.next()) {
            (None, None) => break,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(Run::Digits(x)), Some(Run::Digits(y))) => cmp_digits(x, y),
            (Some(Run::Text(x)), Some(Run::Text(y))) => x.to_lowercase().cmp(&y.to_lowercase()),
            (Some(Run::Digits(_)), Some(Run::Text(_))) => Ordering::Less,
            (Some(Run::Text(_)), Some(Run::Digits(_))) => Ordering::Greater,
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// 0 for 降级/复读 (photographed first), 1 for everyone else.
pub fn status_rank(s: StudentStatus) -> u8 {
    match s {
        StudentStatus::HeldBack | StudentStatus::Repeating => 0,
        StudentStatus::Normal => 1,
    }
}

/// Orders two students of the same class: status group, then student number, then file order.
pub fn cmp_in_class(a: (StudentStatus, &str, i64), b: (StudentStatus, &str, i64)) -> Ordering {
    status_rank(a.0)
        .cmp(&status_rank(b.0))
        .then_with(|| cmp_student_no(a.1, b.1))
        .then_with(|| a.2.cmp(&b.2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_aware() {
        let mut v = vec![
            "20200101", "2020012", "2020011", "A10", "a9", "007", "7", "2020012b", "2020012a",
        ];
        v.sort_by(|a, b| cmp_student_no(a, b));
        assert_eq!(
            v,
            vec![
                "7", "007", "2020011", "2020012", "2020012a", "2020012b", "20200101", "a9", "A10"
            ]
        );
    }

    #[test]
    fn held_back_and_repeating_first() {
        use StudentStatus::*;
        let mut v = [
            (Normal, "1", 0),
            (Repeating, "9", 1),
            (HeldBack, "5", 2),
            (Normal, "01", 3),
        ];
        v.sort_by(|a, b| cmp_in_class(*a, *b));
        let nos: Vec<&str> = v.iter().map(|x| x.1).collect();
        assert_eq!(nos, vec!["5", "9", "1", "01"]);
    }
}
