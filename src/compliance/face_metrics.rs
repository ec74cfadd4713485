//! Measurements read off the face landmarks and the pixels they outline: pose, eyes, mouth, lighting,
//! glasses, occlusion (hair over brows, hand, hat, hair over ears), skin exposure and sharpness.
//! Everything is in the analysed image's pixels and scale-free ratios.

use image::RgbImage;

use super::backdrop::{Scan, blur_of_region, srgb_to_linear};
use super::measure::Measurements;
use crate::face::{FaceLandmarks, Hand, idx};

/// Skin patches (mesh indices, mirrored pairs) for the lighting slope: cheeks, cheekbones, temples and
/// forehead; no jaw (beards) and no forehead corners (hair).
const LIGHT_PATCHES: [usize; 28] = [
    50, 280, 116, 345, 123, 352, 147, 376, 187, 411, 207, 427, 205, 425, 36, 266, 101, 330, 118,
    347, 67, 297, 69, 299, 108, 337, 104, 333,
];

type P2 = [f64; 2];

/// Points sampled around each eye for dark lenses.
const LENS_RING_POINTS: usize = 16;
/// Share of those points far darker than the skin from which dark lenses are possible (glasses warn).
const LENS_DARK_WARN: f64 = 0.65;
/// Share from which the lenses are dark (glasses fail).
const LENS_DARK_FAIL: f64 = 0.8;
/// Yaw (degrees) beyond which a head counts as turned: only its near-side rim can show, and temple arms
/// are looked for.
const TURNED_DEG: f64 = 15.0;
/// Temple-arm profiles beside each outer eye corner, 0.1 eye widths apart from 0.3 to 1.3 eye widths out.
const TEMPLE_STEPS: usize = 11;
/// Neighbouring temple profiles that must all show the bar.
const TEMPLE_RUN: usize = 4;

fn p2(f: &FaceLandmarks, i: usize) -> P2 {
    let p = f.xy(i);
    [f64::from(p[0]), f64::from(p[1])]
}
fn d(a: P2, b: P2) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}
fn lerp(a: P2, b: P2, t: f64) -> P2 {
    [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t]
}

/// Pixel colours inside a disc (clipped to the image).
fn disc(img: &RgbImage, c: P2, r: f64) -> Vec<[f64; 3]> {
    let (w, h) = (f64::from(img.width()), f64::from(img.height()));
    let (x0, x1) = (
        (c[0] - r).max(0.0) as u32,
        (c[0] + r).min(w - 1.0).max(0.0) as u32,
    );
    let (y0, y1) = (
        (c[1] - r).max(0.0) as u32,
        (c[1] + r).min(h - 1.0).max(0.0) as u32,
    );
    let step = ((r / 8.0).floor() as u32).max(1);
    let mut out = Vec::new();
    for y in (y0..=y1).step_by(step as usize) {
        for x in (x0..=x1).step_by(step as usize) {
            if (f64::from(x) - c[0]).powi(2) + (f64::from(y) - c[1]).powi(2) <= r * r {
                out.push(img.get_pixel(x, y).0.map(f64::from));
            }
        }
    }
    out
}

fn lin_luma(p: [f64; 3]) -> f64 {
    0.2126 * srgb_to_linear(p[0]) + 0.7152 * srgb_to_linear(p[1]) + 0.0722 * srgb_to_linear(p[2])
}

fn mean_lin(px: &[[f64; 3]]) -> f64 {
    if px.is_empty() {
        return 0.0;
    }
    px.iter().map(|&p| lin_luma(p)).sum::<f64>() / px.len() as f64
}

fn median3(mut v: Vec<[f64; 3]>) -> [f64; 3] {
    let mut out = [0.0; 3];
    if v.is_empty() {
        return out;
    }
    let mid = v.len() / 2;
    for (c, o) in out.iter_mut().enumerate() {
        v.select_nth_unstable_by(mid, |a, b| a[c].total_cmp(&b[c]));
        *o = v[mid][c];
    }
    out
}

