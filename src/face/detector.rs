//! Face detection with MediaPipe's short-range model: SSD anchors, box/keypoint decoding and weighted
//! non-maximum suppression, all in frame pixels.

use image::RgbImage;

use super::net::{FaceError, Nets, Session};
use super::roi::{Range, Roi, sample};

/// One detected face in frame pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detection {
    /// Box centre x.
    pub cx: f32,
    /// Box centre y.
    pub cy: f32,
    /// Box width.
    pub w: f32,
    /// Box height.
    pub h: f32,
    /// Keypoints: image-left eye, image-right eye, nose tip, mouth, image-left ear, image-right ear.
    pub keypoints: [[f32; 2]; 6],
    /// Detection probability 0–1.
    pub score: f32,
}

impl Detection {
    /// The region the landmark model wants: the box's long side × 1.5, turned to level the eyes.
    pub fn landmark_roi(&self) -> Roi {
        let [l, r] = [self.keypoints[0], self.keypoints[1]];
        Roi {
            cx: self.cx,
            cy: self.cy,
            size: self.w.max(self.h) * 1.5,
            angle: (r[1] - l[1]).atan2(r[0] - l[0]),
        }
    }

    fn iou(&self, o: &Detection) -> f32 {
        let ix = ((self.cx + self.w / 2.0).min(o.cx + o.w / 2.0)
            - (self.cx - self.w / 2.0).max(o.cx - o.w / 2.0))
        .max(0.0);
        let iy = ((self.cy + self.h / 2.0).min(o.cy + o.h / 2.0)
            - (self.cy - self.h / 2.0).max(o.cy - o.h / 2.0))
        .max(0.0);
        let inter = ix * iy;
        let union = self.w * self.h + o.w * o.h - inter;
        if union > 0.0 { inter / union } else { 0.0 }
    }
}

/// Anchor centres of the short-range model (strides 8, 16, 16, 16 over 128 px: 2 anchors per cell on
/// the 16×16 grid, 6 per cell on the 8×8 grid, 896 in all; fixed unit size).
pub(crate) fn anchors() -> Vec<[f32; 2]> {
    let mut out = Vec::with_capacity(896);
    for (grid, per_cell) in [(16usize, 2usize), (8, 6)] {
        for y in 0..grid {
            for x in 0..grid {
                let c = [
                    (x as f32 + 0.5) / grid as f32,
                    (y as f32 + 0.5) / grid as f32,
                ];
                out.extend(std::iter::repeat_n(c, per_cell));
            }
        }
    }
    out
}

/// Lowest probability a raw detection needs to be kept.
pub const MIN_SCORE: f32 = 0.5;

fn sigmoid(v: f32) -> f32 {
    1.0 / (1.0 + (-v.clamp(-100.0, 100.0)).exp())
}

