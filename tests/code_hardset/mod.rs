//! Deterministic generator of a hard set of webcam-like frames with (and without) a
//! collection-code QR, shared by `tests/code_decode.rs` and `benches/code.rs` via `#[path]`.
//!
//! Every frame is rendered from a seed: a room/person background, a phone screen or a printed
//! sheet showing a QR (built with the `qrcode` crate) placed with a homography, then the
//! degradation of its category (small modules, rotation, perspective, defocus, motion blur,
//! noise, low contrast, glare, inverted, tight phone bezel, heavy JPEG). Negative frames carry
//! no code. Nothing is written to disk.
#![allow(dead_code, clippy::needless_range_loop)]

use image::{GrayImage, Rgb, RgbImage};
use qrcode::{Color, EcLevel, QrCode};

/// Small deterministic PRNG (SplitMix64), so the set never depends on a crate's RNG stream.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }
    pub fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.unit()
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    pub fn chance(&mut self, p: f32) -> bool {
        self.unit() < p
    }
    /// Standard normal (Box-Muller).
    pub fn gauss(&mut self) -> f32 {
        let u1 = self.unit().max(1e-7);
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f32::consts::PI * u2).cos()
    }
}

/// What makes a frame hard.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    Plain,
    SmallModules,
    Rotation,
    Perspective,
    Defocus,
    Motion,
    Noise,
    LowContrast,
    Glare,
    Inverted,
    Bezel,
    Jpeg,
    Negative,
}

impl Category {
    pub const ALL: [Category; 13] = [
        Category::Plain,
        Category::SmallModules,
        Category::Rotation,
        Category::Perspective,
        Category::Defocus,
        Category::Motion,
        Category::Noise,
        Category::LowContrast,
        Category::Glare,
        Category::Inverted,
        Category::Bezel,
        Category::Jpeg,
        Category::Negative,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Category::Plain => "plain",
            Category::SmallModules => "small_modules",
            Category::Rotation => "rotation",
            Category::Perspective => "perspective",
            Category::Defocus => "defocus",
            Category::Motion => "motion",
            Category::Noise => "noise",
            Category::LowContrast => "low_contrast",
            Category::Glare => "glare",
            Category::Inverted => "inverted",
            Category::Bezel => "bezel",
            Category::Jpeg => "jpeg",
            Category::Negative => "negative",
        }
    }
}

/// One generated frame and the payload it must decode to (`None` for negatives).
pub struct Sample {
    pub name: String,
    pub category: Category,
    pub frame: RgbImage,
    pub expected: Option<String>,
}

/// Frame sizes used by the set: even indices are 1280×720, odd ones 1920×1080.
pub fn frame_size(index: usize) -> (u32, u32) {
    if index.is_multiple_of(2) {
        (1280, 720)
    } else {
        (1920, 1080)
    }
}

/// A CHSI-like opaque payload: 100–300 characters of base64url-ish text.
pub fn chsi_like_payload(rng: &mut Rng) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let len = 100 + rng.below(201);
    let mut s = String::with_capacity(len + 2);
    for _ in 0..len {
        s.push(ALPHABET[rng.below(ALPHABET.len())] as char);
    }
    let pad = rng.below(3);
    for _ in 0..pad {
        s.push('=');
    }
    s
}

/// Judges the payloads a decoder returned for a frame expecting `expected` (`None`: a
/// negative): whether that is the right answer (the payload among them, or nothing at all for
/// a negative), and how many of them are wrong payloads.
pub fn judge<'a>(
    expected: Option<&str>,
    payloads: impl IntoIterator<Item = &'a str>,
) -> (bool, usize) {
    let (mut hit, mut n, mut wrong) = (false, 0, 0);
    for p in payloads {
        n += 1;
        if Some(p) == expected {
            hit = true;
        } else {
            wrong += 1;
        }
    }
    let ok = match expected {
        Some(_) => hit,
        None => n == 0,
    };
    (ok, wrong)
}

