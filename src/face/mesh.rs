//! The 468-point face mesh (MediaPipe face landmark model) and the indices the checks use.

use image::RgbImage;

use super::net::{FaceError, Nets, Session};
use super::roi::{Layout, Range, Roi, sample};

/// Mesh indices of named points (the subject's right is the image's left).
pub mod idx {
    /// Outer corner of the image-left eye.
    pub const EYE_L_OUTER: usize = 33;
    /// Inner corner of the image-left eye.
    pub const EYE_L_INNER: usize = 133;
    /// Inner corner of the image-right eye.
    pub const EYE_R_INNER: usize = 362;
    /// Outer corner of the image-right eye.
    pub const EYE_R_OUTER: usize = 263;
    /// Nose tip.
    pub const NOSE_TIP: usize = 1;
    /// Nose bridge between the eyes.
    pub const NOSE_BRIDGE: usize = 168;
    /// Top of the forehead on the mesh (near the hairline).
    pub const FOREHEAD: usize = 10;
    /// Chin.
    pub const CHIN: usize = 152;
    /// Face contour at the image-left cheek (by the ear).
    pub const CHEEK_L_EDGE: usize = 234;
    /// Face contour at the image-right cheek.
    pub const CHEEK_R_EDGE: usize = 454;
    /// Mouth corners (image-left, image-right).
    pub const MOUTH_L: usize = 61;
    /// Image-right mouth corner.
    pub const MOUTH_R: usize = 291;
    /// Inner lip pairs (upper, lower), from the image-left side to the image-right side.
    pub const INNER_LIPS: [(usize, usize); 5] =
        [(81, 178), (82, 87), (13, 14), (312, 317), (311, 402)];
    /// Inner lip contour (upper arc then lower arc), for the mouth cavity polygon.
    pub const INNER_LIP_RING: [usize; 20] = [
        78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95,
    ];
    /// Eyebrow points, image-left brow (outer → inner).
    pub const BROW_L: [usize; 5] = [70, 63, 105, 66, 107];
    /// Image-right brow (inner → outer).
    pub const BROW_R: [usize; 5] = [336, 296, 334, 293, 300];
    /// Cheek centres (image-left, image-right).
    pub const CHEEK_L: usize = 50;
    /// Image-right cheek centre.
    pub const CHEEK_R: usize = 280;
    /// Mid-forehead, above the brows.
    pub const FOREHEAD_MID: usize = 151;
}

/// Number of mesh points.
pub const POINTS: usize = 468;

/// The landmark model with its reusable state.
pub(crate) struct Mesher {
    session: Session,
    size: usize,
    layout: Layout,
    input: Vec<f32>,
}

/// Raw mesh output: points in frame pixels (z in the same pixel scale) and the face-presence probability.
pub(crate) struct MeshOut {
    pub points: Vec<[f32; 3]>,
    pub presence: f32,
}

impl Mesher {
    pub fn new(nets: &Nets) -> Result<Self, FaceError> {
        Ok(Self {
            session: Session::new(&nets.landmarks)?,
            size: nets.landmarks.size,
            layout: nets.landmarks.layout,
            input: Vec::new(),
        })
    }

    /// Fits the mesh inside `roi`.
    pub fn run(&mut self, img: &RgbImage, roi: &Roi) -> Result<MeshOut, FaceError> {
        sample(
            img,
            roi,
            self.size,
            false,
            Range::Unit,
            self.layout,
            &mut self.input,
        );
        let outs = self.session.run(&self.input, self.layout)?;
        let coords = outs.iter().find(|o| o.len() == POINTS * 3);
        let flag = outs.iter().find(|o| o.len() == 1);
        let (Some(coords), Some(flag)) = (coords, flag) else {
            return Err(FaceError::unexpected_outputs("face_landmark", &outs));
        };
        let n = self.size as f32;
        let points = coords
            .chunks_exact(3)
            .map(|c| {
                let [x, y] = roi.to_frame(c[0] / n, c[1] / n);
                [x, y, c[2] / n * roi.size]
            })
            .collect();
        Ok(MeshOut {
            points,
            presence: 1.0 / (1.0 + (-flag[0].clamp(-100.0, 100.0)).exp()),
        })
    }
}

/// The region for the next frame from this frame's mesh (MediaPipe's landmarks-to-ROI): the points' box,
/// long side × 1.5, turned to level the outer eye corners.
pub fn roi_from_points(points: &[[f32; 3]]) -> Option<Roi> {
    let l = points.get(idx::EYE_L_OUTER)?;
    let r = points.get(idx::EYE_R_OUTER)?;
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for p in points {
        x0 = x0.min(p[0]);
        y0 = y0.min(p[1]);
        x1 = x1.max(p[0]);
        y1 = y1.max(p[1]);
    }
    let size = (x1 - x0).max(y1 - y0) * 1.5;
    (size.is_finite() && size > 1.0).then(|| Roi {
        cx: (x0 + x1) / 2.0,
        cy: (y0 + y1) / 2.0,
        size,
        angle: (r[1] - l[1]).atan2(r[0] - l[0]),
    })
}
