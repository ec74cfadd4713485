//! Learned face detection, 468 landmarks and iris, and hands near the face, offline: MediaPipe's
//! short-range detector, face mesh, iris, palm detector and hand-landmark models (converted to ONNX by
//! `tools/models/`, embedded from `assets/models/`, run by tract on the calling thread). The one API is [`FaceTracker`], returning [`FaceLandmarks`] in frame pixels;
//! nothing outside this module sees a tensor.
//!
//! A still image is searched fresh (detector on the centre square, then the whole frame, then a closer
//! centre square); a live stream reuses the last mesh as the next region and runs the detector only when
//! the track is lost.

mod detector;
mod hands;
mod iris;
mod mesh;
mod net;
mod roi;

pub use detector::Detection;
pub use hands::{HAND_POINTS, Hand};
pub use iris::{EyeLandmarks, LID_PAIRS, Side};
pub use mesh::{POINTS, idx};
pub use net::FaceError;
pub use roi::Roi;

use image::RgbImage;

use detector::Detector;
use hands::HandFinder;
use iris::IrisNet;
use mesh::Mesher;

/// Mesh presence below which a track counts as lost.
pub const MIN_PRESENCE: f32 = 0.5;

/// One face's landmarks in frame pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct FaceLandmarks {
    /// The 468 mesh points (x, y in frame pixels; z, relative depth, in the same pixel scale).
    pub points: Vec<[f32; 3]>,
    /// Mesh face-presence probability 0–1.
    pub presence: f32,
    /// Score of the detection this track started from.
    pub detection_score: f32,
    /// Refined eyes (image-left, image-right) when the iris model ran on this frame.
    pub eyes: Option<[EyeLandmarks; 2]>,
    /// The region the mesh was fitted in.
    pub roi: Roi,
}

impl FaceLandmarks {
    /// Mesh point `i` (x, y).
    pub fn xy(&self, i: usize) -> [f32; 2] {
        self.points.get(i).map_or([0.0, 0.0], |p| [p[0], p[1]])
    }
    /// Mesh point `i` with depth.
    pub fn xyz(&self, i: usize) -> [f32; 3] {
        self.points.get(i).copied().unwrap_or([0.0; 3])
    }
    /// Bounding box of the mesh: (x0, y0, x1, y1).
    pub fn bounds(&self) -> [f32; 4] {
        let mut b = [f32::MAX, f32::MAX, f32::MIN, f32::MIN];
        for p in &self.points {
            b[0] = b[0].min(p[0]);
            b[1] = b[1].min(p[1]);
            b[2] = b[2].max(p[0]);
            b[3] = b[3].max(p[1]);
        }
        b
    }
}

/// How much eye detail a live frame gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EyeDetail {
    /// Both eyes through the iris model.
    Both,
    /// One eye through the iris model; the other eye is carried over from the last frame, moved with the
    /// mesh (live streams alternate sides to halve the cost).
    One(Side),
    /// No iris model: both eyes carried over from the last frame, moved with the mesh (both eyes run when
    /// there is nothing to carry).
    Carry,
    /// No iris model (mesh eyes only).
    None,
}

/// What a still image holds: the main face (largest confident detection) and every other detection.
#[derive(Debug, Clone, Default)]
pub struct Faces {
    /// The subject.
    pub primary: Option<FaceLandmarks>,
    /// Other detected faces (not the subject).
    pub others: Vec<Detection>,
    /// Hands found near the subject's face.
    pub hands: Vec<Hand>,
}

/// Midpoints of each eye's corners (used to carry an eye over between frames).
fn eye_anchors(points: &[[f32; 3]]) -> [[f32; 2]; 2] {
    let mid = |a: usize, b: usize| match (points.get(a), points.get(b)) {
        (Some(p), Some(q)) => [(p[0] + q[0]) / 2.0, (p[1] + q[1]) / 2.0],
        _ => [0.0, 0.0],
    };
    [
        mid(idx::EYE_L_OUTER, idx::EYE_L_INNER),
        mid(idx::EYE_R_INNER, idx::EYE_R_OUTER),
    ]
}

