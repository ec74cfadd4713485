//! Root causes first: while the backdrop or the exposure is wrong, the face checks read the wrong pixels
//! (a dark frame looks like shut eyes and glasses, a wall behind the head like a big, blurred, covered head),
//! so their results are held back and the photographer is told to fix the light or the backdrop first.

use super::checks::ids;
use super::{CheckResult, Outcome};

/// Checks that, when they fail, make the face checks unreliable.
pub const ROOTS: [&str; 3] = [
    ids::BACKGROUND_COLOUR,
    ids::BACKGROUND_UNIFORMITY,
    ids::EXPOSURE,
];

/// Checks that depend on a correct backdrop and exposure.
pub const DEPENDENT: [&str; 8] = [
    ids::LIGHTING_EVENNESS,
    ids::HEAD_SIZE,
    ids::HEAD_POSITION,
    ids::SHARPNESS,
    ids::EYES_OPEN,
    ids::MOUTH_CLOSED,
    ids::GLASSES,
    ids::FACE_OCCLUSION,
];

/// The message shown in place of a held-back check.
pub const HELD_BACK: (&str, &str) = ("先调整光线/背景", "fix the light / backdrop first");

/// True when `check` should be shown as held back: a root check fails and this one depends on it.
pub fn held_back(checks: &[CheckResult], check: &CheckResult) -> bool {
    DEPENDENT.contains(&check.id.as_str())
        && check.outcome != Outcome::Pass
        && checks
            .iter()
            .any(|c| ROOTS.contains(&c.id.as_str()) && c.outcome == Outcome::Fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(id: &str, outcome: Outcome) -> CheckResult {
        CheckResult {
            id: id.into(),
            outcome,
            value: 0.0,
            threshold: String::new(),
            reason_zh: String::new(),
            reason_en: String::new(),
            hint_zh: String::new(),
            hint_en: String::new(),
        }
    }

    #[test]
    fn face_checks_wait_for_the_backdrop_and_exposure() {
        let dark = vec![
            c(ids::EXPOSURE, Outcome::Fail),
            c(ids::GLASSES, Outcome::Warn),
            c(ids::EYES_OPEN, Outcome::Fail),
            c(ids::HEAD_ROLL, Outcome::Fail),
            c(ids::MOUTH_CLOSED, Outcome::Pass),
        ];
        let held: Vec<&str> = dark
            .iter()
            .filter(|x| held_back(&dark, x))
            .map(|x| x.id.as_str())
            .collect();
        // Roll is read from landmarks and stays; passing checks are shown as they are.
        assert_eq!(held, [ids::GLASSES, ids::EYES_OPEN]);
        let fine = vec![
            c(ids::EXPOSURE, Outcome::Warn),
            c(ids::EYES_OPEN, Outcome::Fail),
        ];
        assert!(!held_back(&fine, &fine[1]));
    }
}
