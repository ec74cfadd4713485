//! Demo source: a synthetic, animated student (head and shoulders on the light-blue CHSI
//! backdrop) with switchable typical defects. The embedded default when no webcam exists.

use std::f32::consts::PI;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use image::{GrayImage, RgbImage};
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::raster::{
    Canvas, Ellipse, Paint, fill_convex, fill_ellipse, fill_ring, fill_segment, scale,
};
use super::{CameraError, Frame, FrameSource, SourceKind, Text};

/// The CHSI reference backdrop colour.
pub const CHSI_BLUE: [u8; 3] = [100, 197, 255];
const WALL_GREY: [u8; 3] = [214, 211, 204];
const SKIN: [f32; 3] = [232.0, 188.0, 156.0];
const HAIR: [f32; 3] = [30.0, 25.0, 23.0];
const CLOTH: [f32; 3] = [46.0, 46.0, 50.0];
const COLLAR: [f32; 3] = [236.0, 236.0, 231.0];
/// Local head y of the roll pivot (the neck), in face half-widths.
const PIVOT: f32 = 1.6;
const BLINK_PERIOD_S: f32 = 3.7;
const BLINK_LEN_S: f32 = 0.15;

/// What the demo subject shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DemoDefect {
    /// A compliant subject.
    #[default]
    Good,
    /// Subject shifted well to the side.
    OffCentre,
    /// Underexposed frame.
    TooDark,
    /// A white/grey wall instead of the blue backdrop.
    WrongBackground,
    /// Head rolled about 12°.
    Tilted,
    /// Eyes closed.
    EyesClosed,
    /// Wearing glasses.
    Glasses,
    /// Subject far from the camera (small face).
    TooFar,
    /// Subject too close (face too large, crown near the top edge).
    TooClose,
}

impl DemoDefect {
    /// Every variant, for menus and tests.
    pub const ALL: [DemoDefect; 9] = [
        DemoDefect::Good,
        DemoDefect::OffCentre,
        DemoDefect::TooDark,
        DemoDefect::WrongBackground,
        DemoDefect::Tilted,
        DemoDefect::EyesClosed,
        DemoDefect::Glasses,
        DemoDefect::TooFar,
        DemoDefect::TooClose,
    ];

    /// Menu label.
    pub fn label(self) -> Text {
        let (zh, en) = match self {
            DemoDefect::Good => ("合格", "Good"),
            DemoDefect::OffCentre => ("偏离中心", "Off-centre"),
            DemoDefect::TooDark => ("过暗", "Too dark"),
            DemoDefect::WrongBackground => ("背景错误", "Wrong background"),
            DemoDefect::Tilted => ("头部倾斜", "Tilted head"),
            DemoDefect::EyesClosed => ("闭眼", "Eyes closed"),
            DemoDefect::Glasses => ("戴眼镜", "Glasses"),
            DemoDefect::TooFar => ("距离过远", "Too far"),
            DemoDefect::TooClose => ("距离过近", "Too close"),
        };
        Text::new(zh, en)
    }
}

/// An axis-aligned rectangle in frame pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RectF {
    /// Left edge.
    pub x: f32,
    /// Top edge.
    pub y: f32,
    /// Width.
    pub w: f32,
    /// Height.
    pub h: f32,
}

/// Ground truth of a rendered demo frame, in full-resolution frame pixels.
#[derive(Clone, Debug, PartialEq)]
pub struct SubjectGeometry {
    /// Bounding box of the face (skin ellipse, without hair and ears).
    pub face_box: RectF,
    /// Eye centres, ordered image-left then image-right.
    pub eyes: [(f32, f32); 2],
    /// Topmost point of the hair (the crown).
    pub crown_y: f32,
    /// Lowest point of the chin.
    pub chin_y: f32,
    /// Head roll in degrees; positive when the image-right eye is lower.
    pub roll_deg: f32,
    /// Whether the eyes are open in this frame (false during a blink).
    pub eyes_open: bool,
    /// Whether glasses are drawn.
    pub glasses: bool,
    /// The nominal background colour (before vignette, gain and noise).
    pub background: [u8; 3],
    /// Global exposure gain applied to the frame (1 = normal).
    pub gain: f32,
    /// Where the overlay image (e.g. a QR code) was drawn, if any.
    pub overlay_box: Option<RectF>,
}