/// Face finding and tracking with its own model states (one per thread).
pub struct FaceTracker {
    detector: Detector,
    mesher: Mesher,
    iris: IrisNet,
    hands: HandFinder,
    last: Option<(Roi, f32)>,
    last_eyes: Option<([EyeLandmarks; 2], [[f32; 2]; 2])>,
    detector_runs: u64,
}

impl FaceTracker {
    /// Loads the models (once per process) and makes this tracker's states.
    pub fn new() -> Result<Self, FaceError> {
        let nets = net::nets()?;
        Ok(Self {
            detector: Detector::new(&nets)?,
            mesher: Mesher::new(&nets)?,
            iris: IrisNet::new(&nets)?,
            hands: HandFinder::new(&nets)?,
            last: None,
            last_eyes: None,
            detector_runs: 0,
        })
    }

    /// How many times the detector has run (tracking runs it only when the track is lost).
    pub fn detector_runs(&self) -> u64 {
        self.detector_runs
    }

    /// Forgets the track (the next frame is searched fresh).
    pub fn reset(&mut self) {
        self.last = None;
        self.last_eyes = None;
    }

    /// Detector regions for a frame, nearest first: the centre square, the whole frame, a closer centre square.
    fn search_regions(img: &RgbImage) -> [Roi; 3] {
        let (w, h) = (img.width() as f32, img.height() as f32);
        let side = w.min(h);
        let square = |size: f32| Roi {
            cx: w / 2.0,
            cy: h / 2.0,
            size,
            angle: 0.0,
        };
        [square(side), square(w.max(h)), square(side / 2.0)]
    }

    fn eyes(
        &mut self,
        img: &RgbImage,
        points: &[[f32; 3]],
    ) -> Result<Option<[EyeLandmarks; 2]>, FaceError> {
        let (Some(l), Some(r)) = (
            iris::eye_roi(points, Side::Left),
            iris::eye_roi(points, Side::Right),
        ) else {
            return Ok(None);
        };
        Ok(Some([
            self.iris.run(img, &l, Side::Left)?,
            self.iris.run(img, &r, Side::Right)?,
        ]))
    }

    fn fit(
        &mut self,
        img: &RgbImage,
        roi: Roi,
        score: f32,
        refine: bool,
        detail: EyeDetail,
    ) -> Result<Option<FaceLandmarks>, FaceError> {
        let mut roi = roi;
        let mut out = self.mesher.run(img, &roi)?;
        if refine
            && out.presence >= MIN_PRESENCE
            && let Some(r) = mesh::roi_from_points(&out.points)
        {
            roi = r;
            out = self.mesher.run(img, &roi)?;
        }
        if out.presence < MIN_PRESENCE {
            return Ok(None);
        }
        let anchors = eye_anchors(&out.points);
        let eyes = match (detail, self.last_eyes.take()) {
            (EyeDetail::Both, _) | (EyeDetail::One(_) | EyeDetail::Carry, None) => {
                self.eyes(img, &out.points)?
            }
            (EyeDetail::Carry, Some((mut prev, prev_anchors))) => {
                for k in 0..2 {
                    prev[k].translate([
                        anchors[k][0] - prev_anchors[k][0],
                        anchors[k][1] - prev_anchors[k][1],
                    ]);
                }
                Some(prev)
            }
            (EyeDetail::One(side), Some((mut prev, prev_anchors))) => {
                let k = usize::from(side == Side::Right);
                let other = 1 - k;
                let shift = [
                    anchors[other][0] - prev_anchors[other][0],
                    anchors[other][1] - prev_anchors[other][1],
                ];
                prev[other].translate(shift);
                match [
                    iris::eye_roi(&out.points, Side::Left),
                    iris::eye_roi(&out.points, Side::Right),
                ][k]
                {
                    Some(roi) => {
                        prev[k] = self.iris.run(img, &roi, side)?;
                        Some(prev)
                    }
                    None => None,
                }
            }
            (EyeDetail::None, _) => None,
        };
        self.last_eyes = eyes.clone().map(|e| (e, anchors));
        Ok(Some(FaceLandmarks {
            points: out.points,
            presence: out.presence,
            detection_score: score,
            eyes,
            roi,
        }))
    }