/// A skin reference colour and a tolerant "looks like this skin" test: chromaticity close, brightness within
/// a shading range (so shadows and highlights on the same skin still count).
struct Skin {
    chroma: [f64; 2],
    luma: f64,
}

impl Skin {
    fn new(ref_rgb: [f64; 3]) -> Self {
        Self {
            chroma: chromaticity(ref_rgb),
            luma: ref_rgb.iter().sum::<f64>() / 3.0,
        }
    }
    fn is_skin(&self, p: [f64; 3]) -> bool {
        let l = p.iter().sum::<f64>() / 3.0;
        let c = chromaticity(p);
        let dc = ((c[0] - self.chroma[0]).powi(2) + (c[1] - self.chroma[1]).powi(2)).sqrt();
        dc < 0.07 && l > self.luma * 0.45 && l < self.luma * 1.6 + 20.0
    }
    fn share(&self, px: &[[f64; 3]]) -> f64 {
        if px.is_empty() {
            return 1.0;
        }
        px.iter().filter(|&&p| self.is_skin(p)).count() as f64 / px.len() as f64
    }
}

fn chromaticity(p: [f64; 3]) -> [f64; 2] {
    let s = (p[0] + p[1] + p[2]).max(1.0);
    [p[0] / s, p[1] / s]
}

/// The face's own axes: along the eye line (image-left → image-right) and down the face.
#[derive(Clone, Copy)]
struct Axes {
    ex: P2,
    ey: P2,
}

impl Axes {
    fn at(&self, o: P2, u: f64, v: f64) -> P2 {
        [
            o[0] + self.ex[0] * u + self.ey[0] * v,
            o[1] + self.ex[1] * u + self.ey[1] * v,
        ]
    }
}

/// The pixel nearest `p`, clamped into the image.
fn pixel_at(img: &RgbImage, p: P2) -> [f64; 3] {
    let (w, h) = (i64::from(img.width()), i64::from(img.height()));
    let (x, y) = (
        (p[0].round() as i64).clamp(0, w - 1),
        (p[1].round() as i64).clamp(0, h - 1),
    );
    img.get_pixel(x as u32, y as u32).0.map(f64::from)
}

fn luma_at(img: &RgbImage, p: P2) -> f64 {
    let q = pixel_at(img, p);
    0.299 * q[0] + 0.587 * q[1] + 0.114 * q[2]
}

/// Luma profile down the face from `top` for `len` px (one sample per px), each sample averaged over
/// ±`half_w` px along the eye line.
fn profile(img: &RgbImage, ax: Axes, top: P2, len: f64, half_w: f64) -> Vec<f64> {
    let n = len.ceil().max(1.0) as usize;
    let k = (half_w.ceil() as i64).max(1);
    (0..n)
        .map(|i| {
            let mut acc = 0.0;
            for j in -k..=k {
                acc += luma_at(img, ax.at(top, j as f64, i as f64));
            }
            acc / (2 * k + 1) as f64
        })
        .collect()
}

/// Strongest thin bar across a profile: a sample darker (or brighter) than both neighbours `k` px away,
/// by the smaller of the two differences, so a plain edge (one side only) scores nothing. Frame rims and
/// bridges are such bars; skin shading and lid edges are not.
fn bar_strength(p: &[f64], k: usize) -> f64 {
    let mut best: f64 = 0.0;
    for i in k..p.len().saturating_sub(k) {
        let (a, b) = (p[i - k] - p[i], p[i + k] - p[i]);
        best = best.max(a.min(b)).max((-a).min(-b));
    }
    best
}

/// Strongest thin bar across a profile at two bar widths, `k` and `2k` px (rims and arms differ in
/// thickness).
fn bars(p: &[f64], k: usize) -> f64 {
    bar_strength(p, k).max(bar_strength(p, 2 * k))
}

