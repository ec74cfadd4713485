//! Judging still images, one way: frame → landmarks + backdrop → crop plan → crop → checks. A raw frame is
//! cut as the shoot path cuts it ([`final_check`]); a finished photo is judged as it is ([`evaluate_photo`]).

use std::sync::Mutex;

use image::{Rgb, RgbImage};

use super::checks::{OutputGeometry, evaluate};
use super::crop::{CropPlan, geometry, plan, resample};
use super::face_metrics::hand_cover;
use super::measure::{FaceGeometry, Measurements, measure};
use super::spec::PhotoSpec;
use super::{ComplianceError, Verdict};
use crate::face::{FaceError, FaceTracker, Faces};
use crate::imaging::{EncodedJpeg, JpegError, encode_spec_jpeg};

/// Idle trackers for still images (one is taken per call, so threads never share one; a static is never
/// dropped, which keeps tract's per-thread scratch out of thread-exit teardown).
static IDLE: Mutex<Vec<FaceTracker>> = Mutex::new(Vec::new());

/// An idle tracker, or a new one (models load once per process).
fn take_tracker() -> Result<FaceTracker, FaceError> {
    match IDLE.lock().ok().and_then(|mut v| v.pop()) {
        Some(t) => Ok(t),
        None => FaceTracker::new(),
    }
}

fn put_back(tracker: FaceTracker) {
    if let Ok(mut v) = IDLE.lock() {
        v.push(tracker);
    }
}

/// Finds the faces of a still image, and the hands near the main one.
pub(crate) fn find_faces(img: &RgbImage) -> Result<Faces, FaceError> {
    let mut tracker = take_tracker()?;
    let faces = tracker.analyse_still(img);
    put_back(tracker);
    faces
}

/// Measures a still image (faces, then backdrop and metrics).
pub fn measure_still(img: &RgbImage, spec: &PhotoSpec) -> Result<Measurements, ComplianceError> {
    let faces = find_faces(img).map_err(|e| ComplianceError::Face(e.to_string()))?;
    Ok(measure(img, &faces, spec))
}

/// The result of shooting: the verdict on the crop, the crop, its JPEG and the frame geometry.
#[derive(Debug, Clone)]
pub struct FinalShot {
    /// Checks on the cropped photo (resolution judged from the crop scale).
    pub verdict: Verdict,
    /// The 480×640 crop.
    pub crop: RgbImage,
    /// The crop encoded within the size window.
    pub jpeg: EncodedJpeg,
    /// Geometry on the full frame.
    pub geometry: FaceGeometry,
    /// The frame's measurements.
    pub measurements: Measurements,
}

fn soften(img: &RgbImage) -> RgbImage {
    let (w, h) = (img.width(), img.height());
    RgbImage::from_fn(w, h, |x, y| {
        let mut acc = [0u32; 3];
        let mut n = 0u32;
        for (dx, dy, wt) in [
            (0i64, 0i64, 4u32),
            (-1, 0, 1),
            (1, 0, 1),
            (0, -1, 1),
            (0, 1, 1),
        ] {
            let (xx, yy) = (i64::from(x) + dx, i64::from(y) + dy);
            if xx >= 0 && yy >= 0 && xx < i64::from(w) && yy < i64::from(h) {
                let p = img.get_pixel(xx as u32, yy as u32).0;
                for c in 0..3 {
                    acc[c] += wt * u32::from(p[c]);
                }
                n += wt;
            }
        }
        Rgb(acc.map(|v| (v / n.max(1)) as u8))
    })
}

/// Judges measurements of a frame as the planned crop will show them (what both the shot and the live
/// pass use, so a green live light means a passing shot).
pub(crate) fn judge_frame(m: &Measurements, spec: &PhotoSpec) -> (CropPlan, Verdict) {
    let (p, g) = plan(m, spec);
    (p, evaluate(m, &g, spec))
}

