//! Hands near the face: MediaPipe's palm detector (lite, run at 128×128) on a square around the face,
//! then the hand-landmark model (lite, 224×224) on each palm near the head, in frame pixels. The palm
//! detector alone also fires on faces and clothing; the landmark model's hand presence separates real
//! hands from those.

use image::RgbImage;

use super::FaceLandmarks;
use super::detector::{anchors, confident};
use super::mesh::idx;
use super::net::{FaceError, Nets, Plan, Session};
use super::roi::{Layout, Range, Roi, sample};

/// Points of the hand-landmark model (wrist first).
pub const HAND_POINTS: usize = 21;

/// Palm score a detection needs before the landmark model looks at it.
const MIN_PALM_SCORE: f32 = 0.5;

/// Landmark runs per search at most (the palms nearest the head, best first).
const MAX_LANDMARK_RUNS: usize = 2;

/// Side of the square searched for palms, in face widths, centred between the eyes and the chin.
const SEARCH_FACE_WIDTHS: f32 = 3.0;

/// One hand found near the face.
#[derive(Debug, Clone, PartialEq)]
pub struct Hand {
    /// The 21 landmarks (wrist, then four points per finger from the thumb), frame pixels.
    pub points: Vec<[f32; 2]>,
    /// Hand presence probability 0–1 from the landmark model.
    pub presence: f32,
    /// Score of the palm detection it started from.
    pub palm_score: f32,
}

/// A palm detection in frame pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Palm {
    cx: f32,
    cy: f32,
    w: f32,
    h: f32,
    /// Wrist and the middle finger's knuckle (keypoints 0 and 2).
    wrist: [f32; 2],
    knuckle: [f32; 2],
    score: f32,
}

impl Palm {
    /// MediaPipe's hand region from a palm: turned so the wrist→knuckle line points up, shifted half a
    /// palm towards the fingers, its long side × 2.6.
    fn hand_roi(&self) -> Roi {
        let dx = self.knuckle[0] - self.wrist[0];
        let dy = self.knuckle[1] - self.wrist[1];
        let mut angle = std::f32::consts::FRAC_PI_2 - (-dy).atan2(dx);
        angle =
            (angle + std::f32::consts::PI).rem_euclid(std::f32::consts::TAU) - std::f32::consts::PI;
        let (s, c) = angle.sin_cos();
        let shift = -0.5 * self.h;
        Roi {
            cx: self.cx - shift * s,
            cy: self.cy + shift * c,
            size: self.w.max(self.h) * 2.6,
            angle,
        }
    }

    fn overlaps(&self, o: &Palm) -> bool {
        (self.cx - o.cx).abs() < 0.5 * (self.w + o.w) / 2.0
            && (self.cy - o.cy).abs() < 0.5 * (self.h + o.h) / 2.0
    }
}

/// Decodes the palm detector's outputs (`regressors` anchors×18, `scores` anchors) run on `roi`
/// (unrotated) at `n` px into palms, best first, overlapping ones dropped.
fn decode_palms(
    anchors: &[[f32; 2]],
    regressors: &[f32],
    scores: &[f32],
    roi: &Roi,
    n: f32,
) -> Vec<Palm> {
    let mut raw = Vec::new();
    for (a, r, score) in confident(anchors, regressors, scores, 18, MIN_PALM_SCORE) {
        let at = |k: usize| roi.to_frame(r[k] / n + a[0], r[k + 1] / n + a[1]);
        let [cx, cy] = at(0);
        raw.push(Palm {
            cx,
            cy,
            w: r[2] / n * roi.size,
            h: r[3] / n * roi.size,
            wrist: at(4),
            knuckle: at(8),
            score,
        });
    }
    raw.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut out: Vec<Palm> = Vec::new();
    for p in raw {
        if !out.iter().any(|q| q.overlaps(&p)) {
            out.push(p);
        }
    }
    out
}

/// Where a palm must lie to be looked at: around the head, from above the forehead to below the chin.
fn near_head(p: &Palm, f: &FaceLandmarks) -> bool {
    let (cx, fw) = face_centre_and_width(f);
    let forehead = f.xy(idx::FOREHEAD)[1];
    let chin = f.xy(idx::CHIN)[1];
    (p.cx - cx).abs() < 1.1 * fw && p.cy > forehead - 0.6 * fw && p.cy < chin + 0.6 * fw
}

fn face_centre_and_width(f: &FaceLandmarks) -> (f32, f32) {
    let (l, r) = (f.xy(idx::CHEEK_L_EDGE), f.xy(idx::CHEEK_R_EDGE));
    let fw = ((r[0] - l[0]).powi(2) + (r[1] - l[1]).powi(2))
        .sqrt()
        .max(1.0);
    ((l[0] + r[0]) / 2.0, fw)
}

/// The palm detector and hand-landmark model with their reusable states.
pub(crate) struct HandFinder {
    palm: Session,
    palm_size: usize,
    palm_layout: Layout,
    marks: Session,
    marks_size: usize,
    marks_layout: Layout,
    anchors: Vec<[f32; 2]>,
    input: Vec<f32>,
}

impl HandFinder {
    pub fn new(nets: &Nets) -> Result<Self, FaceError> {
        let anchors = anchors();
        check_anchor_count(&nets.palm, anchors.len())?;
        Ok(Self {
            palm: Session::new(&nets.palm)?,
            palm_size: nets.palm.size,
            palm_layout: nets.palm.layout,
            marks: Session::new(&nets.hand)?,
            marks_size: nets.hand.size,
            marks_layout: nets.hand.layout,
            anchors,
            input: Vec::new(),
        })
    }