/// The anchors of an SSD detector's raw outputs whose score reaches `min_score`: (anchor centre, its
/// `per_anchor` regressor values, score), in anchor order.
pub(crate) fn confident<'a>(
    anchors: &'a [[f32; 2]],
    regressors: &'a [f32],
    scores: &'a [f32],
    per_anchor: usize,
    min_score: f32,
) -> impl Iterator<Item = ([f32; 2], &'a [f32], f32)> + 'a {
    anchors
        .iter()
        .zip(scores)
        .zip(regressors.chunks_exact(per_anchor))
        .map(|((a, &logit), r)| (*a, r, sigmoid(logit)))
        .filter(move |c| c.2 >= min_score)
}

/// Decodes raw outputs (`regressors` 896×16, `scores` 896) of a detector run on `roi` (unrotated).
pub(crate) fn decode(
    anchors: &[[f32; 2]],
    regressors: &[f32],
    scores: &[f32],
    roi: &Roi,
    n: f32,
) -> Vec<Detection> {
    let mut raw = Vec::new();
    for (a, r, score) in confident(anchors, regressors, scores, 16, MIN_SCORE) {
        let (u, v) = (r[0] / n + a[0], r[1] / n + a[1]);
        let [cx, cy] = roi.to_frame(u, v);
        let mut keypoints = [[0f32; 2]; 6];
        for (k, kp) in keypoints.iter_mut().enumerate() {
            *kp = roi.to_frame(r[4 + 2 * k] / n + a[0], r[5 + 2 * k] / n + a[1]);
        }
        raw.push(Detection {
            cx,
            cy,
            w: r[2] / n * roi.size,
            h: r[3] / n * roi.size,
            keypoints,
            score,
        });
    }
    weighted_nms(raw, 0.3)
}

/// MediaPipe's weighted NMS: overlapping boxes are averaged, weighted by score.
pub(crate) fn weighted_nms(mut dets: Vec<Detection>, iou: f32) -> Vec<Detection> {
    dets.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut out = Vec::new();
    while let Some(top) = dets.first().copied() {
        let (group, rest): (Vec<Detection>, Vec<Detection>) =
            dets.into_iter().partition(|d| top.iou(d) > iou);
        dets = rest;
        let total: f32 = group.iter().map(|d| d.score).sum::<f32>().max(1e-6);
        let mut m = top;
        let avg = |f: &dyn Fn(&Detection) -> f32| {
            group.iter().map(|d| f(d) * d.score).sum::<f32>() / total
        };
        m.cx = avg(&|d| d.cx);
        m.cy = avg(&|d| d.cy);
        m.w = avg(&|d| d.w);
        m.h = avg(&|d| d.h);
        for k in 0..6 {
            m.keypoints[k] = [avg(&|d| d.keypoints[k][0]), avg(&|d| d.keypoints[k][1])];
        }
        out.push(m);
    }
    out
}

/// The detector with its reusable state.
pub(crate) struct Detector {
    session: Session,
    anchors: Vec<[f32; 2]>,
    size: usize,
    layout: super::roi::Layout,
    input: Vec<f32>,
}

impl Detector {
    pub fn new(nets: &Nets) -> Result<Self, FaceError> {
        Ok(Self {
            session: Session::new(&nets.detector)?,
            anchors: anchors(),
            size: nets.detector.size,
            layout: nets.detector.layout,
            input: Vec::new(),
        })
    }

    /// Detects faces in the square `roi` of `img` (the model needs faces ≥ ~20 % of its input).
    pub fn detect(&mut self, img: &RgbImage, roi: &Roi) -> Result<Vec<Detection>, FaceError> {
        sample(
            img,
            roi,
            self.size,
            false,
            Range::Signed,
            self.layout,
            &mut self.input,
        );
        let outs = self.session.run(&self.input, self.layout)?;
        let n_anchors = self.anchors.len();
        let regressors = outs.iter().find(|o| o.len() == n_anchors * 16);
        let scores = outs.iter().find(|o| o.len() == n_anchors);
        match (regressors, scores) {
            (Some(r), Some(s)) => Ok(decode(&self.anchors, r, s, roi, self.size as f32)),
            _ => Err(FaceError::unexpected_outputs(
                "face_detection_short_range",
                &outs,
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchor_layout_matches_the_model() {
        let a = anchors();
        assert_eq!(a.len(), 896);
        assert_eq!(a[0], [1.0 / 32.0, 1.0 / 32.0]);
        assert_eq!(a[1], a[0]);
        assert_eq!(a[512], [1.0 / 16.0, 1.0 / 16.0]);
        assert_eq!(a[895], [15.0 / 16.0, 15.0 / 16.0]);
    }

    #[test]
    fn nms_merges_overlaps_and_keeps_separate_faces() {
        let d = |cx: f32, score: f32| Detection {
            cx,
            cy: 50.0,
            w: 20.0,
            h: 20.0,
            keypoints: [[cx, 50.0]; 6],
            score,
        };
        let out = weighted_nms(vec![d(10.0, 0.9), d(12.0, 0.6), d(80.0, 0.7)], 0.3);
        assert_eq!(out.len(), 2);
        assert!((out[0].cx - (10.0 * 0.9 + 12.0 * 0.6) / 1.5).abs() < 1e-4);
        assert_eq!(out[0].score, 0.9);
        assert_eq!(out[1].cx, 80.0);
    }
}