/// A glasses temple arm beside the outer eye corner `o` (running outwards along `down.ex` × `out`): the
/// thin near-horizontal bar in luma profiles taken down across the eye line, 0.3–1.3 eye widths out,
/// that shows in [`TEMPLE_RUN`] neighbouring profiles in a row (a lock of hair or a crease is shorter).
/// Returns the bar contrast in luma levels (0 when there is no such run).
fn temple_arm(img: &RgbImage, down: Axes, o: P2, out: f64, eye_w: f64, k: usize) -> f64 {
    let runs: Vec<f64> = (0..TEMPLE_STEPS)
        .map(|s| {
            let t = 0.3 + 0.1 * s as f64;
            let top = down.at(o, out * t * eye_w, -0.4 * eye_w);
            bars(&profile(img, down, top, 0.8 * eye_w, 0.06 * eye_w), k)
        })
        .collect();
    runs.windows(TEMPLE_RUN)
        .map(|w| w.iter().copied().fold(f64::INFINITY, f64::min))
        .fold(0.0, f64::max)
}

/// Measures one face from its landmarks on `img` (the image the landmarks are in) into `m`'s face
/// fields; returns the y of the mesh's forehead point (the crown estimate starts from it).
pub(crate) fn face_metrics(
    img: &RgbImage,
    f: &FaceLandmarks,
    scan: &Scan,
    m: &mut Measurements,
) -> f64 {
    let (lo, li, ri, ro) = (
        p2(f, idx::EYE_L_OUTER),
        p2(f, idx::EYE_L_INNER),
        p2(f, idx::EYE_R_INNER),
        p2(f, idx::EYE_R_OUTER),
    );
    m.eyes = match &f.eyes {
        Some(e) => [e[0].centre(), e[1].centre()].map(|c| [f64::from(c[0]), f64::from(c[1])]),
        None => [lerp(lo, li, 0.5), lerp(ri, ro, 0.5)],
    };
    m.eye_opening = match &f.eyes {
        Some(e) => [f64::from(e[0].openness()), f64::from(e[1].openness())],
        None => {
            let open = |u: usize, l: usize, a: P2, b: P2| d(p2(f, u), p2(f, l)) / d(a, b).max(1e-3);
            [open(159, 145, lo, li), open(386, 374, ri, ro)]
        }
    };
    let (cl, cr) = (p2(f, idx::CHEEK_L_EDGE), p2(f, idx::CHEEK_R_EDGE));
    m.face_width = d(cl, cr);
    let fw = m.face_width.max(1.0);
    m.face_cx = (m.eyes[0][0] + m.eyes[1][0]) / 2.0;
    let forehead_y = p2(f, idx::FOREHEAD)[1];
    m.chin_y = p2(f, idx::CHIN)[1];
    m.roll_deg = (ro[1] - lo[1]).atan2(ro[0] - lo[0]).to_degrees();
    // Pose from the mesh's depth: the cheek-to-cheek vector for yaw, forehead-to-chin for pitch.
    let (a, b) = (f.xyz(idx::CHEEK_L_EDGE), f.xyz(idx::CHEEK_R_EDGE));
    let v = [
        f64::from(b[0] - a[0]),
        f64::from(b[1] - a[1]),
        f64::from(b[2] - a[2]),
    ];
    m.yaw_deg = v[2].atan2(v[0].hypot(v[1])).to_degrees();
    let (t, c) = (f.xyz(idx::FOREHEAD), f.xyz(idx::CHIN));
    let u = [
        f64::from(c[0] - t[0]),
        f64::from(c[1] - t[1]),
        f64::from(c[2] - t[2]),
    ];
    m.pitch_deg = u[2].atan2(u[0].hypot(u[1])).to_degrees();
    // Mouth: inner-lip gap over mouth width, and teeth (bright, low-chroma pixels between the lips).
    let mw = d(p2(f, idx::MOUTH_L), p2(f, idx::MOUTH_R)).max(1.0);
    let gaps: Vec<f64> = idx::INNER_LIPS
        .iter()
        .map(|&(u, l)| d(p2(f, u), p2(f, l)))
        .collect();
    m.mouth_opening = gaps.iter().sum::<f64>() / gaps.len() as f64 / mw;
    // Skin reference: the median of the cheeks, forehead and nose (not the chin: beards).
    let r = 0.07 * fw;
    let cheek_l = disc(img, p2(f, idx::CHEEK_L), r);
    let cheek_r = disc(img, p2(f, idx::CHEEK_R), r);
    let forehead = disc(img, p2(f, idx::FOREHEAD_MID), r);
    let nose = disc(img, p2(f, 4), r * 0.6);
    let mut refpx = Vec::new();
    for s in [&cheek_l, &cheek_r, &forehead, &nose] {
        refpx.extend_from_slice(s);
    }
    let skin_rgb = median3(refpx.clone());
    let skin = Skin::new(skin_rgb);
    m.teeth = teeth_share(img, f, skin_rgb);
    m.lips_red = lips_red_share(img, f, skin_rgb);
    // Lighting: the left-to-right slope of the skin's log luminance (linear light) across the face, in
    // stops per face width, fitted robustly (Theil–Sen) over patches on the cheeks, temples and forehead,
    // so a beard, a lock of hair or one highlight does not decide. Positive: the image-left side is
    // brighter.
    let patches: Vec<(f64, f64)> = LIGHT_PATCHES
        .iter()
        .filter_map(|&i| {
            let c = p2(f, i);
            let px = disc(img, c, 0.035 * fw);
            let lum = mean_lin(&px);
            (lum > 1e-4 && !px.is_empty()).then(|| ((c[0] - m.face_cx) / fw, lum.log2()))
        })
        .collect();
    let mut slopes = Vec::new();
    for (i, a) in patches.iter().enumerate() {
        for b in &patches[i + 1..] {
            if (b.0 - a.0).abs() > 0.25 {
                slopes.push((a.1 - b.1) / (b.0 - a.0));
            }
        }
    }
    let mid = slopes.len() / 2;
    m.lighting_stops = if slopes.is_empty() {
        0.0
    } else {
        *slopes.select_nth_unstable_by(mid, f64::total_cmp).1
    };
    let n = refpx.len().max(1) as f64;
    // Blown out: at least two channels clipped (a single saturated red channel is normal on bright skin).
    m.skin_clipped = refpx
        .iter()
        .filter(|p| p.iter().filter(|&&c| c >= 250.0).count() >= 2)
        .count() as f64
        / n;
    m.face_crushed = refpx
        .iter()
        .filter(|p| 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2] < 22.0)
        .count() as f64
        / n;
    // Sharpness over the brows-to-mouth region at half output scale (face width → 120 px): fine enough
    // for focus and motion blur, coarse enough that sensor noise and JPEG blocks do not read as edges.
    let top = (p2(f, 105)[1]).min(p2(f, 334)[1]);
    m.blur = blur_of_region(img, cl[0], top, cr[0], p2(f, 17)[1], 120);
    // Glasses: a frame's bridge across the nose between the eyes, its rims under the eyes and beside the
    // outer eye corners are thin bars across the face's profiles; skin shading and lid edges are not.
    // Bar contrast is taken relative to the skin's brightness, at two bar widths.
    let eye_w = (d(lo, li) + d(ri, ro)) / 2.0;
    let ex = [
        (ro[0] - lo[0]) / d(lo, ro).max(1.0),
        (ro[1] - lo[1]) / d(lo, ro).max(1.0),
    ];
    let down = Axes {
        ex,
        ey: [-ex[1], ex[0]],
    };
    let k = ((0.012 * fw).round() as usize).max(2);
    let skin_l = (skin_rgb.iter().sum::<f64>() / 3.0).max(20.0);
    let nose_top = lerp(li, ri, 0.5);
    // A frame's bridge can be wider than a rim: it is looked for at a third, wider bar width too.
    let bridge_p = profile(
        img,
        down,
        down.at(nose_top, 0.0, -0.5 * eye_w),
        eye_w,
        0.1 * eye_w,
    );
    let bridge = bars(&bridge_p, k).max(bar_strength(&bridge_p, 4 * k));
    let under = |o: P2, i: P2| {
        let c = lerp(o, i, 0.5);
        bars(
            &profile(
                img,
                down,
                down.at(c, 0.0, 0.3 * eye_w),
                0.75 * eye_w,
                0.25 * eye_w,
            ),
            k,
        )
    };
    // Beside the outer corners the profile runs outwards along the eye line.
    let side = |o: P2, out: f64| {
        let across = Axes {
            ex: down.ey,
            ey: [down.ex[0] * out, down.ex[1] * out],
        };
        bars(
            &profile(
                img,
                across,
                across.at(o, 0.0, 0.1 * eye_w),
                0.55 * eye_w,
                0.2 * eye_w,
            ),
            k,
        )
    };
    m.glasses_bridge = bridge / skin_l;
    m.glasses_rims = under(lo, li).min(under(ro, ri)) / skin_l;
    // Both rims must show on a frontal face; on a turned face only the near side can (the yaw check fails
    // such a shot anyway, but the glasses should still be named).
    let (left_rim, right_rim) = (side(lo, -1.0), side(ro, 1.0));
    m.glasses_sides = if m.yaw_deg > TURNED_DEG {
        left_rim
    } else if m.yaw_deg < -TURNED_DEG {
        right_rim
    } else {
        left_rim.min(right_rim)
    } / skin_l;
    // On a turned head the rims beside the eyes foreshorten, but a temple arm still shows running back
    // from an outer corner. Either side can show it, so the stronger side counts.
    m.glasses_temples = if m.yaw_deg.abs() > TURNED_DEG {
        let arm = |o: P2, out: f64| temple_arm(img, down, o, out, eye_w, k) / skin_l;
        arm(lo, -1.0).max(arm(ro, 1.0))
    } else {
        0.0
    };
    // Evidence 0–1: the rims beside both eyes carry it (calibrated: bare faces ≤ 0.039 of skin
    // brightness, glasses ≥ 0.044); a bridge bar adds to it, and on a turned head (which the yaw check
    // fails anyway, so no compliant face is affected) a temple arm (real turned bare heads ≤ 0.10, real
    // glasses 0.39–0.72, mirrored aviators 0.06).
    m.glasses = (m.glasses_sides / 0.05
        + (m.glasses_bridge - 0.12).max(0.0) * 2.0
        + (m.glasses_temples - 0.15).max(0.0) * 5.0)
        .clamp(0.0, 1.0);
    // Dark lenses: the whole surround of each eye, out where a lens still covers it (an ellipse 1.5 × 0.9
    // eye widths), more than 3 stops darker than the skin. A bare eye, even squinting under a heavy brow,
    // has lit lids and skin on part of it (≤ 0.5 of the points on real people; sunglasses 1.0).
    let mut lum: Vec<f64> = refpx.iter().map(|&p| lin_luma(p)).collect();
    let skin_lin = if lum.is_empty() {
        0.0
    } else {
        let mid = lum.len() / 2;
        *lum.select_nth_unstable_by(mid, f64::total_cmp).1
    };
    let ring_dark = |o: P2, i: P2| {
        let (c, ew) = (lerp(o, i, 0.5), d(o, i));
        let dark = (0..LENS_RING_POINTS)
            .filter(|&k| {
                let t = std::f64::consts::TAU * k as f64 / LENS_RING_POINTS as f64;
                let q = down.at(c, 0.75 * ew * t.cos(), 0.45 * ew * t.sin());
                lin_luma(pixel_at(img, q)) < 0.12 * skin_lin
            })
            .count();
        dark as f64 / LENS_RING_POINTS as f64
    };
    m.lens_dark = ring_dark(lo, li).min(ring_dark(ro, ri));
    m.glasses_tinted = m.lens_dark >= LENS_DARK_FAIL;
    if m.glasses_tinted {
        m.glasses = 1.0;
    } else if m.lens_dark >= LENS_DARK_WARN {
        m.glasses = m.glasses.max(0.6);
    }
    // Hair over the brows: the forehead strip just above each brow should be skin, not much darker than
    // the face's skin (hair is dark against skin; highlights and side light keep the hue).
    let mid_l = (skin_rgb.iter().sum::<f64>() / 3.0).max(1.0);
    let brow_strip = |brow: &[usize; 5]| -> f64 {
        let pts: Vec<[f64; 3]> = brow
            .iter()
            .flat_map(|&i| {
                let b = p2(f, i);
                let up = [b[0], b[1] - 0.06 * fw];
                disc(img, up, 0.035 * fw)
            })
            .collect();
        let dark = pts
            .iter()
            .filter(|p| {
                p.iter().sum::<f64>() / 3.0 < 0.55 * mid_l
                    || !skin.is_skin(**p) && p.iter().sum::<f64>() / 3.0 < 0.8 * mid_l
            })
            .count();
        dark as f64 / pts.len().max(1) as f64
    };
    m.brow_cover = brow_strip(&idx::BROW_L).max(brow_strip(&idx::BROW_R));
    // Hand or mask over the face: the cheeks and nose should be skin (not the chin: beards).
    m.lower_cover = [&cheek_l, &cheek_r, &nose]
        .iter()
        .map(|s| 1.0 - skin.share(s))
        .fold(0.0, f64::max);
    // No lip colour at all inside the lip contour: a hand or a mask over the mouth (every compliant face
    // in the real set shows ≥ 0.25).
    if m.lips_red < 0.1 {
        m.lower_cover = m.lower_cover.max(1.0 - m.lips_red);
    }
    // Ears: just outside the face contour between eye line and mouth, each side should show skin (ear) or
    // backdrop, not hair.
    let ear = |edge: P2, dir: f64| -> f64 {
        let mut other = 0usize;
        let mut total = 0usize;
        for k in 0..6 {
            for j in 0..5 {
                let x = edge[0] + dir * fw * (0.04 + 0.03 * f64::from(j));
                let y = edge[1] + fw * (-0.05 + 0.05 * f64::from(k));
                if x < 0.0 || y < 0.0 || x >= f64::from(img.width()) || y >= f64::from(img.height())
                {
                    continue;
                }
                total += 1;
                let p = img.get_pixel(x as u32, y as u32).0.map(f64::from);
                if !scan.is_backdrop(x, y) && !skin.is_skin(p) {
                    other += 1;
                }
            }
        }
        if total == 0 {
            0.0
        } else {
            other as f64 / total as f64
        }
    };
    m.ears_cover = ear(cl, -1.0).min(ear(cr, 1.0));
    // Hat: how far the silhouette rises above the forehead, in face heights, and whether that cap is
    // unlike hair (a bright or coloured crown).
    let face_h = (m.chin_y - forehead_y).max(1.0);
    let crown = scan
        .crown_between(cl[0], cr[0])
        .unwrap_or(forehead_y - 0.25 * face_h);
    m.hat = ((forehead_y - crown) / face_h).max(0.0);
    // A brim: the silhouette between the crown and the forehead sticks out on both sides of the face
    // further than hair does. Each row counts by its shorter side, so an arm or a neighbour beside the
    // head does not (on real people hair reaches ≤ 0.68 face widths from the face centre, a hand on the
    // brow or an arm behind the head ≤ 0.8, a brim ≥ 1.02).
    let (w, h) = (f64::from(img.width()), f64::from(img.height()));
    let reach = |y: f64, dir: f64| {
        let mut x = m.face_cx;
        let mut misses = 0;
        while misses < 3 && (x - m.face_cx).abs() < 2.5 * fw && x > 0.0 && x < w - 1.0 {
            x += dir * 2.0;
            misses = if scan.is_backdrop(x, y) {
                misses + 1
            } else {
                0
            };
        }
        (x - m.face_cx).abs() / fw
    };
    m.hat_brim = (1..12)
        .map(|k| crown + (forehead_y - crown) * f64::from(k) / 12.0)
        .filter(|&y| y >= 0.0 && y < h)
        .map(|y| reach(y, -1.0).min(reach(y, 1.0)))
        .fold(0.0, f64::max);
    forehead_y
}