/// Pose of the subject at one instant.
#[derive(Clone, Copy, Debug)]
struct Pose {
    /// Body/head centre x.
    sx: f32,
    /// Head (face ellipse) centre y when not rolled.
    hy: f32,
    /// Face half-width in pixels (the unit of all subject coordinates).
    u: f32,
    roll: f32,
    eyes_open: bool,
    glasses: bool,
    wall: bool,
    gain: f32,
}

impl Pose {
    /// Maps head-local coordinates (in face half-widths, rotating with the head) to pixels.
    fn head(&self, lx: f32, ly: f32) -> (f32, f32) {
        let (s, c) = self.roll.sin_cos();
        let (qx, qy) = (lx * self.u, (ly - PIVOT) * self.u);
        (
            self.sx + qx * c - qy * s,
            self.hy + PIVOT * self.u + qx * s + qy * c,
        )
    }

    fn head_ellipse(&self, lx: f32, ly: f32, rx: f32, ry: f32, angle: f32) -> Ellipse {
        let (cx, cy) = self.head(lx, ly);
        Ellipse {
            cx,
            cy,
            rx: rx * self.u,
            ry: ry * self.u,
            angle: angle + self.roll,
        }
    }

    /// Maps body coordinates (not rotating with the head) to pixels.
    fn body(&self, lx: f32, ly: f32) -> (f32, f32) {
        (self.sx + lx * self.u, self.hy + ly * self.u)
    }

    fn body_ellipse(&self, lx: f32, ly: f32, rx: f32, ry: f32) -> Ellipse {
        let (cx, cy) = self.body(lx, ly);
        Ellipse {
            cx,
            cy,
            rx: rx * self.u,
            ry: ry * self.u,
            angle: 0.0,
        }
    }
}

/// Renders demo frames; caches the static backdrops and a noise tile.
pub struct DemoScene {
    width: u32,
    height: u32,
    blue: Option<Vec<u8>>,
    wall: Option<Vec<u8>>,
    noise: Vec<i8>,
    noise_stride: usize,
}

const NOISE_ROWS: usize = 61;
const NOISE_PAD: usize = 3 * 97;

