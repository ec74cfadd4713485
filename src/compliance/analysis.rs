//! Non-ML subject analysis exploiting the known backdrop.
//!
//! 1. A box-filtered proxy (longest side ≤ ~400 px) is flood-filled from the border with a backdrop colour
//!    model (median border colour, small neighbour steps) → backdrop mask; the largest other component is the
//!    person, the rest are foreign objects. Backdrop colour, uniformity (cell means) and linear luminance
//!    (exposure against the reference colour) come from this mask.
//! 2. The silhouette gives the crown, the head centre and the head width (including hair); the top profile of
//!    everything that is not backdrop counts heads.
//! 3. A face patch resampled from the full-resolution frame (head width → ~100 px) is searched for the eyes
//!    (sclera: bright, low-chroma pixels next to dark iris pixels), the mouth (dark cavity/teeth below the
//!    eyes), glasses (dark bridge and rims, tinted eye boxes), occlusion (non-skin share of regions that
//!    should be bare skin) and lighting balance (cheeks).
//! 4. Sharpness is measured on a second patch at output scale (face width ≈ 240 px), per axis, so motion blur
//!    in one direction is caught.

use image::RgbImage;
use serde::{Deserialize, Serialize};

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
    /// A person silhouette was found.
    pub person: bool,
    /// Number of heads (silhouette humps).
    pub face_count: u32,
    /// Crown y.
    pub crown_y: f64,
    /// The head touches the top edge.
    pub crown_cut: bool,
    /// Head centre x (silhouette).
    pub head_cx: f64,
    /// Head width including hair.
    pub head_width: f64,
    /// Face width (from the eye distance, else from the head width).
    pub face_width: f64,
    /// Eye centres, image-left then image-right.
    pub eyes: [[f64; 2]; 2],
    /// How many eyes were found by their sclera (0–2).
    pub eyes_found: u8,
    /// Smaller eye opening ÷ face width.
    pub eye_opening: f64,
    /// Mouth opening ÷ face width.
    pub mouth_opening: f64,
    /// A lip line or mouth was seen.
    pub mouth_visible: bool,
    /// Mean backdrop colour (sRGB 0–255).
    pub bg_rgb: [f64; 3],
    /// Share of the frame that is backdrop.
    pub bg_share: f64,
    /// Largest difference between backdrop cell means (RGB distance).
    pub bg_spread: f64,
    /// Foreign objects' area ÷ backdrop area.
    pub bg_objects: f64,
    /// Backdrop luminance relative to the reference, in stops (log2, linear light).
    pub exposure_stops: f64,
    /// Share of face pixels with a clipped channel.
    pub skin_clipped: f64,
    /// Share of face pixels that are crushed black.
    pub face_crushed: f64,
    /// |L − R| / max(L, R) of the cheeks' luminance.
    pub lighting_imbalance: f64,
    /// Blur score 0 (crisp) – 1 (no edges).
    pub blur: f64,
    /// Glasses evidence 0–1.
    pub glasses: f64,
    /// The eye regions look tinted (sunglasses or tinted lenses).
    pub glasses_tinted: bool,
    /// Occlusion: non-skin share of regions that should be bare skin (0–1).
    pub occlusion: f64,
    /// Eye-midpoint offset from the head centre ÷ face width (signed, + = image right).
    pub yaw_offset: f64,
    /// Lip-line centre offset from the head centre ÷ face width (signed).
    pub mouth_yaw: f64,
    /// Eye-line angle in degrees (+ = image-right eye lower).
    pub roll_deg: f64,
}

type Px = [f32; 3];

fn luma(p: Px) -> f32 {
    0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2]
}
fn chroma(p: Px) -> f32 {
    p[0].max(p[1]).max(p[2]) - p[0].min(p[1]).min(p[2])
}
fn dist(a: Px, b: Px) -> f32 {
    (a[0] - b[0]).abs() + (a[1] - b[1]).abs() + (a[2] - b[2]).abs()
}
pub(crate) fn srgb_to_linear(v: f64) -> f64 {
    let c = (v / 255.0).clamp(0.0, 1.0);
    if c <= 0.04045 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}
pub(crate) fn linear_luminance(rgb: [f64; 3]) -> f64 {
    0.2126 * srgb_to_linear(rgb[0])
        + 0.7152 * srgb_to_linear(rgb[1])
        + 0.0722 * srgb_to_linear(rgb[2])
}

/// A small float RGB raster.
struct Plane {
    w: usize,
    h: usize,
    px: Vec<Px>,
}

impl Plane {
    fn at(&self, x: usize, y: usize) -> Px {
        self.px[y * self.w + x]
    }
}

