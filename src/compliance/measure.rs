//! One measurement of an image, taken once: face landmarks + backdrop scan → [`Measurements`] in the
//! image's pixels. The crop plan and the checks only transform and grade these numbers.

use image::RgbImage;
use serde::{Deserialize, Serialize};

use super::backdrop::{Scan, linear_luminance, scan, scan_scaled};
use super::face_metrics::{face_metrics, hand_cover};
use super::spec::PhotoSpec;
use crate::face::Faces;

/// A rectangle in normalised frame coordinates (0–1, origin top-left).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct NormRect {
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
}

/// An axis-aligned ellipse in normalised frame coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct Oval {
    /// Centre x.
    pub cx: f64,
    /// Centre y.
    pub cy: f64,
    /// Horizontal radius.
    pub rx: f64,
    /// Vertical radius.
    pub ry: f64,
}

/// Face and guide geometry for the UI overlay, in normalised coordinates of the analysed frame.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct FaceGeometry {
    /// Head outline (hair included).
    pub head_oval: Oval,
    /// Eye centre on the image's left side.
    pub eye_left: [f64; 2],
    /// Eye centre on the image's right side.
    pub eye_right: [f64; 2],
    /// Crown (top of the hair), y.
    pub crown_y: f64,
    /// The crop box that would be cut for the spec photo (may extend past the frame when impossible).
    pub crop_box: NormRect,
    /// Output pixels per source pixel of that crop (> 1 means upscaling).
    pub crop_scale: f64,
}

/// Raw measurements of one image in its own pixel coordinates; the checks turn them into outcomes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Measurements {
    /// Image width.
    pub width: u32,
    /// Image height.
    pub height: u32,
    /// A face was found (landmarks fitted).
    pub person: bool,
    /// Faces in the picture (the subject plus confident other detections).
    pub face_count: u32,
    /// Mesh face-presence probability of the subject.
    pub face_presence: f64,
    /// Best detector score among the other faces (0 when none).
    pub other_face_score: f64,
    /// Crown (top of the hair or head covering), y.
    pub crown_y: f64,
    /// The crown was read off the backdrop silhouette (else estimated from the mesh).
    pub crown_from_silhouette: bool,
    /// The head touches the top edge.
    pub crown_cut: bool,
    /// Head centre x (silhouette, else face centre).
    pub head_cx: f64,
    /// Head width including hair (silhouette, else 1.25 × face width).
    pub head_width: f64,
    /// Face width, cheek to cheek on the mesh.
    pub face_width: f64,
    /// Face centre x (eye midpoint).
    pub face_cx: f64,
    /// Eye (iris) centres, image-left then image-right.
    pub eyes: [[f64; 2]; 2],
    /// Lid gap over eye width per eye, image-left then image-right.
    pub eye_opening: [f64; 2],
    /// Chin y.
    pub chin_y: f64,
    /// Inner-lip gap over mouth width.
    pub mouth_opening: f64,
    /// Share of the inner-mouth area that looks like teeth.
    pub teeth: f64,
    /// Mean backdrop colour (sRGB 0–255).
    pub bg_rgb: [f64; 3],
    /// Share of the image that is backdrop.
    pub bg_share: f64,
    /// Largest difference between backdrop cell means (RGB distance).
    pub bg_spread: f64,
    /// Foreign objects' area ÷ backdrop area.
    pub bg_objects: f64,
    /// A shadow on the backdrop beside the person: how much darker it is there than farther out, in stops.
    pub bg_shadow_stops: f64,
    /// Backdrop luminance against the nearest accepted blue, in stops (linear light).
    pub exposure_stops: f64,
    /// Share of face-skin samples with a clipped channel.
    pub skin_clipped: f64,
    /// Share of face-skin samples that are crushed black.
    pub face_crushed: f64,
    /// Left-to-right slope of the skin's luminance across the face, in stops per face width (linear light;
    /// positive when the image-left side is brighter).
    pub lighting_stops: f64,
    /// Blur score 0 (crisp) – 1 (no edges), at output scale.
    pub blur: f64,
    /// Glasses evidence 0–1.
    pub glasses: f64,
    /// Thin-bar contrast across the nose bridge, over skin brightness.
    pub glasses_bridge: f64,
    /// Thin-bar contrast under the eyes (the weaker eye), over skin brightness.
    pub glasses_rims: f64,
    /// Thin-bar contrast beside the outer eye corners (the weaker side), over skin brightness.
    pub glasses_sides: f64,
    /// Temple-arm contrast running back from the outer eye corners (the stronger side), over skin
    /// brightness; measured on turned heads only (0 on a frontal face).
    pub glasses_temples: f64,
    /// The lenses look tinted (sunglasses): `lens_dark` reaches its fail limit.
    pub glasses_tinted: bool,
    /// Share of the points around the less dark eye (where a lens would cover) more than 3 stops darker
    /// than the skin.
    pub lens_dark: f64,
    /// Non-skin share of the forehead strips just above the brows (hair over the brows).
    pub brow_cover: f64,
    /// Largest non-skin share of the cheeks, nose and chin (hand, mask).
    pub lower_cover: f64,
    /// A hand over or against the face: hand presence × how much of the hand is on the head (0–1).
    pub hand_cover: f64,
    /// Hair share beside the face where the ears are (the less covered side).
    pub ears_cover: f64,
    /// Share of the mouth area redder than the skin (visible lips; none under a hand or mask).
    pub lips_red: f64,
    /// Height of the head above the mesh forehead, in face heights (hair ≈ 0.1–0.4; hats rise higher).
    pub hat: f64,
    /// How far the head's silhouette reaches out on its shorter side between crown and forehead, in face
    /// widths from the face centre (hair ≤ 0.7; a brim sticks out further).
    pub hat_brim: f64,
    /// Eye-line angle in degrees (+ = image-right eye lower).
    pub roll_deg: f64,
    /// Turn of the face in degrees from the mesh depth (+ = image-right cheek farther).
    pub yaw_deg: f64,
    /// Nod of the face in degrees from the mesh depth (forehead-to-chin tilt towards the camera).
    pub pitch_deg: f64,
}