impl DemoScene {
    /// A scene for frames of `width`×`height` (at least 64×64).
    pub fn new(width: u32, height: u32) -> Self {
        let (width, height) = (width.max(64), height.max(64));
        let noise_stride = width as usize * 3 + NOISE_PAD;
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x5eed_cafe);
        let noise = (0..noise_stride * NOISE_ROWS)
            .map(|_| {
                (rng.gen_range(-2i8..=2) + rng.gen_range(-2i8..=2)) / 2 + rng.gen_range(-1i8..=1)
            })
            .collect();
        Self {
            width,
            height,
            blue: None,
            wall: None,
            noise,
            noise_stride,
        }
    }

    /// Frame size.
    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    fn pose(&self, t: f32, defect: DemoDefect, blinking: bool) -> Pose {
        let (w, h) = (self.width as f32, self.height as f32);
        let sway = 0.006 * w * (2.0 * PI * t / 4.3).sin() + 0.002 * w * (2.0 * PI * t / 1.7).sin();
        let bob = 0.002 * h * (2.0 * PI * t / 3.1).sin();
        let mut roll_deg = 0.8 * (2.0 * PI * t / 5.9).sin();
        let mut u = 0.166 * h;
        let mut eye_y = 0.39 * h;
        let mut sx = 0.5 * w + sway;
        let blink = blinking && (t.rem_euclid(BLINK_PERIOD_S) >= BLINK_PERIOD_S - BLINK_LEN_S);
        let mut pose = Pose {
            sx,
            hy: 0.0,
            u,
            roll: 0.0,
            eyes_open: !blink,
            glasses: false,
            wall: false,
            gain: 1.0,
        };
        match defect {
            DemoDefect::Good => {}
            // Far enough to the side that the 3:4 crop meets the frame edge and cannot centre the head.
            DemoDefect::OffCentre => sx += 0.40 * w,
            DemoDefect::TooDark => pose.gain = 0.38,
            DemoDefect::WrongBackground => pose.wall = true,
            DemoDefect::Tilted => roll_deg += 12.0,
            DemoDefect::EyesClosed => pose.eyes_open = false,
            DemoDefect::Glasses => pose.glasses = true,
            DemoDefect::TooFar => {
                u *= 0.55;
                eye_y = 0.45 * h;
            }
            DemoDefect::TooClose => {
                u *= 1.55;
                eye_y = 0.42 * h;
            }
        }
        pose.sx = sx;
        pose.u = u;
        pose.roll = roll_deg.to_radians();
        // Eyes sit 0.10 face half-widths above the face centre.
        pose.hy = eye_y + 0.10 * u + bob;
        pose
    }

    fn geometry_of(&self, pose: &Pose, overlay_box: Option<RectF>) -> SubjectGeometry {
        let face = pose.head_ellipse(0.0, 0.0, 1.0, 1.35, 0.0);
        let (fx, fy) = face.extents();
        let hair = pose.head_ellipse(0.0, -0.28, 1.12, 1.45, 0.0);
        let (_, hy) = hair.extents();
        SubjectGeometry {
            face_box: RectF {
                x: face.cx - fx,
                y: face.cy - fy,
                w: 2.0 * fx,
                h: 2.0 * fy,
            },
            eyes: [pose.head(-0.40, -0.10), pose.head(0.40, -0.10)],
            crown_y: hair.cy - hy,
            chin_y: face.cy + fy,
            roll_deg: pose.roll.to_degrees(),
            eyes_open: pose.eyes_open,
            glasses: pose.glasses,
            background: if pose.wall { WALL_GREY } else { CHSI_BLUE },
            gain: pose.gain,
            overlay_box,
        }
    }

    /// Ground truth for time `t` (seconds) without rendering.
    pub fn geometry(&self, t: f32, defect: DemoDefect, blinking: bool) -> SubjectGeometry {
        self.geometry_of(&self.pose(t, defect, blinking), None)
    }

    fn overlay_rect(&self, pose: &Pose) -> RectF {
        let side = 1.25 * pose.u;
        let (cx, cy) = pose.body(2.05, 1.45);
        RectF {
            x: cx - side / 2.0,
            y: cy - side / 2.0,
            w: side,
            h: side,
        }
    }

    fn backdrop(&mut self, wall: bool) -> &[u8] {
        let (w, h) = (self.width as usize, self.height as usize);
        let slot = if wall { &mut self.wall } else { &mut self.blue };
        slot.get_or_insert_with(|| {
            let base = if wall { WALL_GREY } else { CHSI_BLUE };
            let mut buf = vec![0u8; w * h * 3];
            for y in 0..h {
                let ny = (y as f32 + 0.5) / h as f32 * 2.0 - 1.0;
                for x in 0..w {
                    let nx = (x as f32 + 0.5) / w as f32 * 2.0 - 1.0;
                    // Mild vignette; the wall also has a visible top-to-bottom light fall-off.
                    let mut k = 1.0 - 0.05 * (nx * nx + ny * ny) * 0.5;
                    if wall {
                        k *= 1.04 - 0.10 * (ny + 1.0) * 0.5 + 0.03 * nx;
                    }
                    let p = &mut buf[(y * w + x) * 3..(y * w + x) * 3 + 3];
                    for i in 0..3 {
                        p[i] = (base[i] as f32 * k).clamp(0.0, 255.0) as u8;
                    }
                }
            }
            buf
        })
    }

    /// Renders the frame at time `t` seconds. `frame_no` varies the sensor noise.
    pub fn render(
        &mut self,
        t: f32,
        defect: DemoDefect,
        blinking: bool,
        overlay: Option<&GrayImage>,
        frame_no: u64,
    ) -> (RgbImage, SubjectGeometry) {
        let pose = self.pose(t, defect, blinking);
        let (w, h) = (self.width as usize, self.height as usize);
        let mut buf = self.backdrop(pose.wall).to_vec();
        let mut cv = Canvas { px: &mut buf, w, h };
        draw_body(&mut cv, &pose);
        draw_head(&mut cv, &pose);
        let overlay_box = overlay.map(|img| {
            let r = self.overlay_rect(&pose);
            draw_phone(&mut cv, img, r);
            r
        });
        self.finish(&mut buf, pose.gain, frame_no);
        let geometry = self.geometry_of(&pose, overlay_box);
        let img = RgbImage::from_raw(self.width, self.height, buf)
            .unwrap_or_else(|| RgbImage::new(self.width, self.height));
        (img, geometry)
    }

    /// Applies exposure gain and temporal sensor noise in one pass.
    fn finish(&self, buf: &mut [u8], gain: f32, frame_no: u64) {
        let row_len = self.width as usize * 3;
        let mut x = frame_no.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
        x ^= x >> 29;
        let oy = (x % NOISE_ROWS as u64) as usize;
        let ox = ((x >> 20) % (NOISE_PAD as u64 / 3)) as usize * 3;
        let g = (gain * 256.0).round() as i32;
        for (y, row) in buf.chunks_exact_mut(row_len).enumerate() {
            let start = ((y + oy) % NOISE_ROWS) * self.noise_stride + ox;
            let noise = &self.noise[start..start + row_len];
            if g == 256 {
                for (p, &n) in row.iter_mut().zip(noise) {
                    *p = (*p as i16 + n as i16).clamp(0, 255) as u8;
                }
            } else {
                for (p, &n) in row.iter_mut().zip(noise) {
                    *p = (((*p as i32 * g) >> 8) + n as i32).clamp(0, 255) as u8;
                }
            }
        }
    }
}