    /// Faces the detector finds on the whole frame (for counting people while tracking).
    pub fn detect_whole(&mut self, img: &RgbImage) -> Result<Vec<Detection>, FaceError> {
        let r = Self::search_regions(img)[1];
        self.detector_runs += 1;
        self.detector.detect(img, &r)
    }

    /// Searches a still image: the largest confident face gets the mesh (fitted twice) and both eyes; the
    /// whole frame is searched too, so a bystander outside the centre square is counted; then hands are
    /// searched for near the face.
    pub fn analyse_still(&mut self, img: &RgbImage) -> Result<Faces, FaceError> {
        let mut faces = self.faces_of_still(img)?;
        if let Some(f) = &faces.primary {
            faces.hands = self.hands.near_face(img, f)?;
        }
        Ok(faces)
    }

    /// As [`Self::analyse_still`] without the hand search (`hands` is empty), for callers that run
    /// [`Self::hands_near`] themselves, e.g. alongside other work.
    pub fn faces_of_still(&mut self, img: &RgbImage) -> Result<Faces, FaceError> {
        self.last = None;
        self.last_eyes = None;
        let [centre, whole, close] = Self::search_regions(img);
        self.detector_runs += 2;
        let mut dets = self.detector.detect(img, &centre)?;
        let everywhere = self.detector.detect(img, &whole)?;
        if dets.is_empty() {
            dets.clone_from(&everywhere);
        }
        if dets.is_empty() {
            self.detector_runs += 1;
            dets = self.detector.detect(img, &close)?;
        }
        dets.sort_by(|a, b| (b.w * b.h * b.score).total_cmp(&(a.w * a.h * a.score)));
        let Some(main) = dets.first().copied() else {
            return Ok(Faces::default());
        };
        let primary = self.fit(img, main.landmark_roi(), main.score, true, EyeDetail::Both)?;
        let mut all = dets;
        all.extend(everywhere);
        let mut others: Vec<Detection> = detector::weighted_nms(all, 0.3)
            .into_iter()
            .filter(|d| {
                (d.cx - main.cx).abs() > main.w / 2.0 || (d.cy - main.cy).abs() > main.h / 2.0
            })
            .collect();
        others.sort_by(|a, b| b.score.total_cmp(&a.score));
        Ok(Faces {
            primary,
            others,
            hands: Vec::new(),
        })
    }

    /// Hands near the face `face` (found on `img`): palms around the head, each confirmed by the hand
    /// landmark model. Costs a palm search (~12 ms) plus ~13 ms per palm near the head.
    pub fn hands_near(
        &mut self,
        img: &RgbImage,
        face: &FaceLandmarks,
    ) -> Result<Vec<Hand>, FaceError> {
        self.hands.near_face(img, face)
    }

    /// Tracks the subject through a live stream: the last mesh gives this frame's region; the detector runs
    /// only when there is no track or the mesh loses the face.
    pub fn track(
        &mut self,
        img: &RgbImage,
        detail: EyeDetail,
    ) -> Result<Option<FaceLandmarks>, FaceError> {
        if let Some((roi, score)) = self.last {
            if let Some(f) = self.fit(img, roi, score, false, detail)? {
                self.last = mesh::roi_from_points(&f.points).map(|r| (r, score));
                return Ok(Some(f));
            }
            self.last = None;
        }
        let mut found = None;
        for roi in Self::search_regions(img) {
            self.detector_runs += 1;
            let mut d = self.detector.detect(img, &roi)?;
            d.sort_by(|a, b| (b.w * b.h * b.score).total_cmp(&(a.w * a.h * a.score)));
            if let Some(first) = d.first() {
                found = Some(*first);
                break;
            }
        }
        let Some(det) = found else { return Ok(None) };
        let f = self.fit(img, det.landmark_roi(), det.score, true, detail)?;
        self.last = f
            .as_ref()
            .and_then(|f| mesh::roi_from_points(&f.points))
            .map(|r| (r, det.score));
        Ok(f)
    }
}