/// Generate sample `index` of `category` (deterministic).
pub fn sample(category: Category, index: usize) -> Sample {
    let seed = (category as u64 + 1) * 1_000_003 + index as u64 * 7919;
    let mut rng = Rng::new(seed);
    let (w, h) = frame_size(index);
    let mut frame = background(&mut rng, w, h, category == Category::Negative);
    let mut expected = None;
    let mut jpeg_q = 70 + rng.below(21) as u8;
    let mut noise_sigma = rng.range(1.5, 4.0);
    if category == Category::Negative {
        if rng.chance(0.5) {
            // A phone showing something that is not a code (a photo-like pattern).
            let p = Placement::random(&mut rng, w, h, 41.0, category);
            draw_phone_without_code(&mut rng, &mut frame, &p);
        }
    } else {
        let payload = chsi_like_payload(&mut rng);
        let ec = if rng.chance(0.5) {
            EcLevel::M
        } else {
            EcLevel::L
        };
        let code = QrCode::with_error_correction_level(payload.as_bytes(), ec)
            .expect("payload fits a QR code");
        let n = code.width();
        let modules: Vec<bool> = code
            .to_colors()
            .into_iter()
            .map(|c| c == Color::Dark)
            .collect();
        let p = Placement::random(&mut rng, w, h, n as f32, category);
        let look = Look::random(&mut rng, category);
        draw_code(&mut frame, &modules, n, &p, &look);
        let bbox = p.bbox(w, h, n as f32, look.margin + look.bezel + 2.0);
        match category {
            Category::Defocus => {
                let sigma = p.module * rng.range(0.25, 0.45);
                gaussian_blur_region(&mut frame, bbox, sigma);
            }
            Category::Motion => {
                let len = p.module * rng.range(0.5, 1.1);
                let ang = rng.range(0.0, std::f32::consts::PI);
                motion_blur_region(&mut frame, bbox, len, ang);
            }
            _ => {
                // Webcams are never perfectly sharp.
                let sigma = rng.range(0.3, 0.7).min(p.module * 0.2);
                gaussian_blur_region(&mut frame, bbox, sigma);
            }
        }
        if category == Category::Glare {
            add_glare(&mut rng, &mut frame, &p, n as f32);
        }
        if category == Category::Noise {
            noise_sigma = rng.range(10.0, 22.0);
        }
        if category == Category::Jpeg {
            jpeg_q = 20 + rng.below(21) as u8;
        }
        expected = Some(payload);
    }
    add_noise(&mut rng, &mut frame, noise_sigma);
    let frame = jpeg_roundtrip(&frame, jpeg_q);
    Sample {
        name: format!("{}-{:03}-{}x{}", category.name(), index, w, h),
        category,
        frame,
        expected,
    }
}

/// The whole set: `per_category` samples of every category.
pub fn hard_set(per_category: usize) -> impl Iterator<Item = Sample> {
    Category::ALL
        .into_iter()
        .flat_map(move |c| (0..per_category).map(move |i| sample(c, i)))
}

/// Grey conversion used by tests and the bench.
pub fn to_gray(frame: &RgbImage) -> GrayImage {
    image::DynamicImage::ImageRgb8(frame.clone()).to_luma8()
}

/// Where the code lands: a projective map from code coordinates (in modules, the code occupies
/// `[0, n]²`) to frame pixels.
pub struct Placement {
    /// Row-major 3×3 homography code→frame.
    pub h: [f32; 9],
    /// Inverse, frame→code.
    pub inv: [f32; 9],
    /// Nominal module size in pixels.
    pub module: f32,
}