fn draw_body(cv: &mut Canvas<'_>, p: &Pose) {
    let cloth = Paint::solid(CLOTH);
    // Trapezius from the neck, rounded shoulders, and straight sides down out of the frame.
    fill_ellipse(cv, p.body_ellipse(0.0, 3.0, 2.4, 1.3), cloth);
    fill_ellipse(cv, p.body_ellipse(-2.05, 3.05, 1.2, 0.75), cloth);
    fill_ellipse(cv, p.body_ellipse(2.05, 3.05, 1.2, 0.75), cloth);
    fill_convex(
        cv,
        &[
            p.body(-3.25, 3.05),
            p.body(3.25, 3.05),
            p.body(3.4, 8.0),
            p.body(-3.4, 8.0),
        ],
        cloth,
    );
    // A soft crease where each arm meets the chest.
    let fold = Paint::solid(scale(CLOTH, 0.78)).with_opacity(0.5);
    fill_segment(cv, p.body(-2.0, 3.6), p.body(-2.15, 6.0), 0.05 * p.u, fold);
    fill_segment(cv, p.body(2.0, 3.6), p.body(2.15, 6.0), 0.05 * p.u, fold);
    // Neck, V of skin, then the shirt collar on top.
    let neck = scale(SKIN, 0.82);
    fill_convex(
        cv,
        &[
            p.body(-0.5, 0.8),
            p.body(0.5, 0.8),
            p.body(0.58, 1.8),
            p.body(-0.58, 1.8),
        ],
        Paint::solid(neck),
    );
    fill_convex(
        cv,
        &[p.body(-0.5, 1.6), p.body(0.5, 1.6), p.body(0.0, 2.45)],
        Paint::solid(neck),
    );
    fill_ellipse(
        cv,
        p.body_ellipse(0.0, 1.3, 0.5, 0.3),
        Paint::solid(scale(neck, 0.8)).with_opacity(0.6),
    );
    let collar = Paint::solid(COLLAR);
    fill_convex(
        cv,
        &[
            p.body(-0.5, 1.58),
            p.body(0.0, 2.5),
            p.body(-0.38, 2.64),
            p.body(-0.95, 1.95),
        ],
        collar,
    );
    fill_convex(
        cv,
        &[
            p.body(0.5, 1.58),
            p.body(0.95, 1.95),
            p.body(0.38, 2.64),
            p.body(0.0, 2.5),
        ],
        collar,
    );
    let seam = Paint::solid(scale(COLLAR, 0.75));
    fill_segment(cv, p.body(-0.5, 1.58), p.body(0.0, 2.5), 0.025 * p.u, seam);
    fill_segment(cv, p.body(0.5, 1.58), p.body(0.0, 2.5), 0.025 * p.u, seam);
}