impl Measurements {
    /// Eye-line y.
    pub fn eye_line_y(&self) -> f64 {
        (self.eyes[0][1] + self.eyes[1][1]) / 2.0
    }
    /// The less open eye.
    pub fn min_eye_opening(&self) -> f64 {
        self.eye_opening[0].min(self.eye_opening[1])
    }
}

/// Mesh pitch of a person looking level into a camera at eye height (the forehead recedes a little).
pub const PITCH_NEUTRAL_DEG: f64 = 9.0;

/// Smallest detector score for a second face to count (a poster or a face-like pattern scores lower).
pub const OTHER_FACE_SCORE: f64 = 0.6;

/// Backdrop luminance against the accepted blue of nearest chromaticity, in stops.
fn exposure_stops(bg: [f64; 3], accepted: &[[u8; 3]]) -> f64 {
    let lin = |c: [f64; 3]| c.map(super::backdrop::srgb_to_linear);
    let chroma = |c: [f64; 3]| {
        let l = lin(c);
        let s = (l[0] + l[1] + l[2]).max(1e-6);
        [l[0] / s, l[1] / s]
    };
    let cb = chroma(bg);
    let nearest = accepted
        .iter()
        .map(|a| a.map(f64::from))
        .min_by(|a, b| {
            let (ca, cb2) = (chroma(*a), chroma(*b));
            let da = (ca[0] - cb[0]).powi(2) + (ca[1] - cb[1]).powi(2);
            let db = (cb2[0] - cb[0]).powi(2) + (cb2[1] - cb[1]).powi(2);
            da.total_cmp(&db)
        })
        .unwrap_or([100.0, 197.0, 255.0]);
    (linear_luminance(bg).max(1e-4) / linear_luminance(nearest).max(1e-4)).log2()
}

/// Measures an image from its faces (found by [`crate::face::FaceTracker`] on this same image) and its
/// backdrop. Never panics; tiny images or no face give `person == false`.
pub fn measure(img: &RgbImage, faces: &Faces, spec: &PhotoSpec) -> Measurements {
    measure_with_proxy(img, None, faces, spec)
}

/// As [`measure`], with the backdrop scanned on a downscaled copy of `img` (`(copy, image px per copy
/// px)`), as the live pipeline already has one.
pub fn measure_with_proxy(
    img: &RgbImage,
    proxy: Option<(&RgbImage, u32)>,
    faces: &Faces,
    spec: &PhotoSpec,
) -> Measurements {
    let mut m = Measurements {
        width: img.width(),
        height: img.height(),
        blur: 1.0,
        ..Measurements::default()
    };
    if img.width() < 16 || img.height() < 16 {
        return m;
    }
    let sc: Scan = match proxy {
        Some((p, k)) if p.width() >= 16 && p.height() >= 16 => scan_scaled(p, k),
        _ => scan(img),
    };
    m.bg_rgb = sc.bg_rgb;
    m.bg_share = sc.bg_share;
    m.bg_spread = sc.bg_spread;
    m.bg_objects = sc.bg_objects;
    m.bg_shadow_stops = sc.bg_shadow_stops;
    m.exposure_stops = if sc.bg_share > 0.02 {
        exposure_stops(sc.bg_rgb, &spec.background.accepted_rgb)
    } else {
        0.0
    };
    let Some(face) = &faces.primary else {
        m.face_count = faces
            .others
            .iter()
            .filter(|d| f64::from(d.score) >= OTHER_FACE_SCORE)
            .count() as u32;
        return m;
    };
    let forehead_y = face_metrics(img, face, &sc, &mut m);
    m.person = true;
    m.face_presence = f64::from(face.presence);
    let others: Vec<f64> = faces
        .others
        .iter()
        .filter(|d| f64::from(d.w) >= 0.2 * m.face_width)
        .map(|d| f64::from(d.score))
        .collect();
    m.other_face_score = others.iter().cloned().fold(0.0, f64::max);
    m.face_count = 1 + others.iter().filter(|&&s| s >= OTHER_FACE_SCORE).count() as u32;
    let face_h = (m.chin_y - forehead_y).max(1.0);
    let silhouette_crown = sc
        .crown_between(
            m.face_cx - 0.5 * m.face_width,
            m.face_cx + 0.5 * m.face_width,
        )
        .filter(|&c| c < forehead_y && c > forehead_y - 1.2 * face_h);
    match (silhouette_crown, sc.person) {
        (Some(c), Some(p)) => {
            m.crown_y = c;
            m.crown_from_silhouette = true;
            m.crown_cut = c <= 0.5 || p.crown_cut && p.crown_y <= 0.5;
            m.head_cx = p.head_cx;
            m.head_width = p.head_width;
        }
        _ => {
            // No usable silhouette (backdrop not found): the crown sits about a quarter face height above
            // the mesh's forehead point.
            m.crown_y = forehead_y - 0.25 * face_h;
            m.crown_cut = m.crown_y <= 0.0;
            m.head_cx = m.face_cx;
            m.head_width = 1.25 * m.face_width;
        }
    }
    m.hand_cover = hand_cover(&faces.hands, &m);
    m
}