impl Placement {
    fn random(rng: &mut Rng, w: u32, h: u32, n: f32, cat: Category) -> Self {
        let big = w > 1500;
        let module = match cat {
            Category::SmallModules => rng.range(2.0, 3.0),
            Category::Jpeg => rng.range(3.5, 6.5),
            _ => {
                if big {
                    rng.range(3.5, 8.0)
                } else {
                    rng.range(3.0, 7.0)
                }
            }
        };
        let mut module = module;
        // Keep the code (plus margin) well inside the frame.
        let max_side = h as f32 * 0.8;
        if (n + 8.0) * module > max_side {
            module = max_side / (n + 8.0);
        }
        let side = n * module;
        let angle = match cat {
            Category::Rotation => rng.range(0.0, 360.0),
            _ => rng.range(-12.0, 12.0),
        }
        .to_radians();
        let jitter = match cat {
            Category::Perspective => rng.range(0.12, 0.25),
            _ => rng.range(0.0, 0.05),
        };
        let half_extent = side * 0.5 * 1.5 + 6.0 * module;
        let cx = rng.range(half_extent, (w as f32 - half_extent).max(half_extent + 1.0));
        let cy = rng.range(half_extent, (h as f32 - half_extent).max(half_extent + 1.0));
        let (sa, ca) = angle.sin_cos();
        let mut quad = [(0.0f32, 0.0f32); 4];
        let corners = [(-0.5, -0.5), (0.5, -0.5), (0.5, 0.5), (-0.5, 0.5)];
        // Perspective: one consistent tilt (pull two adjacent corners in) plus per-corner jitter.
        let tilt_edge = rng.below(4);
        for (i, (ux, uy)) in corners.iter().enumerate() {
            let mut x = ux * side;
            let mut y = uy * side;
            if i == tilt_edge || i == (tilt_edge + 1) % 4 {
                x *= 1.0 - jitter;
                y *= 1.0 - jitter;
            }
            x += rng.range(-1.0, 1.0) * side * jitter * 0.3;
            y += rng.range(-1.0, 1.0) * side * jitter * 0.3;
            quad[i] = (cx + x * ca - y * sa, cy + x * sa + y * ca);
        }
        let hm = square_to_quad(n, &quad);
        let inv = invert3(&hm);
        Placement { h: hm, inv, module }
    }

    fn map(&self, u: f32, v: f32) -> (f32, f32) {
        apply(&self.h, u, v)
    }

    /// Bounding box (x0, y0, x1, y1) of the code extended by `pad` modules, clipped.
    fn bbox(&self, w: u32, h: u32, n: f32, pad: f32) -> (u32, u32, u32, u32) {
        let pts = [
            self.map(-pad, -pad * 1.6),
            self.map(n + pad, -pad * 1.6),
            self.map(n + pad, n + pad * 1.6),
            self.map(-pad, n + pad * 1.6),
        ];
        let x0 = pts.iter().map(|p| p.0).fold(f32::MAX, f32::min).max(0.0);
        let y0 = pts.iter().map(|p| p.1).fold(f32::MAX, f32::min).max(0.0);
        let x1 = pts
            .iter()
            .map(|p| p.0)
            .fold(f32::MIN, f32::max)
            .min(w as f32 - 1.0);
        let y1 = pts
            .iter()
            .map(|p| p.1)
            .fold(f32::MIN, f32::max)
            .min(h as f32 - 1.0);
        (x0 as u32, y0 as u32, x1.max(x0) as u32, y1.max(y0) as u32)
    }
}

fn apply(m: &[f32; 9], u: f32, v: f32) -> (f32, f32) {
    let d = m[6] * u + m[7] * v + m[8];
    (
        (m[0] * u + m[1] * v + m[2]) / d,
        (m[3] * u + m[4] * v + m[5]) / d,
    )
}

/// Homography mapping the square `[0,n]²` to `quad` (TL, TR, BR, BL).
fn square_to_quad(n: f32, q: &[(f32, f32); 4]) -> [f32; 9] {
    let (x0, y0) = q[0];
    let (x1, y1) = q[1];
    let (x2, y2) = q[2];
    let (x3, y3) = q[3];
    let dx1 = x1 - x2;
    let dx2 = x3 - x2;
    let dy1 = y1 - y2;
    let dy2 = y3 - y2;
    let sx = x0 - x1 + x2 - x3;
    let sy = y0 - y1 + y2 - y3;
    let den = dx1 * dy2 - dx2 * dy1;
    let g = (sx * dy2 - dx2 * sy) / den;
    let hh = (dx1 * sy - sx * dy1) / den;
    let a = x1 - x0 + g * x1;
    let b = x3 - x0 + hh * x3;
    let d = y1 - y0 + g * y1;
    let e = y3 - y0 + hh * y3;
    // Unit square → quad, then pre-scale by 1/n.
    [a / n, b / n, x0, d / n, e / n, y0, g / n, hh / n, 1.0]
}

