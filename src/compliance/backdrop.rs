//! Backdrop analysis on a box-filtered proxy (longest side ≤ ~400 px): a flood fill from the border with a
//! backdrop colour model (median border colour, small neighbour steps) gives the backdrop mask; the largest
//! other component is the person, the rest are foreign objects. Backdrop colour, uniformity (cell means) and
//! linear luminance come from the mask; the person's silhouette gives the crown and head width. Also the
//! per-axis blur score used for sharpness.

use image::RgbImage;

type Px = [f32; 3];

fn luma(p: Px) -> f32 {
    0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2]
}
fn dist(a: Px, b: Px) -> f32 {
    (a[0] - b[0]).abs() + (a[1] - b[1]).abs() + (a[2] - b[2]).abs()
}

fn srgb_to_linear_exact(v: f64) -> f64 {
    let c = (v / 255.0).clamp(0.0, 1.0);
    if c <= 0.04045 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

/// sRGB (0–255, fractional allowed) to linear light, from a table with linear interpolation (exact at
/// every integer level; the analysis calls this for thousands of samples per frame).
pub(crate) fn srgb_to_linear(v: f64) -> f64 {
    static TABLE: std::sync::OnceLock<Vec<f64>> = std::sync::OnceLock::new();
    let t = TABLE.get_or_init(|| {
        (0..=256)
            .map(|i| srgb_to_linear_exact(f64::from(i)))
            .collect()
    });
    let x = v.clamp(0.0, 255.0);
    let i = x.floor() as usize;
    let f = x - i as f64;
    t[i] + (t[i + 1] - t[i]) * f
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
    Some(Silhouette {
        crown,
        cx,
        head_w,
        crown_cut,
    })
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

/// The backdrop and the person's silhouette of one image, in the image's own pixels.
pub(crate) struct Scan {
    /// Mean backdrop colour (sRGB 0–255).
    pub bg_rgb: [f64; 3],
    /// Share of the image that is backdrop.
    pub bg_share: f64,
    /// Largest difference between backdrop cell means (RGB distance).
    pub bg_spread: f64,
    /// Foreign objects' area ÷ backdrop area.
    pub bg_objects: f64,
    /// How much darker the backdrop is right beside the person than farther out on the same side, in
    /// stops (a shadow cast on the backdrop); ≤ 0 when there is none.
    pub bg_shadow_stops: f64,
    /// The person's silhouette, when one stands out from the backdrop.
    pub person: Option<Person>,
    label: Vec<u32>,
    person_label: u32,
    pw: usize,
    ph: usize,
    f: f64,
}

/// Silhouette geometry in image pixels.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Person {
    /// Top of the silhouette.
    pub crown_y: f64,
    /// The silhouette touches the top edge.
    pub crown_cut: bool,
    /// Head centre x.
    pub head_cx: f64,
    /// Head width including hair.
    pub head_width: f64,
}

impl Scan {
    /// True when the image pixel (x, y) is backdrop.
    pub fn is_backdrop(&self, x: f64, y: f64) -> bool {
        if x < 0.0 || y < 0.0 {
            return false;
        }
        let (px, py) = ((x / self.f) as usize, (y / self.f) as usize);
        px < self.pw && py < self.ph && self.label[py * self.pw + px] == BG
    }

    /// Top of the person between image columns `x0` and `x1` (the crown above a face), if any.
    pub fn crown_between(&self, x0: f64, x1: f64) -> Option<f64> {
        let a = ((x0 / self.f).max(0.0) as usize).min(self.pw);
        let b = ((x1 / self.f).max(0.0) as usize).min(self.pw);
        let need = ((b.saturating_sub(a)) / 8).max(1);
        (0..self.ph)
            .find(|&y| {
                self.label[y * self.pw + a..y * self.pw + b]
                    .iter()
                    .filter(|&&l| l == self.person_label && l != BG)
                    .count()
                    >= need
            })
            .map(|y| y as f64 * self.f)
    }
}

/// A shadow cast on the backdrop hugs the silhouette on one side: compare, per side, the backdrop in a band
/// just beside the person with the backdrop farther out on the same rows (linear light, in stops).
fn shadow_stops(p: &Plane, label: &[u32], person: u32) -> f64 {
    let (w, h) = (p.w, p.h);
    let band = (w / 40).max(3);
    let lin = |q: Px| linear_luminance([f64::from(q[0]), f64::from(q[1]), f64::from(q[2])]);
    let (mut near, mut far) = ([0f64; 2], [0f64; 2]);
    let (mut n_near, mut n_far) = ([0usize; 2], [0usize; 2]);
    for y in 0..h {
        let row = &label[y * w..(y + 1) * w];
        let (Some(l), Some(r)) = (
            row.iter().position(|&v| v == person),
            row.iter().rposition(|&v| v == person),
        ) else {
            continue;
        };
        // Image-left side: near = [l − band, l − 2), far = [l − 4·band, l − 2·band).
        let sides: [(isize, isize); 2] = [(-1, l as isize), (1, r as isize)];
        for (k, &(dir, edge)) in sides.iter().enumerate() {
            for off in 2..(4 * band) as isize {
                let x = edge + dir * off;
                if x < 0 || x >= w as isize {
                    break;
                }
                let i = y * w + x as usize;
                if label[i] != BG {
                    continue;
                }
                let v = lin(p.px[i]);
                if off < band as isize {
                    near[k] += v;
                    n_near[k] += 1;
                } else if off >= 2 * band as isize {
                    far[k] += v;
                    n_far[k] += 1;
                }
            }
        }
    }
    let mut worst = 0f64;
    for k in 0..2 {
        if n_near[k] >= 20 && n_far[k] >= 20 {
            let (a, b) = (near[k] / n_near[k] as f64, far[k] / n_far[k] as f64);
            worst = worst.max((b.max(1e-5) / a.max(1e-5)).log2());
        }
    }
    worst
}

/// Scans an image's backdrop and silhouette. Never panics; tiny images give an empty scan.
pub(crate) fn scan(img: &RgbImage) -> Scan {
    scan_scaled(img, 1)
}

/// Scans a downscaled copy (`scale` image px per copy px, e.g. the live pipeline's analysis proxy); the
/// results are in the full image's pixels.
pub(crate) fn scan_scaled(img: &RgbImage, scale: u32) -> Scan {
    let (iw, ih) = (img.width(), img.height());
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
    let person_area = person.map(|(_, (a, _))| *a).unwrap_or(0);
    let bd = backdrop_stats(&p, &label, person_label);
    let ff = f as f64 * f64::from(scale.max(1));
    let sil = (person_area >= (p.w * p.h) / 200)
        .then(|| silhouette(&label, p.w, p.h, person_label))
        .flatten()
        .map(|s| Person {
            crown_y: s.crown as f64 * ff,
            crown_cut: s.crown_cut,
            head_cx: (s.cx + 0.5) * ff,
            head_width: s.head_w * ff,
        });
    let bg_shadow_stops = shadow_stops(&p, &label, person_label);
    Scan {
        bg_shadow_stops,
        bg_rgb: bd.rgb,
        bg_share: bd.share,
        bg_spread: bd.spread,
        bg_objects: bd.objects,
        person: sil,
        label,
        person_label,
        pw: p.w,
        ph: p.h,
        f: ff,
    }
}

/// Blur score (0 crisp – 1 no edges) of the region (x0, y0)–(x1, y1) resampled so it is `out_w` px wide
/// (measure at output scale so the score means the same for every camera).
pub(crate) fn blur_of_region(
    img: &RgbImage,
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
    out_w: usize,
) -> f64 {
    let w = (x1 - x0).max(1.0);
    let k = out_w as f64 / w;
    let out_h = (((y1 - y0).max(1.0)) * k).round().max(1.0) as usize;
    blur_score(&sample_patch(img, x0, y0, k, out_w, out_h.min(4 * out_w)))
}