/// Box-filter downscale by an integer factor.
fn proxy(img: &RgbImage, f: usize) -> Plane {
    let (sw, sh) = (img.width() as usize, img.height() as usize);
    let (w, h) = ((sw / f).max(1), (sh / f).max(1));
    let raw = img.as_raw();
    let mut px = Vec::with_capacity(w * h);
    let mut acc = vec![0u32; w * 3];
    for py in 0..h {
        acc.iter_mut().for_each(|a| *a = 0);
        let rows = (py * f)..((py * f + f).min(sh));
        let nrows = rows.len();
        for sy in rows {
            let row = &raw[sy * sw * 3..(sy + 1) * sw * 3];
            for (px_x, chunk) in acc.chunks_exact_mut(3).enumerate() {
                let start = px_x * f * 3;
                let end = ((px_x * f + f).min(sw)) * 3;
                for p in row[start..end].chunks_exact(3) {
                    chunk[0] += u32::from(p[0]);
                    chunk[1] += u32::from(p[1]);
                    chunk[2] += u32::from(p[2]);
                }
            }
        }
        for (px_x, chunk) in acc.chunks_exact(3).enumerate() {
            let ncols = ((px_x * f + f).min(sw) - px_x * f).max(1);
            let n = (nrows * ncols).max(1) as f32;
            px.push([
                chunk[0] as f32 / n,
                chunk[1] as f32 / n,
                chunk[2] as f32 / n,
            ]);
        }
    }
    Plane { w, h, px }
}

/// Area-averaged resample of the source region starting at (x0, y0) with `k` patch px per source px.
fn sample_patch(img: &RgbImage, x0: f64, y0: f64, k: f64, w: usize, h: usize) -> Plane {
    let (sw, sh) = (i64::from(img.width()), i64::from(img.height()));
    let raw = img.as_raw();
    let span = |i: usize, o: f64, lim: i64| {
        let a = (o + i as f64 / k).floor() as i64;
        let b = ((o + (i + 1) as f64 / k).floor() as i64).max(a + 1);
        (a.clamp(0, lim), b.clamp(0, lim))
    };
    let xs: Vec<(i64, i64)> = (0..w).map(|i| span(i, x0, sw)).collect();
    let mut px = Vec::with_capacity(w * h);
    for j in 0..h {
        let (ya, yb) = span(j, y0, sh);
        for &(xa, xb) in &xs {
            if ya >= yb || xa >= xb {
                px.push([128.0; 3]);
                continue;
            }
            let mut s = [0u32; 3];
            for y in ya..yb {
                let base = (y * sw) as usize * 3;
                for x in xa..xb {
                    let i = base + x as usize * 3;
                    s[0] += u32::from(raw[i]);
                    s[1] += u32::from(raw[i + 1]);
                    s[2] += u32::from(raw[i + 2]);
                }
            }
            let n = ((yb - ya) * (xb - xa)) as f32;
            px.push([s[0] as f32 / n, s[1] as f32 / n, s[2] as f32 / n]);
        }
    }
    Plane { w, h, px }
}

fn median(v: &mut [f32]) -> f32 {
    if v.is_empty() {
        return 0.0;
    }
    let mid = v.len() / 2;
    let (_, m, _) = v.select_nth_unstable_by(mid, |a, b| a.total_cmp(b));
    *m
}

fn median_px(samples: &[Px]) -> Px {
    let mut out = [0.0; 3];
    for (c, o) in out.iter_mut().enumerate() {
        let mut ch: Vec<f32> = samples.iter().map(|p| p[c]).collect();
        *o = median(&mut ch);
    }
    out
}

const BG: u32 = u32::MAX;

/// Backdrop flood fill; returns the label plane: `BG` for backdrop, component index otherwise.
fn segment(p: &Plane) -> (Vec<u32>, Px) {
    let (w, h) = (p.w, p.h);
    let mut border = Vec::new();
    let band = (w.min(h) / 80).max(1);
    for y in 0..band.min(h) {
        border.extend((0..w).map(|x| p.at(x, y)));
    }
    for y in 0..(h * 3 / 5).max(1) {
        for x in 0..band.min(w) {
            border.push(p.at(x, y));
            border.push(p.at(w - 1 - x, y));
        }
    }
    let reference = median_px(&border);
    let mut label = vec![0u32; w * h];
    let mut stack = Vec::new();
    let seed = |x: usize, y: usize, label: &mut Vec<u32>, stack: &mut Vec<usize>| {
        let i = y * w + x;
        if label[i] != BG && dist(p.px[i], reference) <= 70.0 {
            label[i] = BG;
            stack.push(i);
        }
    };
    for x in 0..w {
        seed(x, 0, &mut label, &mut stack);
        seed(x, h - 1, &mut label, &mut stack);
    }
    for y in 0..h {
        seed(0, y, &mut label, &mut stack);
        seed(w - 1, y, &mut label, &mut stack);
    }
    while let Some(i) = stack.pop() {
        let (x, y) = (i % w, i / w);
        let c = p.px[i];
        let mut visit = |j: usize| {
            if label[j] != BG {
                let q = p.px[j];
                if dist(q, c) <= 36.0 && dist(q, reference) <= 170.0 {
                    label[j] = BG;
                    stack.push(j);
                }
            }
        };
        if x > 0 {
            visit(i - 1);
        }
        if x + 1 < w {
            visit(i + 1);
        }
        if y > 0 {
            visit(i - w);
        }
        if y + 1 < h {
            visit(i + w);
        }
    }
    // Connected components of the rest (labels 1..).
    let mut next = 1u32;
    for start in 0..w * h {
        if label[start] != 0 {
            continue;
        }
        label[start] = next;
        stack.push(start);
        while let Some(i) = stack.pop() {
            let (x, y) = (i % w, i / w);
            let nb = [
                (x > 0).then(|| i - 1),
                (x + 1 < w).then(|| i + 1),
                (y > 0).then(|| i - w),
                (y + 1 < h).then(|| i + w),
            ];
            for j in nb.into_iter().flatten() {
                if label[j] == 0 {
                    label[j] = next;
                    stack.push(j);
                }
            }
        }
        next += 1;
    }
    (label, reference)
}