fn invert3(m: &[f32; 9]) -> [f32; 9] {
    let [a, b, c, d, e, f, g, h, i] = *m;
    let co0 = e * i - f * h;
    let co1 = f * g - d * i;
    let co2 = d * h - e * g;
    let det = a * co0 + b * co1 + c * co2;
    let r = 1.0 / det;
    [
        co0 * r,
        (c * h - b * i) * r,
        (b * f - c * e) * r,
        co1 * r,
        (a * i - c * g) * r,
        (c * d - a * f) * r,
        co2 * r,
        (b * g - a * h) * r,
        (a * e - b * d) * r,
    ]
}

/// Colours and surround of the code.
struct Look {
    dark: f32,
    light: f32,
    /// Quiet zone / screen margin in modules.
    margin: f32,
    /// Phone bezel width in modules (0 = printed sheet).
    bezel: f32,
    bezel_level: f32,
    /// Screen tint multiplier per channel.
    tint: [f32; 3],
    /// Linear illumination gradient across the code (fraction per code width).
    gradient: (f32, f32),
}

impl Look {
    fn random(rng: &mut Rng, cat: Category) -> Self {
        let phone = cat == Category::Bezel || cat == Category::Inverted || rng.chance(0.6);
        let (mut dark, mut light) = (rng.range(15.0, 60.0), rng.range(185.0, 245.0));
        if cat == Category::LowContrast {
            let span = rng.range(28.0, 50.0);
            let base = rng.range(50.0, 190.0);
            dark = base;
            light = base + span;
        }
        if cat == Category::Inverted {
            std::mem::swap(&mut dark, &mut light);
        }
        let margin = match cat {
            Category::Bezel => rng.range(1.0, 2.2),
            _ => rng.range(2.5, 6.0),
        };
        let bezel = if phone { rng.range(1.5, 5.0) } else { 0.0 };
        let tint = if phone {
            [0.94, 0.97, 1.0]
        } else {
            [1.0, 0.99, 0.96]
        };
        let gradient = if cat == Category::LowContrast || rng.chance(0.5) {
            (rng.range(-0.15, 0.15), rng.range(-0.15, 0.15))
        } else {
            (0.0, 0.0)
        };
        Look {
            dark,
            light,
            margin,
            bezel,
            bezel_level: rng.range(5.0, 35.0),
            tint,
            gradient,
        }
    }
}