    /// Hands near the face `f` in `img` (palms around the head, confirmed by the landmark model).
    pub fn near_face(&mut self, img: &RgbImage, f: &FaceLandmarks) -> Result<Vec<Hand>, FaceError> {
        let (cx, fw) = face_centre_and_width(f);
        let eye_y = (f.xy(idx::EYE_L_OUTER)[1] + f.xy(idx::EYE_R_OUTER)[1]) / 2.0;
        let chin = f.xy(idx::CHIN)[1];
        let roi = Roi {
            cx,
            cy: (eye_y + chin) / 2.0,
            size: SEARCH_FACE_WIDTHS * fw,
            angle: 0.0,
        };
        let n = self.palm_size;
        sample(
            img,
            &roi,
            n,
            false,
            Range::Unit,
            self.palm_layout,
            &mut self.input,
        );
        let outs = self.palm.run(&self.input, self.palm_layout)?;
        let k = self.anchors.len();
        let (Some(reg), Some(scores)) = (
            outs.iter().find(|o| o.len() == k * 18),
            outs.iter().find(|o| o.len() == k),
        ) else {
            return Err(FaceError::unexpected_outputs("palm_detection_lite", &outs));
        };
        let palms = decode_palms(&self.anchors, reg, scores, &roi, n as f32);
        let mut hands = Vec::new();
        for p in palms
            .iter()
            .filter(|p| near_head(p, f))
            .take(MAX_LANDMARK_RUNS)
        {
            hands.push(self.landmarks(img, p)?);
        }
        Ok(hands)
    }

    fn landmarks(&mut self, img: &RgbImage, p: &Palm) -> Result<Hand, FaceError> {
        let roi = p.hand_roi();
        let n = self.marks_size;
        sample(
            img,
            &roi,
            n,
            false,
            Range::Unit,
            self.marks_layout,
            &mut self.input,
        );
        let outs = self.marks.run(&self.input, self.marks_layout)?;
        match outs.as_slice() {
            [pts, presence, ..] if pts.len() == HAND_POINTS * 3 && presence.len() == 1 => {
                let s = n as f32;
                Ok(Hand {
                    points: pts
                        .chunks_exact(3)
                        .map(|q| roi.to_frame(q[0] / s, q[1] / s))
                        .collect(),
                    presence: presence[0].clamp(0.0, 1.0),
                    palm_score: p.score,
                })
            }
            _ => Err(FaceError::unexpected_outputs("hand_landmark_lite", &outs)),
        }
    }
}

/// The palm model must have been converted for the anchor layout decoded here (896 anchors at 128 px).
fn check_anchor_count(plan: &Plan, anchors: usize) -> Result<(), FaceError> {
    if plan.size == 128 {
        Ok(())
    } else {
        Err(FaceError {
            model: "palm_detection_lite",
            message: format!(
                "input is {0}×{0}; the decoder's {anchors} anchors need 128×128",
                plan.size
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn palm(cx: f32, cy: f32, wrist: [f32; 2], knuckle: [f32; 2]) -> Palm {
        Palm {
            cx,
            cy,
            w: 40.0,
            h: 40.0,
            wrist,
            knuckle,
            score: 0.9,
        }
    }

    #[test]
    fn an_upright_palm_gives_an_upright_region_shifted_to_the_fingers() {
        // Fingers up: the wrist below the knuckle.
        let r = palm(100.0, 100.0, [100.0, 120.0], [100.0, 80.0]).hand_roi();
        assert!(r.angle.abs() < 1e-5, "{}", r.angle);
        assert!(
            (r.cx - 100.0).abs() < 1e-4 && (r.cy - 80.0).abs() < 1e-4,
            "{r:?}"
        );
        assert!((r.size - 104.0).abs() < 1e-4);
    }

    #[test]
    fn a_palm_pointing_right_turns_the_region_a_quarter() {
        // Fingers to the image right: the region's up (−y) axis must point to +x.
        let r = palm(100.0, 100.0, [80.0, 100.0], [120.0, 100.0]).hand_roi();
        assert!(
            (r.angle - std::f32::consts::FRAC_PI_2).abs() < 1e-5,
            "{}",
            r.angle
        );
        // Shifted half a palm towards the fingers.
        assert!(
            (r.cx - 120.0).abs() < 1e-3 && (r.cy - 100.0).abs() < 1e-3,
            "{r:?}"
        );
        let top = r.to_frame(0.5, 0.0);
        assert!(top[0] > r.cx + 50.0, "{top:?}");
    }

    #[test]
    fn decoding_keeps_confident_palms_best_first_without_duplicates() {
        let a = anchors();
        let mut reg = vec![0.0f32; a.len() * 18];
        let mut scores = vec![-10.0f32; a.len()];
        for (i, logit) in [(10usize, 3.0f32), (11, 2.0), (600, 1.0)] {
            scores[i] = logit;
            reg[i * 18 + 2] = 20.0;
            reg[i * 18 + 3] = 20.0;
        }
        let roi = Roi {
            cx: 64.0,
            cy: 64.0,
            size: 128.0,
            angle: 0.0,
        };
        let p = decode_palms(&a, &reg, &scores, &roi, 128.0);
        // Anchors 10 and 11 share a cell (one palm); 600 is elsewhere.
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].score > p[1].score);
        assert!((p[0].cx - a[10][0] * 128.0).abs() < 1e-3);
        assert!((p[0].w - 20.0).abs() < 1e-4);
    }
}