struct Backdrop {
    rgb: [f64; 3],
    share: f64,
    spread: f64,
    objects: f64,
}

fn backdrop_stats(p: &Plane, label: &[u32], person: u32) -> Backdrop {
    let (w, h) = (p.w, p.h);
    let n = (w * h) as f64;
    let mut sum = [0f64; 3];
    let mut count = 0usize;
    let (gx, gy) = (6usize, 6usize);
    let mut cells = vec![([0f64; 3], 0usize, 0usize); gx * gy];
    let mut comp_area: std::collections::HashMap<u32, usize> = std::collections::HashMap::new();
    for y in 0..h {
        for x in 0..w {
            let i = y * w + x;
            let c = &mut cells[(y * gy / h) * gx + x * gx / w];
            c.2 += 1;
            if label[i] == BG {
                let q = p.px[i];
                for k in 0..3 {
                    sum[k] += f64::from(q[k]);
                    c.0[k] += f64::from(q[k]);
                }
                count += 1;
                c.1 += 1;
            } else if label[i] != person {
                *comp_area.entry(label[i]).or_default() += 1;
            }
        }
    }
    let rgb = if count > 0 {
        sum.map(|s| s / count as f64)
    } else {
        [0.0; 3]
    };
    let means: Vec<[f64; 3]> = cells
        .iter()
        .filter(|c| c.1 >= 6 && c.1 * 2 >= c.2)
        .map(|c| c.0.map(|s| s / c.1 as f64))
        .collect();
    let mut spread = 0f64;
    for (i, a) in means.iter().enumerate() {
        for b in &means[i + 1..] {
            let d = ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt();
            spread = spread.max(d);
        }
    }
    let min_area = (n * 0.0004).max(4.0) as usize;
    let objects: usize = comp_area.values().filter(|&&a| a >= min_area).sum();
    Backdrop {
        rgb,
        share: count as f64 / n,
        spread,
        objects: objects as f64 / (count + objects).max(1) as f64,
    }
}

/// Silhouette geometry on the proxy, in proxy pixels.
struct Silhouette {
    crown: usize,
    cx: f64,
    head_w: f64,
    crown_cut: bool,
    heads: u32,
}

fn silhouette(label: &[u32], w: usize, h: usize, person: u32) -> Option<Silhouette> {
    let min_row = (w / 100).max(2);
    let is_p = |x: usize, y: usize| label[y * w + x] == person;
    let crown = (0..h).find(|&y| (0..w).filter(|&x| is_p(x, y)).count() >= min_row)?;
    // The run of person pixels in row `y` that contains column `x` (or the longest run when `x` is outside).
    let run_at = |y: usize, x: usize| -> Option<(usize, usize)> {
        if x < w && is_p(x, y) {
            let l = (0..=x)
                .rev()
                .take_while(|&i| is_p(i, y))
                .last()
                .unwrap_or(x);
            let r = (x..w).take_while(|&i| is_p(i, y)).last().unwrap_or(x);
            return Some((l, r));
        }
        let mut best: Option<(usize, usize)> = None;
        let mut start = None;
        for i in 0..=w {
            let inside = i < w && is_p(i, y);
            match (inside, start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    if best.is_none_or(|b| i - 1 - s > b.1 - b.0) {
                        best = Some((s, i - 1));
                    }
                    start = None;
                }
                _ => {}
            }
        }
        best
    };
    let (l0, r0) = run_at(crown, w)?;
    let mut centre = (l0 + r0) / 2;
    let mut head_w = 0f64;
    let mut centres = Vec::new();
    for y in crown..h {
        let Some((l, r)) = run_at(y, centre) else {
            break;
        };
        head_w = head_w.max((r - l + 1) as f64);
        let dy = (y - crown) as f64;
        if dy > 0.9 * head_w && head_w > 0.0 {
            break;
        }
        if dy < 0.35 * head_w {
            centre = (l + r) / 2;
        }
        if dy >= 0.2 * head_w {
            centres.push((l + r) as f64 / 2.0);
        }
    }
    if head_w < 4.0 {
        return None;
    }
    let cx = if centres.is_empty() {
        centre as f64
    } else {
        centres.iter().sum::<f64>() / centres.len() as f64
    };
    let crown_cut = crown == 0 && (0..w).filter(|&x| is_p(x, 0)).count() as f64 >= 0.25 * head_w;
    // Heads: column clusters outside the main head whose top is as high as a head.
    let mut top = vec![h; w];
    for (x, t) in top.iter_mut().enumerate() {
        *t = (0..h).find(|&y| label[y * w + x] != BG).unwrap_or(h);
    }
    let limit = crown as f64 + 0.8 * head_w;
    let (lo, hi) = (cx - 0.75 * head_w, cx + 0.75 * head_w);
    let mut heads = 1u32;
    let mut run = 0usize;
    for (x, &t) in top.iter().enumerate() {
        let outside = (x as f64) < lo || (x as f64) > hi;
        if outside && (t as f64) < limit && t + (0.5 * head_w) as usize <= h {
            run += 1;
        } else {
            if run as f64 >= 0.3 * head_w {
                heads += 1;
            }
            run = 0;
        }
    }
    if run as f64 >= 0.3 * head_w {
        heads += 1;
    }
    Some(Silhouette {
        crown,
        cx,
        head_w,
        crown_cut,
        heads,
    })
}