/// Share of a hand's landmarks that must lie on the head for the hand to count in full.
const HAND_ON_HEAD_FULL: f64 = 0.25;

/// A hand over or against the face, 0–1: the landmark model's hand presence, scaled down when less than
/// a quarter of the hand's points lie on the head (crown to just below the chin, the face's width plus a
/// little). A hand held at the chest or beside the head scores low; one on the brow, the cheek or under
/// the chin scores its presence. Needs the face fields and the crown of `m`.
pub(crate) fn hand_cover(hands: &[Hand], m: &Measurements) -> f64 {
    let fw = m.face_width.max(1.0);
    let (x0, x1) = (m.face_cx - 0.6 * fw, m.face_cx + 0.6 * fw);
    let (y0, y1) = (m.crown_y, m.chin_y + 0.1 * fw);
    hands
        .iter()
        .map(|h| {
            let on_head = h
                .points
                .iter()
                .filter(|p| {
                    let (x, y) = (f64::from(p[0]), f64::from(p[1]));
                    x > x0 && x < x1 && y > y0 && y < y1
                })
                .count() as f64
                / h.points.len().max(1) as f64;
            f64::from(h.presence) * (on_head / HAND_ON_HEAD_FULL).min(1.0)
        })
        .fold(0.0, f64::max)
}