fn draw_head(cv: &mut Canvas<'_>, p: &Pose) {
    fill_ellipse(
        cv,
        p.head_ellipse(0.0, -0.28, 1.12, 1.45, 0.0),
        Paint::solid(HAIR).shaded(0.15),
    );
    for side in [-1.0f32, 1.0] {
        fill_ellipse(
            cv,
            p.head_ellipse(side * 1.0, 0.0, 0.17, 0.3, 0.0),
            Paint::solid(scale(SKIN, 0.9)),
        );
        fill_ellipse(
            cv,
            p.head_ellipse(side * 1.03, 0.0, 0.07, 0.17, 0.0),
            Paint::solid(scale(SKIN, 0.72)).with_opacity(0.5),
        );
    }
    fill_ellipse(
        cv,
        p.head_ellipse(0.0, 0.0, 1.0, 1.35, 0.0),
        Paint::solid(SKIN).shaded(0.2),
    );
    // Brows: outer ends slightly lower.
    let brow = Paint::solid([48.0, 36.0, 30.0]);
    fill_ellipse(cv, p.head_ellipse(-0.40, -0.33, 0.24, 0.05, -0.09), brow);
    fill_ellipse(cv, p.head_ellipse(0.40, -0.33, 0.24, 0.05, 0.09), brow);
    for side in [-1.0f32, 1.0] {
        draw_eye(cv, p, side * 0.40, -0.10);
    }
    // Nose: bridge shadow, tip and nostrils.
    fill_ellipse(
        cv,
        p.head_ellipse(0.03, 0.18, 0.07, 0.3, 0.0),
        Paint::solid(scale(SKIN, 0.85)).with_opacity(0.35),
    );
    fill_ellipse(
        cv,
        p.head_ellipse(0.0, 0.47, 0.17, 0.09, 0.0),
        Paint::solid(scale(SKIN, 0.8)).with_opacity(0.45),
    );
    for side in [-1.0f32, 1.0] {
        fill_ellipse(
            cv,
            p.head_ellipse(side * 0.09, 0.52, 0.055, 0.03, side * 0.3),
            Paint::solid([95.0, 58.0, 48.0]).with_opacity(0.7),
        );
    }
    // Closed lips.
    fill_ellipse(
        cv,
        p.head_ellipse(0.0, 0.82, 0.3, 0.08, 0.0),
        Paint::solid([192.0, 108.0, 102.0]).with_opacity(0.9),
    );
    fill_ellipse(
        cv,
        p.head_ellipse(0.0, 0.82, 0.29, 0.014, 0.0),
        Paint::solid([118.0, 58.0, 58.0]),
    );
    // Hair over the top of the forehead, above the brows.
    fill_ellipse(
        cv,
        p.head_ellipse(0.0, -1.32, 0.8, 0.3, 0.0),
        Paint::solid(HAIR),
    );
    fill_ellipse(
        cv,
        p.head_ellipse(-0.35, -1.2, 0.5, 0.17, 0.25),
        Paint::solid(HAIR),
    );
    if p.glasses {
        draw_glasses(cv, p);
    }
}