fn draw_code(frame: &mut RgbImage, modules: &[bool], n: usize, p: &Placement, look: &Look) {
    let nf = n as f32;
    let m = look.margin;
    let b = look.bezel;
    // Phones are taller than wide: extra screen above and below the code.
    let (top, bottom) = if b > 0.0 {
        (m + nf * 0.5, m + nf * 0.6)
    } else {
        (m, m)
    };
    let (w, h) = frame.dimensions();
    let pad_v = top.max(bottom) + b;
    let (x0, y0, x1, y1) = p.bbox(w, h, nf, (m + b).max(pad_v));
    let sub = [0.25f32, 0.75];
    for y in y0..=y1 {
        for x in x0..=x1 {
            let mut acc = [0.0f32; 3];
            let mut covered = 0;
            for sy in sub {
                for sx in sub {
                    let (u, v) = apply(&p.inv, x as f32 + sx, y as f32 + sy);
                    let in_screen = u >= -m && u < nf + m && v >= -top && v < nf + bottom;
                    let in_bezel = b > 0.0
                        && u >= -m - b
                        && u < nf + m + b
                        && v >= -top - b
                        && v < nf + bottom + b;
                    if in_screen {
                        let dark = u >= 0.0
                            && v >= 0.0
                            && u < nf
                            && v < nf
                            && modules[(v as usize) * n + u as usize];
                        let base = if dark { look.dark } else { look.light };
                        let shade = 1.0
                            + look.gradient.0 * (u / nf - 0.5)
                            + look.gradient.1 * (v / nf - 0.5);
                        for (a, t) in acc.iter_mut().zip(look.tint) {
                            *a += base * shade * t;
                        }
                        covered += 1;
                    } else if in_bezel {
                        for a in acc.iter_mut() {
                            *a += look.bezel_level;
                        }
                        covered += 1;
                    }
                }
            }
            if covered > 0 {
                let px = frame.get_pixel_mut(x, y);
                for c in 0..3 {
                    let bg = px[c] as f32 * (4 - covered) as f32;
                    px[c] = ((acc[c] + bg) / 4.0).clamp(0.0, 255.0) as u8;
                }
            }
        }
    }
}

fn draw_phone_without_code(rng: &mut Rng, frame: &mut RgbImage, p: &Placement) {
    // Blotchy photo-like screen content inside a bezel.
    let (w, h) = frame.dimensions();
    let n = 41.0;
    let (x0, y0, x1, y1) = p.bbox(w, h, n, 12.0);
    let blobs: Vec<(f32, f32, f32, [f32; 3])> = (0..8)
        .map(|_| {
            (
                rng.range(0.0, n),
                rng.range(-15.0, n + 15.0),
                rng.range(5.0, 20.0),
                [
                    rng.range(0.0, 255.0),
                    rng.range(0.0, 255.0),
                    rng.range(0.0, 255.0),
                ],
            )
        })
        .collect();
    for y in y0..=y1 {
        for x in x0..=x1 {
            let (u, v) = apply(&p.inv, x as f32 + 0.5, y as f32 + 0.5);
            let in_screen = (-2.0..n + 2.0).contains(&u) && (-20.0..n + 20.0).contains(&v);
            let in_bezel = (-5.0..n + 5.0).contains(&u) && (-23.0..n + 23.0).contains(&v);
            let px = frame.get_pixel_mut(x, y);
            if in_screen {
                let mut col = [200.0f32; 3];
                for (bu, bv, r, c) in &blobs {
                    let d2 = ((u - bu).powi(2) + (v - bv).powi(2)) / (r * r);
                    if d2 < 1.0 {
                        col = *c;
                    }
                }
                *px = Rgb([col[0] as u8, col[1] as u8, col[2] as u8]);
            } else if in_bezel {
                *px = Rgb([20, 20, 22]);
            }
        }
    }
}