/// Per-pixel classes inside the face patch.
struct FaceModel {
    skin: Px,
    skin_y: f32,
    skin_chroma: f32,
}

impl FaceModel {
    fn sclera(&self, p: Px) -> bool {
        let y = luma(p);
        y > (0.85 * self.skin_y).max(80.0) && chroma(p) < (0.5 * self.skin_chroma).max(14.0)
            || y > (1.35 * self.skin_y).max(110.0) && chroma(p) < 0.8 * self.skin_chroma.max(20.0)
    }
    fn dark(&self, p: Px) -> bool {
        let y = luma(p);
        y < 0.62 * self.skin_y && y < self.skin_y - 22.0
    }
    fn non_skin(&self, p: Px) -> bool {
        let y = luma(p);
        let s = self.skin;
        let dc = ((p[0] - p[1]) - (s[0] - s[1])).abs() + ((p[2] - p[1]) - (s[2] - s[1])).abs();
        (y - self.skin_y).abs() > 0.35 * self.skin_y + 12.0 || dc > 45.0
    }
}

struct Rect {
    x0: usize,
    y0: usize,
    x1: usize,
    y1: usize,
}

fn rect(p: &Plane, x0: f64, y0: f64, x1: f64, y1: f64) -> Rect {
    let cx = |v: f64| (v.max(0.0) as usize).min(p.w);
    let cy = |v: f64| (v.max(0.0) as usize).min(p.h);
    Rect {
        x0: cx(x0),
        y0: cy(y0),
        x1: cx(x1),
        y1: cy(y1),
    }
}

fn share(p: &Plane, r: &Rect, f: impl Fn(Px) -> bool) -> f64 {
    let mut n = 0usize;
    let mut hit = 0usize;
    for y in r.y0..r.y1 {
        for x in r.x0..r.x1 {
            n += 1;
            hit += usize::from(f(p.at(x, y)));
        }
    }
    if n == 0 { 0.0 } else { hit as f64 / n as f64 }
}

/// Share of columns in `r` containing at least one pixel matching `f`.
fn column_share(p: &Plane, r: &Rect, f: impl Fn(Px) -> bool) -> f64 {
    let cols = r.x1.saturating_sub(r.x0);
    if cols == 0 {
        return 0.0;
    }
    let hit = (r.x0..r.x1)
        .filter(|&x| (r.y0..r.y1).any(|y| f(p.at(x, y))))
        .count();
    hit as f64 / cols as f64
}

struct Eye {
    x: f64,
    y: f64,
    found: bool,
}

fn find_eye(p: &Plane, m: &FaceModel, r: &Rect, unit: f64) -> Option<Eye> {
    let rows = r.y1.saturating_sub(r.y0);
    if rows < 3 || r.x1 <= r.x0 {
        return None;
    }
    let mut s_rows = vec![0f64; rows];
    let mut d_rows = vec![0f64; rows];
    for (j, y) in (r.y0..r.y1).enumerate() {
        for x in r.x0..r.x1 {
            let q = p.at(x, y);
            s_rows[j] += f64::from(u8::from(m.sclera(q)));
            d_rows[j] += f64::from(u8::from(m.dark(q)));
        }
    }
    let smooth = |v: &[f64]| -> Vec<f64> {
        (0..v.len())
            .map(|i| {
                v[i.saturating_sub(1)..(i + 2).min(v.len())]
                    .iter()
                    .sum::<f64>()
            })
            .collect()
    };
    let (ss, ds) = (smooth(&s_rows), smooth(&d_rows));
    let total_s: f64 = s_rows.iter().sum();
    let (best_s, s_peak) = ss
        .iter()
        .enumerate()
        .fold((0, 0.0), |a, (i, &v)| if v > a.1 { (i, v) } else { a });
    let found = total_s >= (0.002 * unit * unit).max(4.0) && s_peak >= 3.0;
    let centre_row = if found {
        best_s
    } else {
        let max_d = ds.iter().cloned().fold(0.0, f64::max);
        if max_d < 2.0 {
            return None;
        }
        // The lowest strong dark band (the lash line lies below the brow). A closed eye's lash line is a
        // single dark row, under a third of the brow band: with a higher bar the eye lands on the brow,
        // whose dark box then reads as tinted glasses and a covered eye.
        (0..rows).rev().find(|&i| {
            ds[i] >= 0.25 * max_d
                && ds[i] >= ds[i.saturating_sub(1)]
                && ds[i] >= ds[(i + 1).min(rows - 1)]
        })?
    };
    let band = (0.06 * unit).max(1.0) as usize;
    let rows_r = centre_row.saturating_sub(band)..(centre_row + band + 1).min(rows);
    // x: centroid of the sclera (split symmetrically by the iris), else of the dark band.
    let (mut ax, mut an) = (0f64, 0f64);
    for j in rows_r.clone() {
        for x in r.x0..r.x1 {
            let q = p.at(x, r.y0 + j);
            if if found { m.sclera(q) } else { m.dark(q) } {
                ax += x as f64;
                an += 1.0;
            }
        }
    }
    if an < 1.0 {
        return None;
    }
    let ex = ax / an;
    let half = 0.1 * unit;
    let (mut sx, mut sy, mut n) = (0f64, 0f64, 0f64);
    for j in rows_r {
        let y = r.y0 + j;
        for x in r.x0..r.x1 {
            if (x as f64 - ex).abs() > half {
                continue;
            }
            let q = p.at(x, y);
            if m.sclera(q) || m.dark(q) {
                sx += x as f64;
                sy += y as f64;
                n += 1.0;
            }
        }
    }
    if n < 1.0 {
        return None;
    }
    Some(Eye {
        x: sx / n,
        y: sy / n,
        found,
    })
}