fn draw_eye(cv: &mut Canvas<'_>, p: &Pose, ex: f32, ey: f32) {
    if p.eyes_open {
        fill_ellipse(
            cv,
            p.head_ellipse(ex, ey, 0.2, 0.085, 0.0),
            Paint::solid([240.0, 238.0, 234.0]),
        );
        fill_ellipse(
            cv,
            p.head_ellipse(ex, ey, 0.08, 0.08, 0.0),
            Paint::solid([78.0, 50.0, 34.0]),
        );
        fill_ellipse(
            cv,
            p.head_ellipse(ex, ey, 0.035, 0.035, 0.0),
            Paint::solid([12.0, 10.0, 10.0]),
        );
        fill_ellipse(
            cv,
            p.head_ellipse(ex + 0.025, ey - 0.025, 0.015, 0.015, 0.0),
            Paint::solid([250.0; 3]),
        );
        fill_ellipse(
            cv,
            p.head_ellipse(ex, ey - 0.06, 0.21, 0.022, 0.0),
            Paint::solid([40.0, 30.0, 26.0]),
        );
    } else {
        fill_ellipse(
            cv,
            p.head_ellipse(ex, ey, 0.21, 0.09, 0.0),
            Paint::solid(scale(SKIN, 0.9)),
        );
        fill_ellipse(
            cv,
            p.head_ellipse(ex, ey + 0.02, 0.2, 0.016, 0.0),
            Paint::solid([40.0, 30.0, 26.0]),
        );
    }
}

fn draw_glasses(cv: &mut Canvas<'_>, p: &Pose) {
    let frame = Paint::solid([28.0, 28.0, 30.0]);
    for side in [-1.0f32, 1.0] {
        fill_ellipse(
            cv,
            p.head_ellipse(side * 0.46, -0.16, 0.08, 0.04, 0.3),
            Paint::solid([255.0; 3]).with_opacity(0.3),
        );
        fill_ring(
            cv,
            p.head_ellipse(side * 0.40, -0.08, 0.3, 0.21, 0.0),
            0.05 * p.u,
            frame,
        );
        fill_segment(
            cv,
            p.head(side * 0.69, -0.12),
            p.head(side * 1.0, -0.1),
            0.04 * p.u,
            frame,
        );
    }
    fill_segment(
        cv,
        p.head(-0.11, -0.13),
        p.head(0.11, -0.13),
        0.04 * p.u,
        frame,
    );
}

/// Draws a phone held up showing `img` (e.g. a QR code) in the square `r`.
fn draw_phone(cv: &mut Canvas<'_>, img: &GrayImage, r: RectF) {
    let m = 0.12 * r.w;
    fill_convex(
        cv,
        &[
            (r.x - m, r.y - 2.0 * m),
            (r.x + r.w + m, r.y - 2.0 * m),
            (r.x + r.w + m, r.y + r.h + 3.0 * m),
            (r.x - m, r.y + r.h + 3.0 * m),
        ],
        Paint::solid([24.0, 24.0, 27.0]),
    );
    let (iw, ih) = img.dimensions();
    if iw == 0 || ih == 0 {
        return;
    }
    let x0 = r.x.round().max(0.0) as i64;
    let y0 = r.y.round().max(0.0) as i64;
    let x1 = ((r.x + r.w).round() as i64).min(cv.w as i64);
    let y1 = ((r.y + r.h).round() as i64).min(cv.h as i64);
    let side = r.w.max(1.0);
    for y in y0..y1 {
        let sy = (((y as f32 + 0.5 - r.y) / side * ih as f32) as u32).min(ih - 1);
        for x in x0..x1 {
            let sx = (((x as f32 + 0.5 - r.x) / side * iw as f32) as u32).min(iw - 1);
            // A phone screen is not paper-white; keep a little contrast headroom.
            let v = 12 + (img.get_pixel(sx, sy).0[0] as u32 * 226 / 255) as u8;
            let i = (y as usize * cv.w + x as usize) * 3;
            cv.px[i..i + 3].copy_from_slice(&[v, v, v]);
        }
    }
}

struct DemoControls {
    defect: DemoDefect,
    blinking: bool,
    overlay: Option<Arc<GrayImage>>,
    geometry: Option<SubjectGeometry>,
}

/// Shared controls of a running [`DemoSource`] (defect switch, QR overlay, ground truth).
#[derive(Clone)]
pub struct DemoHandle(Arc<Mutex<DemoControls>>);

