//! Turning a captured image into a storable shot: the one path shared by the GUI's "shoot" and
//! `capture-station ingest` (decode, final compliance check, crop to 480×640, encode within the size window).

use std::path::Path;

use image::RgbImage;

use crate::compliance::{ComplianceError, Outcome, PhotoSpec, Verdict, final_check};
use crate::imaging::{self, DecodeLimits, EncodedJpeg};
use crate::store::{CheckRow, NewShot};

/// Whether the prepared shot meets the standard.
#[derive(Debug, Clone, PartialEq)]
pub enum ShotOutcome {
    /// No check failed (warnings allowed).
    Pass,
    /// At least one check failed; the summary names them.
    Fail(String),
}

/// A shot ready to be stored.
#[derive(Debug, Clone)]
pub struct PreparedShot {
    /// The 480×640 crop.
    pub crop: RgbImage,
    /// The encoded spec JPEG.
    pub jpeg: EncodedJpeg,
    /// The full verdict on the crop.
    pub verdict: Verdict,
    /// Per-check results as stored.
    pub checks: Vec<CheckRow>,
    /// Overall outcome.
    pub outcome: ShotOutcome,
}

/// Why a shot could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum ShotError {
    /// The file could not be decoded.
    #[error(transparent)]
    Decode(#[from] imaging::ImagingError),
    /// The checker could not produce a crop.
    #[error(transparent)]
    Compliance(#[from] ComplianceError),
}

impl PreparedShot {
    /// The store's view of this shot.
    pub fn new_shot<'a>(
        &'a self,
        student_no: &'a str,
        code: &'a str,
        supersede: bool,
    ) -> NewShot<'a> {
        NewShot {
            student_no,
            code,
            jpeg: &self.jpeg.bytes,
            width: self.crop.width(),
            height: self.crop.height(),
            quality: self.jpeg.quality,
            checks: &self.checks,
            verdict_pass: Some(self.outcome == ShotOutcome::Pass),
            supersede,
        }
    }
}

/// Decodes an image file and prepares it.
pub fn prepare_shot(path: &Path, spec: &PhotoSpec) -> Result<PreparedShot, ShotError> {
    let img = imaging::decode_file(path, DecodeLimits::default())?;
    prepare_image(&img, spec)
}

/// Final check, crop and encode of a full-resolution frame.
pub fn prepare_image(img: &RgbImage, spec: &PhotoSpec) -> Result<PreparedShot, ShotError> {
    let fin = final_check(img, spec)?;
    let checks = fin
        .verdict
        .checks
        .iter()
        .map(|c| CheckRow {
            check_id: c.id.clone(),
            outcome: match c.outcome {
                Outcome::Pass => "pass",
                Outcome::Warn => "warn",
                Outcome::Fail => "fail",
            }
            .into(),
            value: Some(c.value).filter(|v| v.is_finite()),
            threshold: c.threshold.clone(),
            reason_zh: c.reason_zh.clone(),
            reason_en: c.reason_en.clone(),
        })
        .collect();
    let outcome = if fin.verdict.pass {
        ShotOutcome::Pass
    } else {
        ShotOutcome::Fail(fin.verdict.failed_ids().join(", "))
    };
    Ok(PreparedShot {
        crop: fin.crop,
        jpeg: fin.jpeg,
        verdict: fin.verdict,
        checks,
        outcome,
    })
}