/// A room with a person: wall gradient, window/door, shelf with "books", a poster with text-like
/// marks, and a person (head, hair, patterned shirt) in the middle.
fn background(rng: &mut Rng, w: u32, h: u32, busy: bool) -> RgbImage {
    let wall = [
        rng.range(150.0, 230.0),
        rng.range(150.0, 225.0),
        rng.range(140.0, 220.0),
    ];
    let light_dir = rng.range(-0.3, 0.3);
    let mut img = RgbImage::from_fn(w, h, |x, y| {
        let fx = x as f32 / w as f32;
        let fy = y as f32 / h as f32;
        let s = 1.0 + light_dir * (fx - 0.5) - 0.15 * fy;
        Rgb([
            (wall[0] * s).clamp(0.0, 255.0) as u8,
            (wall[1] * s).clamp(0.0, 255.0) as u8,
            (wall[2] * s).clamp(0.0, 255.0) as u8,
        ])
    });
    let wf = w as f32;
    let hf = h as f32;
    // Window (bright) or door (dark) on one side.
    let wx = if rng.chance(0.5) {
        rng.range(0.02, 0.15)
    } else {
        rng.range(0.7, 0.85)
    } * wf;
    let bright = rng.chance(0.5);
    let col = if bright {
        [245, 248, 255]
    } else {
        [90, 60, 40]
    };
    fill_rect(&mut img, wx, hf * 0.1, wx + wf * 0.13, hf * 0.75, col);
    if bright {
        // Window bars.
        fill_rect(
            &mut img,
            wx + wf * 0.062,
            hf * 0.1,
            wx + wf * 0.068,
            hf * 0.75,
            [120, 120, 120],
        );
        fill_rect(
            &mut img,
            wx,
            hf * 0.42,
            wx + wf * 0.13,
            hf * 0.43,
            [120, 120, 120],
        );
    }
    // Shelf with books.
    let sx = rng.range(0.0, 0.6) * wf;
    let sy = rng.range(0.05, 0.3) * hf;
    fill_rect(
        &mut img,
        sx,
        sy + hf * 0.12,
        sx + wf * 0.3,
        sy + hf * 0.135,
        [70, 50, 35],
    );
    let mut bx = sx;
    while bx < sx + wf * 0.29 {
        let bw = rng.range(0.006, 0.018) * wf;
        let bh = rng.range(0.06, 0.115) * hf;
        let c = [
            rng.below(200) as u8 + 20,
            rng.below(200) as u8 + 20,
            rng.below(200) as u8 + 20,
        ];
        fill_rect(
            &mut img,
            bx,
            sy + hf * 0.12 - bh,
            bx + bw,
            sy + hf * 0.12,
            c,
        );
        bx += bw + 1.0;
    }
    // Poster with text lines (dense small dark marks: a classic source of false finders).
    let px = rng.range(0.5, 0.8) * wf;
    let py = rng.range(0.05, 0.2) * hf;
    fill_rect(
        &mut img,
        px,
        py,
        px + wf * 0.15,
        py + hf * 0.3,
        [240, 240, 235],
    );
    let mut ty = py + hf * 0.02;
    while ty < py + hf * 0.28 {
        let mut tx = px + wf * 0.01;
        while tx < px + wf * 0.14 {
            let cw = rng.range(3.0, 9.0);
            if rng.chance(0.8) {
                fill_rect(&mut img, tx, ty, tx + cw, ty + 8.0, [30, 30, 30]);
            }
            tx += cw + rng.range(2.0, 5.0);
        }
        ty += 14.0;
    }
    // Person: shirt, neck/head, hair.
    let cx = rng.range(0.35, 0.65) * wf;
    let head_r = hf * rng.range(0.11, 0.15);
    let head_cy = hf * rng.range(0.3, 0.4);
    let skin = [
        rng.range(170.0, 230.0),
        rng.range(130.0, 180.0),
        rng.range(100.0, 150.0),
    ];
    let shirt = [
        rng.range(10.0, 200.0),
        rng.range(10.0, 200.0),
        rng.range(10.0, 200.0),
    ];
    let pattern = rng.below(3);
    let stripe = rng.range(6.0, 18.0);
    let shoulders_y = head_cy + head_r * 1.5;
    for y in 0..h {
        let yf = y as f32;
        for x in 0..w {
            let xf = x as f32;
            let dx = (xf - cx) / (head_r * 0.82);
            let dy = (yf - head_cy) / head_r;
            let in_head = dx * dx + dy * dy < 1.0;
            let in_hair = {
                let hy = (yf - (head_cy - head_r * 0.25)) / (head_r * 0.95);
                let hx = (xf - cx) / (head_r * 0.9);
                hx * hx + hy * hy < 1.0 && yf < head_cy - head_r * 0.35
            };
            let body_half = head_r * (1.2 + 2.5 * ((yf - shoulders_y) / hf).max(0.0) * 3.0);
            let in_body = yf > shoulders_y && (xf - cx).abs() < body_half.min(wf * 0.35);
            let col = if in_hair {
                Some([25.0, 20.0, 18.0])
            } else if in_head {
                let shade = 1.0 - 0.25 * dx.max(0.0);
                Some([skin[0] * shade, skin[1] * shade, skin[2] * shade])
            } else if in_body {
                let on = match pattern {
                    0 => false,
                    1 => ((xf / stripe) as i32) % 2 == 0,
                    _ => (((xf / stripe) as i32) + ((yf / stripe) as i32)) % 2 == 0,
                };
                let k = if on { 0.55 } else { 1.0 };
                Some([shirt[0] * k, shirt[1] * k, shirt[2] * k])
            } else {
                None
            };
            if let Some(c) = col {
                img.put_pixel(x, y, Rgb([c[0] as u8, c[1] as u8, c[2] as u8]));
            }
        }
    }
    if busy {
        // Extra clutter for negatives: a checkerboard and nested squares that resemble finders.
        let ox = rng.range(0.05, 0.6) * wf;
        let oy = rng.range(0.4, 0.7) * hf;
        let cell = rng.range(4.0, 12.0);
        for j in 0..12 {
            for i in 0..12 {
                if (i + j) % 2 == 0 {
                    let x = ox + i as f32 * cell;
                    let y = oy + j as f32 * cell;
                    fill_rect(&mut img, x, y, x + cell, y + cell, [15, 15, 15]);
                }
            }
        }
        let fx = rng.range(0.1, 0.8) * wf;
        let fy = rng.range(0.1, 0.7) * hf;
        let u = rng.range(4.0, 9.0);
        fill_rect(&mut img, fx, fy, fx + 7.0 * u, fy + 7.0 * u, [10, 10, 10]);
        fill_rect(
            &mut img,
            fx + u,
            fy + u,
            fx + 6.0 * u,
            fy + 6.0 * u,
            [250, 250, 250],
        );
        fill_rect(
            &mut img,
            fx + 2.0 * u,
            fy + 2.0 * u,
            fx + 5.0 * u,
            fy + 5.0 * u,
            [10, 10, 10],
        );
    }
    img
}

