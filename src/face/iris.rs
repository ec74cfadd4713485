//! Eye contour (71 points: lids, brow) and iris (5 points) from MediaPipe's iris model, per eye.

use image::RgbImage;

use super::mesh::idx;
use super::net::{FaceError, Nets, Session};
use super::roi::{Layout, Range, Roi, sample};

/// One eye's refined landmarks in frame pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct EyeLandmarks {
    /// 71 contour points: 0 outer corner, 1–7 lower lid (outer → inner), 8 inner corner, 9–15 upper lid
    /// (outer → inner), then the surrounding rings and the brow.
    pub contour: Vec<[f32; 2]>,
    /// Iris centre, then four points on its rim.
    pub iris: [[f32; 2]; 5],
}

/// Contour index of the outer eye corner.
pub const OUTER: usize = 0;
/// Contour index of the inner eye corner.
pub const INNER: usize = 8;
/// Contour pairs (upper lid, lower lid) facing each other across the middle of the eye.
pub const LID_PAIRS: [(usize, usize); 3] = [(11, 3), (12, 4), (13, 5)];

impl EyeLandmarks {
    /// Eye width: corner to corner.
    pub fn width(&self) -> f32 {
        dist(self.contour[OUTER], self.contour[INNER])
    }
    /// Mean lid distance across the middle of the eye.
    pub fn lid_gap(&self) -> f32 {
        LID_PAIRS
            .iter()
            .map(|&(u, l)| dist(self.contour[u], self.contour[l]))
            .sum::<f32>()
            / LID_PAIRS.len() as f32
    }
    /// Lid gap over eye width (≈ 0.3 open, ≲ 0.12 closed).
    pub fn openness(&self) -> f32 {
        self.lid_gap() / self.width().max(1e-3)
    }
    /// Moves every point by `d` pixels.
    pub fn translate(&mut self, d: [f32; 2]) {
        for p in self.contour.iter_mut().chain(self.iris.iter_mut()) {
            p[0] += d[0];
            p[1] += d[1];
        }
    }
    /// Iris centre.
    pub fn centre(&self) -> [f32; 2] {
        self.iris[0]
    }
}

fn dist(a: [f32; 2], b: [f32; 2]) -> f32 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

/// The iris model with its reusable state.
pub(crate) struct IrisNet {
    session: Session,
    size: usize,
    layout: Layout,
    input: Vec<f32>,
}

/// Which eye, by its side in the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The image-left eye (the subject's right).
    Left,
    /// The image-right eye.
    Right,
}

/// The eye region from the mesh: the two corners' box, long side × 2.3, turned to level them.
pub fn eye_roi(points: &[[f32; 3]], side: Side) -> Option<Roi> {
    let (a, b) = match side {
        Side::Left => (idx::EYE_L_OUTER, idx::EYE_L_INNER),
        Side::Right => (idx::EYE_R_INNER, idx::EYE_R_OUTER),
    };
    let (p, q) = (points.get(a)?, points.get(b)?);
    let size = (p[0] - q[0]).abs().max((p[1] - q[1]).abs()) * 2.3;
    (size.is_finite() && size > 1.0).then(|| Roi {
        cx: (p[0] + q[0]) / 2.0,
        cy: (p[1] + q[1]) / 2.0,
        size,
        angle: (q[1] - p[1]).atan2(q[0] - p[0]),
    })
}

impl IrisNet {
    pub fn new(nets: &Nets) -> Result<Self, FaceError> {
        Ok(Self {
            session: Session::new(&nets.iris)?,
            size: nets.iris.size,
            layout: nets.iris.layout,
            input: Vec::new(),
        })
    }

    /// Runs the model on one eye. The model knows image-left eyes; the other eye is mirrored in and out.
    pub fn run(
        &mut self,
        img: &RgbImage,
        roi: &Roi,
        side: Side,
    ) -> Result<EyeLandmarks, FaceError> {
        let flip = side == Side::Right;
        sample(
            img,
            roi,
            self.size,
            flip,
            Range::Unit,
            self.layout,
            &mut self.input,
        );
        let outs = self.session.run(&self.input, self.layout)?;
        let contour = outs.iter().find(|o| o.len() == 71 * 3);
        let iris = outs.iter().find(|o| o.len() == 5 * 3);
        let (Some(contour), Some(iris)) = (contour, iris) else {
            return Err(FaceError::unexpected_outputs("iris_landmark", &outs));
        };
        let n = self.size as f32;
        let map = |c: &[f32]| {
            let u = c[0] / n;
            roi.to_frame(if flip { 1.0 - u } else { u }, c[1] / n)
        };
        let mut iris_pts = [[0f32; 2]; 5];
        for (o, c) in iris_pts.iter_mut().zip(iris.chunks_exact(3)) {
            *o = map(c);
        }
        Ok(EyeLandmarks {
            contour: contour.chunks_exact(3).map(map).collect(),
            iris: iris_pts,
        })
    }
}