/// Length of the run of rows around `y` (±1-row gaps allowed) whose columns near `x` hold ≥ `min` pixels
/// matching `f`.
fn vertical_run(
    p: &Plane,
    x: f64,
    y: f64,
    half_w: f64,
    max_h: f64,
    min: usize,
    f: impl Fn(Px) -> bool,
) -> f64 {
    let x0 = (x - half_w).max(0.0) as usize;
    let x1 = ((x + half_w) as usize + 1).min(p.w);
    let count = |yy: usize| (x0..x1).filter(|&xx| f(p.at(xx, yy))).count();
    let yc = (y.round().max(0.0) as usize).min(p.h.saturating_sub(1));
    let lim = max_h as usize;
    let mut rows = 0usize;
    let mut any = false;
    for dir in [-1i64, 1] {
        let mut gap = 0;
        let mut k = if dir < 0 { 0i64 } else { 1 };
        while (k.unsigned_abs() as usize) <= lim {
            let yy = yc as i64 + dir * k;
            if yy < 0 || yy >= p.h as i64 {
                break;
            }
            if count(yy as usize) >= min {
                rows += 1 + gap;
                gap = 0;
                any = true;
            } else {
                gap += 1;
                if gap > 1 {
                    break;
                }
            }
            k += 1;
        }
    }
    if any { rows as f64 } else { 0.0 }
}

fn percentile_hist(hist: &[u32], q: f64) -> f64 {
    let total: u64 = hist.iter().map(|&v| u64::from(v)).sum();
    if total == 0 {
        return 0.0;
    }
    let target = (total as f64 * q).ceil() as u64;
    let mut acc = 0u64;
    for (i, &v) in hist.iter().enumerate() {
        acc += u64::from(v);
        if acc >= target {
            return i as f64;
        }
    }
    (hist.len() - 1) as f64
}

/// Blur score per axis: how much of the steepest edges' slope survives a further 5-px box blur along
/// that axis (≈0.4 for crisp edges, → 1 when the image is already blurred); the worse axis counts, so
/// motion blur in one direction is caught.
fn blur_score(p: &Plane) -> f64 {
    if p.w < 12 || p.h < 12 {
        return 1.0;
    }
    let y: Vec<f32> = p.px.iter().map(|&q| luma(q)).collect();
    let (w, h) = (p.w, p.h);
    let axis = |horizontal: bool| -> f64 {
        let (along, across) = if horizontal { (1usize, w) } else { (w, 1usize) };
        // Smooth across the axis ([1 2 1]) against noise, then box-5 along it for the re-blurred copy.
        let mut s = vec![0f32; w * h];
        let mut b = vec![0f32; w * h];
        for yy in 3..h - 3 {
            for xx in 3..w - 3 {
                let i = yy * w + xx;
                s[i] = (y[i - across] + 2.0 * y[i] + y[i + across]) / 4.0;
            }
        }
        for yy in 3..h - 3 {
            for xx in 3..w - 3 {
                let i = yy * w + xx;
                b[i] = (s[i - 2 * along] + s[i - along] + s[i] + s[i + along] + s[i + 2 * along])
                    / 5.0;
            }
        }
        let mut hs = vec![0u32; 1024];
        let mut pairs = Vec::with_capacity(w * h);
        for yy in 6..h - 6 {
            for xx in 6..w - 6 {
                let i = yy * w + xx;
                let gs = ((s[i + along] - s[i - along]) * 2.0).abs();
                let gb = ((b[i + along] - b[i - along]) * 2.0).abs();
                hs[(gs as usize).min(1023)] += 1;
                pairs.push((gs, gb));
            }
        }
        // At the steepest edge pixels, how much slope survives the extra blur.
        let cut = percentile_hist(&hs, 0.99).max(8.0) as f32;
        let (mut ss, mut sb) = (0f64, 0f64);
        for (gs, gb) in pairs {
            if gs >= cut {
                ss += f64::from(gs);
                sb += f64::from(gb);
            }
        }
        if ss <= 0.0 {
            1.0
        } else {
            (sb / ss).clamp(0.0, 1.0)
        }
    };
    axis(true).max(axis(false))
}