fn fill_rect(img: &mut RgbImage, x0: f32, y0: f32, x1: f32, y1: f32, c: [u8; 3]) {
    let (w, h) = img.dimensions();
    let xa = x0.max(0.0) as u32;
    let ya = y0.max(0.0) as u32;
    let xb = (x1.max(0.0) as u32).min(w);
    let yb = (y1.max(0.0) as u32).min(h);
    for y in ya..yb {
        for x in xa..xb {
            img.put_pixel(x, y, Rgb(c));
        }
    }
}

fn gaussian_blur_region(img: &mut RgbImage, bbox: (u32, u32, u32, u32), sigma: f32) {
    if sigma < 0.2 {
        return;
    }
    let r = (sigma * 3.0).ceil() as i32;
    let k: Vec<f32> = (-r..=r)
        .map(|i| (-(i * i) as f32 / (2.0 * sigma * sigma)).exp())
        .collect();
    let sum: f32 = k.iter().sum();
    let k: Vec<f32> = k.iter().map(|v| v / sum).collect();
    convolve_sep(img, bbox, &k, &k);
}

fn convolve_sep(img: &mut RgbImage, bbox: (u32, u32, u32, u32), kx: &[f32], ky: &[f32]) {
    let w = img.width();
    let (x0, y0, x1, y1) = bbox;
    let rx = (kx.len() / 2) as i32;
    let ry = (ky.len() / 2) as i32;
    let bw = (x1 - x0 + 1) as usize;
    let bh = (y1 - y0 + 1) as usize;
    let mut tmp = vec![[0.0f32; 3]; bw * bh];
    for y in 0..bh {
        for x in 0..bw {
            let mut acc = [0.0f32; 3];
            for (i, kv) in kx.iter().enumerate() {
                let sx = (x0 as i32 + x as i32 + i as i32 - rx).clamp(0, w as i32 - 1) as u32;
                let p = img.get_pixel(sx, y0 + y as u32);
                for c in 0..3 {
                    acc[c] += kv * p[c] as f32;
                }
            }
            tmp[y * bw + x] = acc;
        }
    }
    for y in 0..bh {
        for x in 0..bw {
            let mut acc = [0.0f32; 3];
            for (i, kv) in ky.iter().enumerate() {
                let sy = (y as i32 + i as i32 - ry).clamp(0, bh as i32 - 1) as usize;
                let p = tmp[sy * bw + x];
                for c in 0..3 {
                    acc[c] += kv * p[c];
                }
            }
            img.put_pixel(
                x0 + x as u32,
                y0 + y as u32,
                Rgb([acc[0] as u8, acc[1] as u8, acc[2] as u8]),
            );
        }
    }
}

