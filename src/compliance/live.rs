//! The live pass on preview frames: the face is tracked between frames (detector only when the track is
//! lost, iris on every third frame for alternating eyes, hands near the face on every twelfth), then every
//! check is judged on the planned crop exactly as a shot would be, plus smoothed overlay geometry.

use image::RgbImage;

use super::CheckResult;
use super::crop::geometry;
use super::judge::judge_frame;
use super::measure::{FaceGeometry, measure_with_proxy};
use super::spec::PhotoSpec;
use crate::face::{Detection, EyeDetail, FaceTracker, Faces, Hand, Side};

/// How often (in frames) the whole frame is searched for other people while tracking.
const COUNT_EVERY: u64 = 8;

/// How often (in frames) hands are searched for near the face (0.8 s at 15 fps; the shot itself always
/// searches); in between, the last hands count. The search runs on frames without an iris run (those
/// are ≡ 0 or 3 mod 6) or a whole-frame count (odd frames).
const HANDS_EVERY: u64 = 12;

/// State carried between preview frames (face track, other faces, geometry smoothing).
#[derive(Default)]
pub struct LiveState {
    tracker: Option<FaceTracker>,
    tracker_error: Option<String>,
    others: Vec<Detection>,
    hands: Vec<Hand>,
    smoothed: Option<FaceGeometry>,
    frames: u64,
}

impl std::fmt::Debug for LiveState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveState")
            .field("frames", &self.frames)
            .field("tracking", &self.tracker.is_some())
            .finish()
    }
}

impl LiveState {
    /// A fresh state.
    pub fn new() -> Self {
        Self::default()
    }
    /// Frames analysed so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }
    /// Why the face models could not run, if they could not.
    pub fn face_error(&self) -> Option<&str> {
        self.tracker_error.as_deref()
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

fn faces_of(frame: &RgbImage, state: &mut LiveState) -> Faces {
    if state.tracker.is_none() && state.tracker_error.is_none() {
        match FaceTracker::new() {
            Ok(t) => state.tracker = Some(t),
            Err(e) => {
                tracing::error!("face models unavailable: {e}");
                state.tracker_error = Some(e.to_string());
            }
        }
    }
    let Some(tracker) = state.tracker.as_mut() else {
        return Faces::default();
    };
    // The iris model runs on every third frame, alternating eyes (each eye is refreshed every 6 frames,
    // 0.4 s at 15 fps); in between, the eyes are carried with the mesh. The shot itself always runs both.
    let detail = match state.frames % 6 {
        0 => EyeDetail::One(Side::Left),
        3 => EyeDetail::One(Side::Right),
        _ => EyeDetail::Carry,
    };
    let primary = match tracker.track(frame, detail) {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!("face tracking failed: {e}");
            tracker.reset();
            None
        }
    };
    if state.frames % COUNT_EVERY == 1 {
        state.others = tracker.detect_whole(frame).unwrap_or_default();
    }
    let others = match &primary {
        Some(p) => {
            let b = p.bounds();
            state
                .others
                .iter()
                .filter(|d| d.cx < b[0] || d.cx > b[2] || d.cy < b[1] || d.cy > b[3])
                .copied()
                .collect()
        }
        None => state.others.clone(),
    };
    state.hands = match &primary {
        Some(p) if state.frames % HANDS_EVERY == 4 => {
            tracker.hands_near(frame, p).unwrap_or_else(|e| {
                tracing::warn!("hand search failed: {e}");
                Vec::new()
            })
        }
        Some(_) => std::mem::take(&mut state.hands),
        None => Vec::new(),
    };
    Faces {
        primary,
        others,
        hands: state.hands.clone(),
    }
}

/// Runs every check on a full-resolution preview frame as it would be cropped, and returns the overlay
/// geometry.
pub fn analyze_live(frame: &RgbImage, spec: &PhotoSpec, state: &mut LiveState) -> LiveAnalysis {
    analyze_live_with_proxy(frame, None, spec, state)
}

/// As [`analyze_live`], with the backdrop scanned on the pipeline's downscaled analysis proxy
/// (`(proxy, frame px per proxy px)`); the face models still sample the full frame.
pub fn analyze_live_with_proxy(
    frame: &RgbImage,
    proxy: Option<(&RgbImage, u32)>,
    spec: &PhotoSpec,
    state: &mut LiveState,
) -> LiveAnalysis {
    state.frames += 1;
    let faces = faces_of(frame, state);
    let m = measure_with_proxy(frame, proxy, &faces, spec);
    let (p, verdict) = judge_frame(&m, spec);
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