impl DemoHandle {
    fn with<R>(&self, f: impl FnOnce(&mut DemoControls) -> R) -> R {
        f(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Switches the shown defect.
    pub fn set_defect(&self, defect: DemoDefect) {
        self.with(|c| c.defect = defect);
    }

    /// The shown defect.
    pub fn defect(&self) -> DemoDefect {
        self.with(|c| c.defect)
    }

    /// Enables or disables the periodic blink (on by default).
    pub fn set_blinking(&self, on: bool) {
        self.with(|c| c.blinking = on);
    }

    /// Shows `image` (e.g. a collection-code QR) on a phone held up beside the subject.
    pub fn set_overlay(&self, image: Option<GrayImage>) {
        self.with(|c| c.overlay = image.map(Arc::new));
    }

    /// Ground truth of the most recently rendered frame.
    pub fn last_geometry(&self) -> Option<SubjectGeometry> {
        self.with(|c| c.geometry.clone())
    }
}

/// The demo [`FrameSource`], paced at a fixed frame rate.
pub struct DemoSource {
    scene: DemoScene,
    handle: DemoHandle,
    period: Duration,
    start: Instant,
    next_due: Option<Instant>,
    seq: u64,
}

impl DemoSource {
    /// A demo source producing `width`×`height` frames at `fps` (clamped to 1..=120).
    pub fn new(width: u32, height: u32, fps: u32) -> Self {
        Self {
            scene: DemoScene::new(width, height),
            handle: DemoHandle(Arc::new(Mutex::new(DemoControls {
                defect: DemoDefect::Good,
                blinking: true,
                overlay: None,
                geometry: None,
            }))),
            period: Duration::from_secs_f64(1.0 / f64::from(fps.clamp(1, 120))),
            start: Instant::now(),
            next_due: None,
            seq: 0,
        }
    }

    /// A handle to switch defects and overlays while the source runs on another thread.
    pub fn handle(&self) -> DemoHandle {
        self.handle.clone()
    }
}

impl FrameSource for DemoSource {
    fn describe(&self) -> String {
        let (w, h) = self.scene.size();
        format!("demo {w}×{h} @ {:.0} fps", 1.0 / self.period.as_secs_f64())
    }

    fn kind(&self) -> SourceKind {
        SourceKind::Live
    }

    fn open(&mut self) -> Result<(), CameraError> {
        self.next_due = Some(Instant::now());
        Ok(())
    }

    fn next_frame(&mut self, timeout: Duration) -> Result<Option<Frame>, CameraError> {
        let due = self.next_due.ok_or(CameraError::Closed)?;
        let now = Instant::now();
        if due > now {
            if due - now > timeout {
                std::thread::sleep(timeout);
                return Ok(None);
            }
            std::thread::sleep(due - now);
        }
        let (defect, blinking, overlay) = self
            .handle
            .with(|c| (c.defect, c.blinking, c.overlay.clone()));
        let t = due.saturating_duration_since(self.start).as_secs_f32();
        let (img, geometry) = self
            .scene
            .render(t, defect, blinking, overlay.as_deref(), self.seq);
        self.handle.with(|c| c.geometry = Some(geometry));
        let frame = Frame::new(self.seq, img);
        self.seq += 1;
        let mut next = due + self.period;
        let now = Instant::now();
        if next + self.period < now {
            // Fell behind (slow machine): do not try to catch up with a burst.
            next = now;
        }
        self.next_due = Some(next);
        Ok(Some(frame))
    }

    fn close(&mut self) {
        self.next_due = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometry_of_good_subject_is_centred_and_level() {
        let scene = DemoScene::new(1280, 720);
        let g = scene.geometry(0.0, DemoDefect::Good, false);
        let cx = g.face_box.x + g.face_box.w / 2.0;
        assert!((cx - 640.0).abs() < 20.0, "{cx}");
        assert!(g.roll_deg.abs() < 1.0);
        assert!(g.crown_y > 40.0 && g.crown_y < g.eyes[0].1);
        assert!(g.eyes[0].0 < g.eyes[1].0);
        assert!(g.chin_y < 720.0 * 0.7);
        assert!(g.eyes_open);
    }

    #[test]
    fn defects_change_the_ground_truth() {
        let scene = DemoScene::new(1280, 720);
        let good = scene.geometry(1.0, DemoDefect::Good, false);
        let off = scene.geometry(1.0, DemoDefect::OffCentre, false);
        assert!(off.face_box.x - good.face_box.x > 200.0);
        let tilt = scene.geometry(1.0, DemoDefect::Tilted, false);
        assert!((tilt.roll_deg - good.roll_deg - 12.0).abs() < 0.01);
        let far = scene.geometry(1.0, DemoDefect::TooFar, false);
        assert!(far.face_box.w < good.face_box.w * 0.6);
        let close = scene.geometry(1.0, DemoDefect::TooClose, false);
        assert!(close.face_box.w > good.face_box.w * 1.5);
        assert!(!scene.geometry(1.0, DemoDefect::EyesClosed, false).eyes_open);
        assert!(scene.geometry(1.0, DemoDefect::Glasses, false).glasses);
        assert_ne!(
            scene
                .geometry(1.0, DemoDefect::WrongBackground, false)
                .background,
            CHSI_BLUE
        );
    }

    #[test]
    fn blinks_periodically() {
        let scene = DemoScene::new(640, 360);
        let closed = (0..370)
            .filter(|i| {
                !scene
                    .geometry(*i as f32 / 100.0, DemoDefect::Good, true)
                    .eyes_open
            })
            .count();
        assert!((10..=20).contains(&closed), "{closed}");
    }

    #[test]
    fn rendered_pixels_match_the_geometry() {
        let mut scene = DemoScene::new(1280, 720);
        let (img, g) = scene.render(0.5, DemoDefect::Good, false, None, 3);
        let px = |x: f32, y: f32| img.get_pixel(x as u32, y as u32).0;
        // Backdrop in the corner is close to the CHSI blue.
        let bg = px(20.0, 20.0);
        for i in 0..3 {
            assert!((bg[i] as i32 - CHSI_BLUE[i] as i32).abs() < 16, "{bg:?}");
        }
        // Face centre is skin-toned (red > green > blue), eyes are white/dark, not skin.
        let cx = g.face_box.x + g.face_box.w / 2.0;
        let c = px(cx - 0.2 * g.face_box.w, g.face_box.y + 0.55 * g.face_box.h);
        assert!(c[0] > c[1] && c[1] > c[2] && c[0] > 180, "{c:?}");
        let pupil = px(g.eyes[0].0, g.eyes[0].1);
        assert!(pupil[0] < 60, "{pupil:?}");
        // Hair above the forehead, clothing at the bottom centre.
        let hair = px(cx, g.crown_y + 0.05 * g.face_box.h);
        assert!(hair[0] < 60, "{hair:?}");
        let cloth = px(cx + 0.5 * g.face_box.w, 715.0);
        assert!(cloth[0] < 70 && cloth[2] < 80, "{cloth:?}");
    }

    #[test]
    fn dark_and_overlay_variants_render() {
        let mut scene = DemoScene::new(640, 360);
        let (good, _) = scene.render(0.0, DemoDefect::Good, false, None, 0);
        let (dark, _) = scene.render(0.0, DemoDefect::TooDark, false, None, 0);
        let mean = |i: &RgbImage| {
            i.as_raw().iter().map(|&v| v as f64).sum::<f64>() / i.as_raw().len() as f64
        };
        assert!(mean(&dark) < mean(&good) * 0.5);
        let qr = GrayImage::from_fn(21, 21, |x, y| {
            image::Luma([if (x + y) % 2 == 0 { 0 } else { 255 }])
        });
        let (img, g) = scene.render(0.0, DemoDefect::Good, false, Some(&qr), 0);
        let r = g.overlay_box.unwrap();
        let inside: Vec<u8> = (0..21)
            .map(|i| {
                img.get_pixel(
                    (r.x + (i as f32 + 0.5) * r.w / 21.0) as u32,
                    (r.y + 0.5 * r.w / 21.0) as u32,
                )
                .0[0]
            })
            .collect();
        assert!(
            inside.iter().any(|&v| v < 40) && inside.iter().any(|&v| v > 200),
            "{inside:?}"
        );
    }
}