fn motion_blur_region(img: &mut RgbImage, bbox: (u32, u32, u32, u32), len: f32, angle: f32) {
    let (w, h) = img.dimensions();
    let (x0, y0, x1, y1) = bbox;
    let steps = (len.ceil() as i32).max(2) * 2 + 1;
    let (dy, dx) = angle.sin_cos();
    let src = img.clone();
    for y in y0..=y1 {
        for x in x0..=x1 {
            let mut acc = [0.0f32; 3];
            for s in 0..steps {
                let t = (s as f32 / (steps - 1) as f32 - 0.5) * len;
                let sx = (x as f32 + t * dx).round().clamp(0.0, w as f32 - 1.0) as u32;
                let sy = (y as f32 + t * dy).round().clamp(0.0, h as f32 - 1.0) as u32;
                let p = src.get_pixel(sx, sy);
                for c in 0..3 {
                    acc[c] += p[c] as f32;
                }
            }
            let n = steps as f32;
            img.put_pixel(
                x,
                y,
                Rgb([(acc[0] / n) as u8, (acc[1] / n) as u8, (acc[2] / n) as u8]),
            );
        }
    }
}

fn add_glare(rng: &mut Rng, img: &mut RgbImage, p: &Placement, n: f32) {
    let (w, h) = img.dimensions();
    let (gx, gy) = p.map(rng.range(0.15, 0.85) * n, rng.range(0.15, 0.85) * n);
    let (ex, ey) = p.map(n, n);
    let (ox, oy) = p.map(0.0, 0.0);
    let side = ((ex - ox).powi(2) + (ey - oy).powi(2)).sqrt() / std::f32::consts::SQRT_2;
    let r = side * rng.range(0.12, 0.25);
    let peak = rng.range(110.0, 200.0);
    let stretch = rng.range(1.0, 2.0);
    let x0 = (gx - 3.0 * r * stretch).max(0.0) as u32;
    let y0 = (gy - 3.0 * r).max(0.0) as u32;
    let x1 = ((gx + 3.0 * r * stretch) as u32).min(w - 1);
    let y1 = ((gy + 3.0 * r) as u32).min(h - 1);
    for y in y0..=y1 {
        for x in x0..=x1 {
            let dx = (x as f32 - gx) / (r * stretch);
            let dy = (y as f32 - gy) / r;
            let a = peak * (-(dx * dx + dy * dy) / 2.0).exp();
            let px = img.get_pixel_mut(x, y);
            for c in 0..3 {
                // Glare lifts darks more than lights (veiling light), then clips.
                px[c] = (px[c] as f32 + a).min(255.0) as u8;
            }
        }
    }
}

fn add_noise(rng: &mut Rng, img: &mut RgbImage, sigma: f32) {
    for px in img.pixels_mut() {
        let n = rng.gauss() * sigma;
        for c in 0..3 {
            px[c] = (px[c] as f32 + n + rng.gauss() * sigma * 0.3).clamp(0.0, 255.0) as u8;
        }
    }
}

fn jpeg_roundtrip(img: &RgbImage, quality: u8) -> RgbImage {
    let mut buf = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut buf, quality)
        .encode_image(img)
        .expect("jpeg encode");
    image::load_from_memory(&buf)
        .expect("jpeg decode")
        .to_rgb8()
}