/// Share of the pixels inside the landmark contour `ring` that satisfy `pick` (0 when the contour is
/// degenerate or leaves the image).
fn share_inside(
    img: &RgbImage,
    f: &FaceLandmarks,
    ring: &[usize],
    pick: impl Fn([f64; 3]) -> bool,
) -> f64 {
    let ring: Vec<P2> = ring.iter().map(|&i| p2(f, i)).collect();
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for p in &ring {
        x0 = x0.min(p[0]);
        y0 = y0.min(p[1]);
        x1 = x1.max(p[0]);
        y1 = y1.max(p[1]);
    }
    let (w, h) = (f64::from(img.width()), f64::from(img.height()));
    if !(x1 > x0 && y1 > y0) || x0 < 0.0 || y0 < 0.0 || x1 >= w || y1 >= h {
        return 0.0;
    }
    let (mut inside, mut picked) = (0usize, 0usize);
    for y in (y0 as u32)..=(y1 as u32) {
        for x in (x0 as u32)..=(x1 as u32) {
            if !point_in_polygon([f64::from(x) + 0.5, f64::from(y) + 0.5], &ring) {
                continue;
            }
            inside += 1;
            picked += usize::from(pick(img.get_pixel(x, y).0.map(f64::from)));
        }
    }
    if inside == 0 {
        0.0
    } else {
        picked as f64 / inside as f64
    }
}

