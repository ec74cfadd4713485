//! Turning a captured image into a storable shot: the one path shared by the GUI's "shoot" and
//! `capture-station ingest` (decode, fit to 480×640, encode within the size window).

use std::path::Path;

use image::RgbImage;

use crate::imaging::{self, DecodeLimits, EncodedJpeg, JpegTarget};
use crate::store::{CheckRow, NewShot};

/// Output width of the spec photo.
pub const OUT_W: u32 = 480;
/// Output height of the spec photo.
pub const OUT_H: u32 = 640;

/// Whether the prepared shot meets the standard.
#[derive(Debug, Clone, PartialEq)]
pub enum ShotOutcome {
    /// Meets every check that ran.
    Pass,
    /// Fails; the summary names the failed checks.
    Fail(String),
}

/// A shot ready to be stored.
#[derive(Debug, Clone)]
pub struct PreparedShot {
    /// The encoded spec JPEG.
    pub jpeg: EncodedJpeg,
    /// Per-check results.
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
    /// Too few pixels for the output.
    #[error("{0}")]
    TooSmall(#[from] imaging::TooSmall),
    /// No JPEG inside the size window.
    #[error(transparent)]
    Encode(#[from] imaging::JpegError),
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
            width: OUT_W,
            height: OUT_H,
            quality: self.jpeg.quality,
            checks: &self.checks,
            verdict_pass: if self.checks.is_empty() {
                None
            } else {
                Some(self.outcome == ShotOutcome::Pass)
            },
            supersede,
        }
    }
}

/// Decodes an image file and prepares it.
pub fn prepare_shot(path: &Path) -> Result<PreparedShot, ShotError> {
    let img = imaging::decode_file(path, DecodeLimits::default())?;
    prepare_image(&img)
}

/// Prepares a full-resolution frame.
pub fn prepare_image(img: &RgbImage) -> Result<PreparedShot, ShotError> {
    let crop = imaging::fit_centre(img, OUT_W, OUT_H)?;
    let jpeg = imaging::encode_spec_jpeg(&crop, &JpegTarget::default())?;
    Ok(PreparedShot {
        jpeg,
        checks: Vec::new(),
        outcome: ShotOutcome::Pass,
    })
}
