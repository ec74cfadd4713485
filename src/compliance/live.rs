//! The live pass on preview frames: all checks, plus smoothed overlay geometry tracked between frames.

use image::RgbImage;

use super::CheckResult;
use super::analysis::{FaceGeometry, measure};
use super::checks::evaluate;
use super::crop::{geometry, plan};
use super::spec::PhotoSpec;

/// State carried between preview frames (geometry smoothing).
#[derive(Debug, Clone, Default)]
pub struct LiveState {
    /// Size of the full camera frame when the analysed image is a downscaled proxy; the resolution check
    /// then uses the full frame's pixels.
    pub full_frame: Option<(u32, u32)>,
    smoothed: Option<FaceGeometry>,
    frames: u64,
}

impl LiveState {
    /// State for proxies downscaled from frames of `full_frame` size (`None` when analysing full frames).
    pub fn new(full_frame: Option<(u32, u32)>) -> Self {
        Self {
            full_frame,
            smoothed: None,
            frames: 0,
        }
    }
    /// Frames analysed so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }
}

/// Per-check outcomes and overlay geometry of one preview frame.
#[derive(Debug, Clone)]
pub struct LiveAnalysis {
    /// All checks, in verdict order.
    pub checks: Vec<CheckResult>,
    /// True when no check failed.
    pub pass: bool,
    /// Overlay geometry in normalised frame coordinates (`None` when no face).
    pub geometry: Option<FaceGeometry>,
}

fn blend(a: f64, b: f64, t: f64) -> f64 {
    a + (b - a) * t
}

fn smooth(prev: &FaceGeometry, cur: &FaceGeometry) -> FaceGeometry {
    // Follow quickly when the subject moves, damp jitter otherwise.
    let jump =
        (prev.head_oval.cx - cur.head_oval.cx).abs() + (prev.head_oval.cy - cur.head_oval.cy).abs();
    let t = if jump > 0.05 { 1.0 } else { 0.5 };
    let b = |a: f64, c: f64| blend(a, c, t);
    let mut g = *cur;
    g.head_oval.cx = b(prev.head_oval.cx, cur.head_oval.cx);
    g.head_oval.cy = b(prev.head_oval.cy, cur.head_oval.cy);
    g.head_oval.rx = b(prev.head_oval.rx, cur.head_oval.rx);
    g.head_oval.ry = b(prev.head_oval.ry, cur.head_oval.ry);
    for i in 0..2 {
        g.eye_left[i] = b(prev.eye_left[i], cur.eye_left[i]);
        g.eye_right[i] = b(prev.eye_right[i], cur.eye_right[i]);
    }
    g.crown_y = b(prev.crown_y, cur.crown_y);
    g.crop_box.x = b(prev.crop_box.x, cur.crop_box.x);
    g.crop_box.y = b(prev.crop_box.y, cur.crop_box.y);
    g.crop_box.w = b(prev.crop_box.w, cur.crop_box.w);
    g.crop_box.h = b(prev.crop_box.h, cur.crop_box.h);
    g
}

/// Runs every check on a preview frame as it would be cropped, and returns the overlay geometry.
pub fn analyze_live(frame: &RgbImage, spec: &PhotoSpec, state: &mut LiveState) -> LiveAnalysis {
    state.frames += 1;
    let m = measure(frame, spec.background.reference_rgb);
    let (p, mut g) = plan(&m, spec);
    if let Some((fw, _)) = state.full_frame {
        g.scale *= f64::from(frame.width()) / f64::from(fw.max(1));
    }
    let verdict = evaluate(&m, &g, spec);
    let geometry = if m.person {
        let cur = geometry(&m, &p);
        let out = match &state.smoothed {
            Some(prev) => smooth(prev, &cur),
            None => cur,
        };
        state.smoothed = Some(out);
        Some(out)
    } else {
        state.smoothed = None;
        None
    };
    LiveAnalysis {
        pass: verdict.pass,
        checks: verdict.checks,
        geometry,
    }
}