/// Share of the inner-mouth polygon's pixels that look like teeth (bright, low chroma, brighter than skin).
fn teeth_share(img: &RgbImage, f: &FaceLandmarks, skin: [f64; 3]) -> f64 {
    let skin_l = skin.iter().sum::<f64>() / 3.0;
    share_inside(img, f, &idx::INNER_LIP_RING, |p| {
        let l = p.iter().sum::<f64>() / 3.0;
        let chroma =
            p.iter().cloned().fold(f64::MIN, f64::max) - p.iter().cloned().fold(f64::MAX, f64::min);
        l > 0.8 * skin_l && chroma < 0.22 * l.max(1.0) + 8.0
    })
}

/// Outer lip contour (mesh indices, around the mouth).
const OUTER_LIP_RING: [usize; 20] = [
    61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181, 91, 146,
];

/// Share of the pixels inside the outer lip contour that are redder than the skin (visible lips); a hand
/// or mask over the mouth leaves none.
fn lips_red_share(img: &RgbImage, f: &FaceLandmarks, skin: [f64; 3]) -> f64 {
    let skin_r = chromaticity(skin)[0];
    share_inside(img, f, &OUTER_LIP_RING, |p| {
        chromaticity(p)[0] > skin_r + 0.02
    })
}

fn point_in_polygon(q: P2, poly: &[P2]) -> bool {
    let mut inside = false;
    let mut j = poly.len() - 1;
    for i in 0..poly.len() {
        let (a, b) = (poly[i], poly[j]);
        if (a[1] > q[1]) != (b[1] > q[1])
            && q[0] < (b[0] - a[0]) * (q[1] - a[1]) / (b[1] - a[1]) + a[0]
        {
            inside = !inside;
        }
        j = i;
    }
    inside
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hand_at(cx: f32, cy: f32, presence: f32) -> Hand {
        Hand {
            points: (0..21)
                .map(|i| [cx + (i % 5) as f32 * 8.0, cy + (i / 5) as f32 * 8.0])
                .collect(),
            presence,
            palm_score: 0.9,
        }
    }

    #[test]
    fn a_hand_counts_on_the_head_not_at_the_chest() {
        let m = Measurements {
            face_cx: 640.0,
            face_width: 200.0,
            crown_y: 150.0,
            chin_y: 450.0,
            ..Measurements::default()
        };
        // On the brow: every point is on the head.
        let brow = hand_at(600.0, 220.0, 0.98);
        assert!((hand_cover(std::slice::from_ref(&brow), &m) - 0.98).abs() < 1e-6);
        // At chest height, well below the chin: none.
        let chest = hand_at(600.0, 560.0, 0.99);
        assert_eq!(hand_cover(std::slice::from_ref(&chest), &m), 0.0);
        // The strongest hand decides; a weak presence stays weak.
        let faint = hand_at(600.0, 220.0, 0.2);
        assert!((hand_cover(&[chest, faint], &m) - 0.2).abs() < 1e-6);
        assert_eq!(hand_cover(&[], &m), 0.0);
    }

    /// Skin-coloured image with one dark horizontal stroke `len` px long, from x = 520 along the eye line
    /// y = 300.
    fn skin_with_stroke(len: u32) -> RgbImage {
        let mut img = RgbImage::from_pixel(800, 600, image::Rgb([190, 150, 130]));
        for x in 520..520 + len {
            for y in 298..=301 {
                img.put_pixel(x, y, image::Rgb([40, 35, 35]));
            }
        }
        img
    }

    #[test]
    fn a_temple_arm_is_a_long_bar_beside_the_eye() {
        let down = Axes {
            ex: [1.0, 0.0],
            ey: [0.0, 1.0],
        };
        let (corner, eye_w, k) = ([500.0, 300.0], 50.0, 3);
        // An arm running 60 px (1.2 eye widths) back from the corner.
        let arm = temple_arm(&skin_with_stroke(60), down, corner, 1.0, eye_w, k);
        assert!(arm > 100.0, "{arm}");
        // Looking the other way from the corner there is only skin.
        assert_eq!(
            temple_arm(&skin_with_stroke(60), down, corner, -1.0, eye_w, k),
            0.0
        );
        // A short mark (a crease, a lock of hair) spans fewer than four profiles.
        let short = temple_arm(&skin_with_stroke(12), down, corner, 1.0, eye_w, k);
        assert_eq!(short, 0.0);
        assert_eq!(
            temple_arm(&skin_with_stroke(0), down, corner, 1.0, eye_w, k),
            0.0
        );
    }
}