/// Analyses a full frame once, crops it to spec and encodes it within the size window.
pub fn final_check(img: &RgbImage, spec: &PhotoSpec) -> Result<FinalShot, ComplianceError> {
    spec.validate()?;
    if img.width() < 16 || img.height() < 16 {
        return Err(ComplianceError::TooSmall {
            width: img.width(),
            height: img.height(),
        });
    }
    let face_error = |e: FaceError| ComplianceError::Face(e.to_string());
    let mut tracker = take_tracker().map_err(face_error)?;
    let faces = match tracker.faces_of_still(img) {
        Ok(f) => f,
        Err(e) => {
            put_back(tracker);
            return Err(face_error(e));
        }
    };
    // The hand search (a palm search plus a landmark run per palm near the head) needs only the face: it
    // runs on a second thread while this one measures, crops and encodes; only the verdict waits for it.
    let primary = faces.primary.clone();
    let (hands, rest) = std::thread::scope(|s| {
        let search = s.spawn(move || {
            let hands = match &primary {
                Some(f) => tracker.hands_near(img, f),
                None => Ok(Vec::new()),
            };
            (tracker, hands)
        });
        let rest = crop_and_encode(img, &faces, spec);
        (search.join(), rest)
    });
    let hands = match hands {
        Ok((tracker, hands)) => {
            put_back(tracker);
            hands.map_err(face_error)?
        }
        Err(_) => {
            return Err(ComplianceError::Face(
                "the hand search stopped unexpectedly".into(),
            ));
        }
    };
    let (mut m, p, g, crop, jpeg) = rest?;
    m.hand_cover = hand_cover(&hands, &m);
    let verdict = evaluate(&m, &g, spec);
    Ok(FinalShot {
        verdict,
        crop,
        jpeg,
        geometry: geometry(&m, &p),
        measurements: m,
    })
}

/// The shot's measurements (without hands), crop plan and geometry, crop and JPEG.
type Cut = (
    Measurements,
    CropPlan,
    OutputGeometry,
    RgbImage,
    EncodedJpeg,
);

fn crop_and_encode(
    img: &RgbImage,
    faces: &Faces,
    spec: &PhotoSpec,
) -> Result<Cut, ComplianceError> {
    let m = measure(img, faces, spec);
    let (p, g) = plan(&m, spec);
    let crop = resample(img, &p, spec.width, spec.height);
    let target = spec.jpeg_target();
    let jpeg = match encode_spec_jpeg(&crop, &target) {
        Err(JpegError::TooLargeAtMinQuality { .. }) => encode_spec_jpeg(&soften(&crop), &target)?,
        other => other?,
    };
    Ok((m, p, g, crop, jpeg))
}

/// Checks an image as a finished spec photo (no re-cropping): what `capture-station check` does.
pub fn evaluate_photo(
    img: &RgbImage,
    spec: &PhotoSpec,
) -> Result<(Verdict, Measurements), ComplianceError> {
    let m = measure_still(img, spec)?;
    let s = f64::from(spec.width) / f64::from(img.width().max(1));
    let g = OutputGeometry {
        crown_margin: m.crown_y * s,
        eye_line: m.eye_line_y() * s,
        face_width: m.face_width * s,
        centre_offset: m.face_cx * s - f64::from(spec.width) / 2.0,
        scale: 1.0,
        as_is_size: Some((img.width(), img.height())),
    };
    Ok((evaluate(&m, &g, spec), m))
}

/// Overlay geometry of a photo that is already cut to the spec (its crop box is the whole photo), for the
/// review screen; `None` when no face is found.
pub fn photo_geometry(img: &RgbImage, spec: &PhotoSpec) -> Option<FaceGeometry> {
    let m = measure_still(img, spec).ok()?;
    let whole = CropPlan {
        x: 0.0,
        y: 0.0,
        w: f64::from(img.width()),
        h: f64::from(img.height()),
        scale: f64::from(spec.width) / f64::from(img.width().max(1)),
    };
    m.person.then(|| geometry(&m, &whole))
}
