//! Photo compliance: the CHSI standard (`PhotoSpec`), one measurement per image (face landmarks from
//! [`crate::face`] plus the backdrop scan), the crop planned from it, per-check verdicts with bilingual
//! reasons and hints, the spec crop/encode and the live pass.
//!
//! A shot flows one way: frame → landmarks + backdrop (`measure`) → crop plan (`crop`) → checks on the
//! planned crop (`checks`) → crop and encode (`judge`). The live pass (`live`) runs the same judgement on
//! every preview frame, so a green light means a passing shot.

mod backdrop;
mod checks;
pub mod cli;
mod crop;
mod face_metrics;
mod judge;
mod live;
mod measure;
pub mod root_cause;
mod spec;

pub use checks::ids;
pub use crop::{CropPlan, crop_to_spec, plan_crop};
pub use judge::{FinalShot, evaluate_photo, final_check, measure_still, photo_geometry};
pub use live::{LiveAnalysis, LiveState, analyze_live, analyze_live_with_proxy};
pub use measure::{
    FaceGeometry, Measurements, NormRect, OTHER_FACE_SCORE, Oval, PITCH_NEUTRAL_DEG, measure,
    measure_with_proxy,
};
pub use spec::{BackgroundSpec, GlassesRule, Limit, PhotoSpec, Range, SpecError, Thresholds};

use serde::{Deserialize, Serialize};

pub use crate::i18n::Text;

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Meets the standard.
    Pass,
    /// Probably fine or not measurable with confidence; the operator should look.
    Warn,
    /// Violates the standard: re-shoot.
    Fail,
}

/// One check's result: flat and serialisable so the store can persist one row per check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    /// Stable id (see [`ids`]).
    pub id: String,
    /// Pass, warn or fail.
    pub outcome: Outcome,
    /// The measured value (unit depends on the check; NaN-free, see `threshold`).
    pub value: f64,
    /// The thresholds applied, human-readable (e.g. "warn ≥ 4, fail ≥ 7 (deg)").
    pub threshold: String,
    /// Why, in Chinese.
    pub reason_zh: String,
    /// Why, in English.
    pub reason_en: String,
    /// What to do, in Chinese (empty when passing).
    pub hint_zh: String,
    /// What to do, in English (empty when passing).
    pub hint_en: String,
}

impl CheckResult {
    /// The reason as a bilingual text.
    pub fn reason(&self) -> Text {
        Text::new(self.reason_zh.clone(), self.reason_en.clone())
    }
    /// The correction hint as a bilingual text.
    pub fn hint(&self) -> Text {
        Text::new(self.hint_zh.clone(), self.hint_en.clone())
    }
}

/// All checks for one image; `pass` is true when no check failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// Per-check results in a stable order.
    pub checks: Vec<CheckResult>,
    /// True when no check failed (warnings allowed).
    pub pass: bool,
}

impl Verdict {
    /// Builds a verdict from check results.
    pub fn from_checks(checks: Vec<CheckResult>) -> Self {
        let pass = checks.iter().all(|c| c.outcome != Outcome::Fail);
        Self { checks, pass }
    }
    /// Ids of the failed checks.
    pub fn failed_ids(&self) -> Vec<&str> {
        self.checks
            .iter()
            .filter(|c| c.outcome == Outcome::Fail)
            .map(|c| c.id.as_str())
            .collect()
    }
    /// The result of the check with `id`, if present.
    pub fn get(&self, id: &str) -> Option<&CheckResult> {
        self.checks.iter().find(|c| c.id == id)
    }
}

/// Why a compliance operation could not run at all (as opposed to a failing verdict).
#[derive(Debug, thiserror::Error)]
pub enum ComplianceError {
    /// The spec is inconsistent.
    #[error("invalid photo spec: {0}")]
    Spec(#[from] SpecError),
    /// The image is too small to analyse.
    #[error("image is {width}×{height} px, too small to analyse (need at least 16×16)")]
    TooSmall {
        /// Width.
        width: u32,
        /// Height.
        height: u32,
    },
    /// The crop would have to be enlarged beyond the allowed factor.
    #[error("the crop would be enlarged {scale:.2}× (allowed {max}×): too few pixels")]
    Upscale {
        /// Needed output px per source px.
        scale: f64,
        /// Allowed maximum.
        max: f64,
    },
    /// The face models could not run.
    #[error("face analysis failed: {0}")]
    Face(String),
    /// The crop could not be encoded within the size window.
    #[error("cannot encode the photo: {0}")]
    Encode(#[from] crate::imaging::JpegError),
}