/// Measures an image. Never panics; tiny or empty images yield `person == false`.
pub fn measure(img: &RgbImage, reference_rgb: [u8; 3]) -> Measurements {
    let (iw, ih) = (img.width(), img.height());
    let mut m = Measurements {
        width: iw,
        height: ih,
        blur: 1.0,
        ..Measurements::default()
    };
    if iw < 16 || ih < 16 {
        return m;
    }
    let f = (iw.max(ih) as usize).div_ceil(400).max(1);
    let p = proxy(img, f);
    let (label, _) = segment(&p);
    let mut areas: std::collections::HashMap<u32, (usize, bool)> = std::collections::HashMap::new();
    for (i, &l) in label.iter().enumerate() {
        if l != BG {
            let e = areas.entry(l).or_default();
            e.0 += 1;
            e.1 |= i / p.w == p.h - 1;
        }
    }
    let person = areas
        .iter()
        .max_by_key(|(_, (a, bottom))| (*a as f64 * if *bottom { 2.0 } else { 1.0 }) as usize);
    let person_label = person.map(|(&l, _)| l).unwrap_or(0);
    let bd = backdrop_stats(&p, &label, person_label);
    let ref_lin = linear_luminance(reference_rgb.map(f64::from)).max(1e-4);
    m.bg_rgb = bd.rgb;
    m.bg_share = bd.share;
    m.bg_spread = bd.spread;
    m.bg_objects = bd.objects;
    m.exposure_stops = if bd.share > 0.02 {
        (linear_luminance(bd.rgb).max(1e-4) / ref_lin).log2()
    } else {
        0.0
    };
    let person_area = person.map(|(_, (a, _))| *a).unwrap_or(0);
    if person_area < (p.w * p.h) / 200 {
        return m;
    }
    let Some(sil) = silhouette(&label, p.w, p.h, person_label) else {
        return m;
    };
    let ff = f as f64;
    m.person = true;
    m.face_count = sil.heads;
    m.crown_cut = sil.crown_cut;
    m.crown_y = sil.crown as f64 * ff;
    m.head_cx = (sil.cx + 0.5) * ff;
    m.head_width = sil.head_w * ff;
    analyse_face(img, &mut m, bd.rgb);
    m
}

fn analyse_face(img: &RgbImage, m: &mut Measurements, bg: [f64; 3]) {
    let wh = m.head_width;
    let pw = 128usize;
    let k = pw as f64 / (1.3 * wh);
    let x0 = m.head_cx - 0.65 * wh;
    let y0 = m.crown_y - 0.05 * wh;
    let ph = (1.65 * wh * k).round() as usize;
    let p = sample_patch(img, x0, y0, k, pw, ph);
    let u = wh * k; // head width in patch px
    let crown = 0.05 * u;
    let cx = pw as f64 / 2.0;
    let to_src = |x: f64, y: f64| [x0 + x / k, y0 + y / k];

    let skin_r = rect(
        &p,
        cx - 0.22 * u,
        crown + 0.88 * u,
        cx - 0.08 * u,
        crown + 1.02 * u,
    );
    let skin_l = rect(
        &p,
        cx + 0.08 * u,
        crown + 0.88 * u,
        cx + 0.22 * u,
        crown + 1.02 * u,
    );
    let mut samples = Vec::new();
    for r in [&skin_r, &skin_l] {
        for y in r.y0..r.y1 {
            for x in r.x0..r.x1 {
                samples.push(p.at(x, y));
            }
        }
    }
    if samples.is_empty() {
        return;
    }
    let skin = median_px(&samples);
    let model = FaceModel {
        skin,
        skin_y: luma(skin).max(1.0),
        skin_chroma: chroma(skin),
    };

    let (ey0, ey1) = (crown + 0.5 * u, crown + 0.95 * u);
    let left = find_eye(
        &p,
        &model,
        &rect(&p, cx - 0.36 * u, ey0, cx - 0.03 * u, ey1),
        u,
    );
    let right = find_eye(
        &p,
        &model,
        &rect(&p, cx + 0.03 * u, ey0, cx + 0.36 * u, ey1),
        u,
    );
    let default_eye = |sign: f64| Eye {
        x: cx + sign * 0.2 * u,
        y: crown + 0.75 * u,
        found: false,
    };
    let mut left = left.unwrap_or_else(|| default_eye(-1.0));
    let mut right = right.unwrap_or_else(|| default_eye(1.0));
    // One eye seen by its sclera: put the other at the mirrored position on the same line.
    let mirror = |e: &Eye| Eye {
        x: 2.0 * cx - e.x,
        y: e.y,
        found: false,
    };
    if left.found && !right.found {
        right = mirror(&left);
    } else if right.found && !left.found {
        left = mirror(&right);
    }
    m.eyes_found = u8::from(left.found) + u8::from(right.found);
    let iod = ((right.x - left.x).powi(2) + (right.y - left.y).powi(2)).sqrt();
    let fw = if (0.25 * u..=0.65 * u).contains(&iod) {
        2.22 * iod
    } else {
        0.8 * u
    };
    m.face_width = fw / k;
    m.eyes = [to_src(left.x, left.y), to_src(right.x, right.y)];
    m.roll_deg = (right.y - left.y).atan2(right.x - left.x).to_degrees();
    let (mx, my) = ((left.x + right.x) / 2.0, (left.y + right.y) / 2.0);
    m.yaw_offset = (mx - cx) / fw;

    let eye_px = |q: Px| model.sclera(q) || model.dark(q);
    let open = |e: &Eye| vertical_run(&p, e.x, e.y, 0.07 * fw, 0.12 * fw, 2, eye_px) / fw;
    m.eye_opening = open(&left).min(open(&right));

    // Mouth: strongest lip/cavity row below the eyes, then the cavity/teeth extent.
    let mr = rect(
        &p,
        mx - 0.2 * fw,
        my + 0.32 * fw,
        mx + 0.2 * fw,
        my + 0.75 * fw,
    );
    let mouth_px = |q: Px| {
        let y = luma(q);
        y < 0.8 * model.skin_y || (q[0] - q[1]) > (skin[0] - skin[1]) + 12.0
    };
    let cavity = |q: Px| {
        let y = luma(q);
        (y < 0.55 * model.skin_y && y < model.skin_y - 30.0) || model.sclera(q)
    };
    let mut best = (0usize, 0usize);
    for y in mr.y0..mr.y1 {
        let c = (mr.x0..mr.x1).filter(|&x| mouth_px(p.at(x, y))).count();
        if c > best.1 {
            best = (y, c);
        }
    }
    let mouth_w = mr.x1.saturating_sub(mr.x0);
    m.mouth_visible = best.1 as f64 >= 0.25 * mouth_w as f64;
    if m.mouth_visible {
        // Yaw cue that needs no eyes: the lip line's centre against the head centre.
        let wide = rect(
            &p,
            cx - 0.4 * fw,
            best.0 as f64,
            cx + 0.4 * fw,
            best.0 as f64 + 1.0,
        );
        let xs: Vec<f64> = (wide.x0..wide.x1)
            .filter(|&x| mouth_px(p.at(x, best.0)))
            .map(|x| x as f64)
            .collect();
        if !xs.is_empty() {
            m.mouth_yaw = (xs.iter().sum::<f64>() / xs.len() as f64 - cx) / fw;
        }
        let min = ((0.12 * mouth_w as f64) as usize).max(2);
        m.mouth_opening =
            vertical_run(&p, mx, best.0 as f64, 0.12 * fw, 0.2 * fw, min, cavity) / fw;
    }

    // Lighting: cheeks below the eyes.
    let cheek = |x0: f64, x1: f64| {
        let r = rect(&p, x0, my + 0.15 * fw, x1, my + 0.32 * fw);
        let mut v: Vec<f32> = Vec::new();
        for y in r.y0..r.y1 {
            for x in r.x0..r.x1 {
                v.push(luma(p.at(x, y)));
            }
        }
        median(&mut v)
    };
    let cl = cheek(left.x - 0.12 * fw, left.x + 0.05 * fw);
    let cr = cheek(right.x - 0.05 * fw, right.x + 0.12 * fw);
    m.lighting_imbalance = f64::from((cl - cr).abs() / cl.max(cr).max(1.0));

    // Exposure on skin.
    let face = rect(
        &p,
        left.x - 0.15 * fw,
        my - 0.25 * fw,
        right.x + 0.15 * fw,
        my + 0.55 * fw,
    );
    m.skin_clipped = share(&p, &face, |q| q[0].min(q[1]).min(q[2]) >= 245.0);
    m.face_crushed = share(&p, &face, |q| luma(q) < 14.0);

    // Glasses: dark bridge between the eyes, dark rims below them, tinted eye boxes.
    let dark_rim = |q: Px| {
        let y = luma(q);
        y < 0.72 * model.skin_y && y < model.skin_y - 18.0
    };
    let bridge = column_share(
        &p,
        &rect(
            &p,
            left.x + 0.14 * fw,
            my - 0.1 * fw,
            right.x - 0.14 * fw,
            my + 0.04 * fw,
        ),
        dark_rim,
    );
    let rim = |e: &Eye| {
        column_share(
            &p,
            &rect(
                &p,
                e.x - 0.1 * fw,
                e.y + 0.07 * fw,
                e.x + 0.1 * fw,
                e.y + 0.14 * fw,
            ),
            dark_rim,
        )
    };
    let eye_box_y = |e: &Eye| {
        let r = rect(
            &p,
            e.x - 0.09 * fw,
            e.y - 0.05 * fw,
            e.x + 0.09 * fw,
            e.y + 0.05 * fw,
        );
        let mut v = Vec::new();
        for y in r.y0..r.y1 {
            for x in r.x0..r.x1 {
                v.push(luma(p.at(x, y)));
            }
        }
        f64::from(median(&mut v)) / f64::from(model.skin_y)
    };
    let tint_ratio = eye_box_y(&left).min(eye_box_y(&right));
    let tint = if m.eyes_found < 2 {
        ((0.7 - tint_ratio) / 0.3).clamp(0.0, 1.0)
    } else {
        0.0
    };
    m.glasses_tinted = tint >= 0.6;
    m.glasses = (0.5 * bridge + 0.25 * (rim(&left) + rim(&right)))
        .max(tint)
        .clamp(0.0, 1.0);

    // Occlusion: non-skin share of regions that should be bare skin; eye boxes by their dark share.
    let ns = |x0: f64, y0: f64, x1: f64, y1: f64| {
        share(&p, &rect(&p, x0, y0, x1, y1), |q| model.non_skin(q))
    };
    let forehead = ns(left.x, my - 0.3 * fw, right.x, my - 0.21 * fw);
    let cheek_l = ns(
        left.x - 0.1 * fw,
        my + 0.14 * fw,
        left.x + 0.06 * fw,
        my + 0.3 * fw,
    );
    let cheek_r = ns(
        right.x - 0.06 * fw,
        my + 0.14 * fw,
        right.x + 0.1 * fw,
        my + 0.3 * fw,
    );
    let chin = ns(
        mx - 0.14 * fw,
        my + 0.66 * fw,
        mx + 0.14 * fw,
        my + 0.78 * fw,
    );
    let eye_cover = |e: &Eye| {
        let r = rect(
            &p,
            e.x - 0.11 * fw,
            e.y - 0.07 * fw,
            e.x + 0.11 * fw,
            e.y + 0.07 * fw,
        );
        ((share(&p, &r, |q| model.dark(q)) - 0.35) / 0.65).max(0.0)
    };
    let mouth_hidden = if m.mouth_visible { 0.0 } else { 0.45 };
    // Brow + eye box per side: brows and eyes are about a third of it; hair over them fills it.
    let brow_eye = |e: &Eye| {
        let f = ns(
            e.x - 0.12 * fw,
            my - 0.22 * fw,
            e.x + 0.12 * fw,
            my + 0.06 * fw,
        );
        ((f - 0.4) / 0.6).max(0.0)
    };
    // Hair or a hand over one eye region flattens it: compare the luminance spread of the two sides.
    let spread = |e: &Eye| {
        let r = rect(
            &p,
            e.x - 0.12 * fw,
            my - 0.22 * fw,
            e.x + 0.12 * fw,
            my + 0.06 * fw,
        );
        let (mut s1, mut s2, mut n) = (0f64, 0f64, 0f64);
        for y in r.y0..r.y1 {
            for x in r.x0..r.x1 {
                let v = f64::from(luma(p.at(x, y)));
                s1 += v;
                s2 += v * v;
                n += 1.0;
            }
        }
        if n < 2.0 {
            0.0
        } else {
            (s2 / n - (s1 / n).powi(2)).max(0.0).sqrt()
        }
    };
    let (sl, sr) = (spread(&left), spread(&right));
    let asym = if sl.max(sr) > 1.0 {
        1.0 - sl.min(sr) / sl.max(sr)
    } else {
        0.0
    };
    let one_side_flat = ((asym - 0.5) / 0.5).max(0.0);
    // Head covering: the top of the head differs in colour from the hair at the temples.
    let bg_px: Px = [bg[0] as f32, bg[1] as f32, bg[2] as f32];
    let region_median = |x0: f64, y0: f64, x1: f64, y1: f64, out: &mut Vec<Px>| {
        let r = rect(&p, x0, y0, x1, y1);
        for y in r.y0..r.y1 {
            for x in r.x0..r.x1 {
                let q = p.at(x, y);
                if dist(q, bg_px) > 60.0 {
                    out.push(q);
                }
            }
        }
    };
    let (mut top, mut sides) = (Vec::new(), Vec::new());
    region_median(
        cx - 0.15 * u,
        crown + 0.04 * u,
        cx + 0.15 * u,
        crown + 0.15 * u,
        &mut top,
    );
    let (t0, t1) = (crown + 0.4 * u, crown + 0.55 * u);
    region_median(cx - 0.47 * u, t0, cx - 0.38 * u, t1, &mut sides);
    region_median(cx + 0.38 * u, t0, cx + 0.47 * u, t1, &mut sides);
    let covering = if top.len() >= 10 && sides.len() >= 10 {
        let (a, b) = (median_px(&top), median_px(&sides));
        let dc = ((a[0] - a[1]) - (b[0] - b[1])).abs() + ((a[2] - a[1]) - (b[2] - b[1])).abs();
        let ratio = (luma(a) + 4.0) / (luma(b) + 4.0);
        if dc > 45.0 || !(0.4..=2.5).contains(&ratio) {
            0.4
        } else {
            0.0
        }
    } else {
        0.0
    };
    m.occlusion = [
        covering,
        forehead,
        one_side_flat,
        cheek_l,
        cheek_r,
        chin,
        eye_cover(&left),
        eye_cover(&right),
        brow_eye(&left),
        brow_eye(&right),
        mouth_hidden,
    ]
    .into_iter()
    .fold(0.0, f64::max);

    // Sharpness at output scale (face width → 240 px), never upsampled.
    let fw_src = m.face_width;
    let k2 = (240.0 / fw_src).min(1.0);
    let [ex0, ey0s] = to_src(left.x - 0.2 * fw, my - 0.2 * fw);
    let sw = ((1.0 / k) * (right.x - left.x + 0.4 * fw) * k2)
        .round()
        .max(1.0) as usize;
    let sh = ((1.0 / k) * 0.75 * fw * k2).round().max(1.0) as usize;
    let sp = sample_patch(img, ex0, ey0s, k2, sw.min(600), sh.min(400));
    m.blur = blur_score(&sp);
}
