//! Grey planes, rescaling, contrast stretch and local (block min/max) binarisation for the QR decoder.

/// An 8-bit grey working image with its placement in the source frame
/// (`source = offset + position * scale`).
#[derive(Clone, Debug)]
pub(crate) struct Plane {
    pub w: usize,
    pub h: usize,
    pub data: Vec<u8>,
    /// Source x of this plane's (0, 0).
    pub ox: f32,
    /// Source y of this plane's (0, 0).
    pub oy: f32,
    /// Source pixels per plane pixel.
    pub scale: f32,
}

impl Plane {
    /// Copy a rectangle of a row-major grey buffer (`stride` = source width).
    pub fn crop(src: &[u8], stride: usize, x: usize, y: usize, w: usize, h: usize) -> Plane {
        let mut data = Vec::with_capacity(w * h);
        for row in y..y + h {
            let start = row * stride + x;
            data.extend_from_slice(&src[start..start + w]);
        }
        Plane {
            w,
            h,
            data,
            ox: x as f32,
            oy: y as f32,
            scale: 1.0,
        }
    }

    /// Halve both dimensions with a 2×2 box filter (also halves sensor noise).
    pub fn downscale2(&self) -> Plane {
        let w = self.w / 2;
        let h = self.h / 2;
        let mut data = Vec::with_capacity(w * h);
        for y in 0..h {
            let r0 = &self.data[(2 * y) * self.w..(2 * y) * self.w + 2 * w];
            let r1 = &self.data[(2 * y + 1) * self.w..(2 * y + 1) * self.w + 2 * w];
            for x in 0..w {
                let s = r0[2 * x] as u16
                    + r0[2 * x + 1] as u16
                    + r1[2 * x] as u16
                    + r1[2 * x + 1] as u16;
                data.push(((s + 2) >> 2) as u8);
            }
        }
        Plane {
            w,
            h,
            data,
            ox: self.ox,
            oy: self.oy,
            scale: self.scale * 2.0,
        }
    }

    /// Double both dimensions with bilinear interpolation (for modules under ~2.5 px).
    pub fn upscale2(&self) -> Plane {
        let w = self.w * 2;
        let h = self.h * 2;
        let mut data = vec![0u8; w * h];
        let (sw, sh) = (self.w, self.h);
        // Destination pixel centres fall a quarter pixel before (even) or after (odd) a source
        // pixel centre: taps (a, b) and a's weight in quarters, clamped at the borders.
        let taps = |d: usize, n: usize| -> (usize, usize, u32) {
            let s = d / 2;
            match (d % 2, s) {
                (0, 0) => (0, 0, 4),
                (0, _) => (s - 1, s, 1),
                _ => (s, (s + 1).min(n - 1), 3),
            }
        };
        let cols: Vec<(usize, usize, u32)> = (0..w).map(|x| taps(x, sw)).collect();
        for y in 0..h {
            let (y0, y1, wy) = taps(y, sh);
            let r0 = &self.data[y0 * sw..y0 * sw + sw];
            let r1 = &self.data[y1 * sw..y1 * sw + sw];
            let out = &mut data[y * w..y * w + w];
            for (o, &(x0, x1, wx)) in out.iter_mut().zip(&cols) {
                let top = r0[x0] as u32 * wx + r0[x1] as u32 * (4 - wx);
                let bot = r1[x0] as u32 * wx + r1[x1] as u32 * (4 - wx);
                *o = ((top * wy + bot * (4 - wy) + 8) >> 4) as u8;
            }
        }
        Plane {
            w,
            h,
            data,
            ox: self.ox,
            oy: self.oy,
            scale: self.scale * 0.5,
        }
    }

    /// Stretch grey levels linearly so that the 1st and 99th percentiles become 0 and 255
    /// (a low-contrast code in a small crop then passes fixed contrast gates). Planes with
    /// less than `min_span` levels between those percentiles are left alone.
    pub fn stretch(&mut self, min_span: u8) {
        let mut hist = [0usize; 256];
        for &v in &self.data {
            hist[v as usize] += 1;
        }
        let n = self.data.len();
        let cut = n / 100;
        let percentile = |from_top: bool| {
            let mut acc = 0;
            let order: Box<dyn Iterator<Item = usize>> = if from_top {
                Box::new((0..256).rev())
            } else {
                Box::new(0..256)
            };
            for i in order {
                acc += hist[i];
                if acc > cut {
                    return i;
                }
            }
            if from_top { 255 } else { 0 }
        };
        let (lo, hi) = (percentile(false), percentile(true));
        if hi <= lo || hi - lo < min_span as usize {
            return;
        }
        let span = (hi - lo) as u32;
        let mut lut = [0u8; 256];
        for (i, l) in lut.iter_mut().enumerate() {
            *l = ((i.clamp(lo, hi) - lo) as u32 * 255 / span) as u8;
        }
        for v in &mut self.data {
            *v = lut[*v as usize];
        }
    }

    /// Map a plane coordinate back to the source frame.
    pub fn to_source(&self, x: f32, y: f32) -> (f32, f32) {
        (self.ox + x * self.scale, self.oy + y * self.scale)
    }
}

/// Per-pixel classes of a binarised plane: bit 0 = clearly darker than its neighbourhood,
/// bit 1 = clearly lighter. A pixel with neither bit is background for both polarities.
pub(crate) const DARK: u8 = 1;
/// See [`DARK`].
pub(crate) const LIGHT: u8 = 2;

/// Reusable buffers of the block threshold.
#[derive(Default)]
pub(crate) struct Binarizer {
    thr: Vec<u8>,
    valid: Vec<bool>,
    core: Vec<u8>,
}

/// Parameters of the block min/max ("midrange") threshold.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Midrange {
    /// Block side in plane pixels.
    pub block: usize,
    /// Neighbourhood radius in blocks (the window is `(2·reach+1)` blocks wide).
    pub reach: usize,
    /// Minimum max−min range in the neighbourhood; flatter areas stay unclassified.
    pub min_range: u8,
}

impl Binarizer {
    /// Classify every pixel against the midpoint of the darkest and lightest values in its
    /// neighbourhood of blocks. Unlike a mean threshold this is not biased when one class
    /// dominates the window (a code on a wide white screen), so thin light gaps survive blur.
    pub fn classify_midrange(&mut self, plane: &Plane, t: Midrange, out: &mut Vec<u8>) {
        let (w, h) = (plane.w, plane.h);
        out.clear();
        out.resize(w * h, 0);
        let b = t.block.max(2);
        if w < b || h < b {
            return;
        }
        let bw = w.div_ceil(b);
        let bh = h.div_ceil(b);
        let mut bmin = vec![255u8; bw * bh];
        let mut bmax = vec![0u8; bw * bh];
        for y in 0..h {
            let row = &plane.data[y * w..y * w + w];
            let by = y / b;
            for (bx, chunk) in row.chunks(b).enumerate() {
                let (mut mn, mut mx) = (255u8, 0u8);
                for &v in chunk {
                    mn = mn.min(v);
                    mx = mx.max(v);
                }
                let i = by * bw + bx;
                bmin[i] = bmin[i].min(mn);
                bmax[i] = bmax[i].max(mx);
            }
        }
        // Separable min/max over the neighbourhood of blocks.
        let r = t.reach;
        let mut tmin = vec![0u8; bw * bh];
        let mut tmax = vec![0u8; bw * bh];
        for by in 0..bh {
            for bx in 0..bw {
                let (x0, x1) = (bx.saturating_sub(r), (bx + r + 1).min(bw));
                let row = by * bw;
                tmin[row + bx] = bmin[row + x0..row + x1].iter().copied().min().unwrap_or(0);
                tmax[row + bx] = bmax[row + x0..row + x1].iter().copied().max().unwrap_or(0);
            }
        }
        self.thr.clear();
        self.thr.resize(bw * bh, 0);
        self.valid.clear();
        self.valid.resize(bw * bh, false);
        for by in 0..bh {
            let (y0, y1) = (by.saturating_sub(r), (by + r + 1).min(bh));
            for bx in 0..bw {
                let mut mn = 255u8;
                let mut mx = 0u8;
                for yy in y0..y1 {
                    mn = mn.min(tmin[yy * bw + bx]);
                    mx = mx.max(tmax[yy * bw + bx]);
                }
                let i = by * bw + bx;
                self.thr[i] = (mn as u16 + mx as u16).div_ceil(2) as u8;
                self.valid[i] = mx.saturating_sub(mn) >= t.min_range;
            }
        }
        for y in 0..h {
            let src = &plane.data[y * w..y * w + w];
            let dst = &mut out[y * w..y * w + w];
            let brow = (y / b) * bw;
            let blocks = src.chunks(b).zip(dst.chunks_mut(b)).enumerate();
            for (bx, (s, d)) in blocks {
                let i = brow + bx;
                if !self.valid[i] {
                    continue;
                }
                let th = self.thr[i];
                for (&v, o) in s.iter().zip(d.iter_mut()) {
                    *o = (v < th) as u8 * DARK + (v > th) as u8 * LIGHT;
                }
            }
        }
        open_classes(out, w, h, &mut self.core);
    }
}

/// Morphological opening (2×2 square) of both classes: a pixel keeps its class only if it
/// lies in a 2×2 square of that class. Real modules are at least 2 px; what goes are specks
/// and one-pixel-thin rings, which otherwise become degenerate finder candidates (and those
/// can send rqrr's alignment search into a very long spiral).
pub(crate) fn open_classes(classes: &mut [u8], w: usize, h: usize, core: &mut Vec<u8>) {
    if w < 2 || h < 2 {
        return;
    }
    // `core` row y+1 holds the class of the 2×2 square whose top-left pixel is (x, y), or 0;
    // row 0 stays zero so the first image row has an empty row above it. Both loops are
    // row-wise and branch-free (the compiler vectorises them): this runs on every pixel of
    // every classified plane.
    core.clear();
    core.resize((h + 1) * w, 0);
    for y in 0..h - 1 {
        let a = &classes[y * w..(y + 1) * w];
        let b = &classes[(y + 1) * w..(y + 2) * w];
        let out = &mut core[(y + 1) * w..(y + 2) * w];
        for x in 0..w - 1 {
            let c = a[x];
            let same = (a[x + 1] == c) & (b[x] == c) & (b[x + 1] == c);
            out[x] = c * same as u8;
        }
    }
    for y in 0..h {
        let up = &core[y * w..(y + 1) * w];
        let cur = &core[(y + 1) * w..(y + 2) * w];
        let row = &mut classes[y * w..(y + 1) * w];
        row[0] *= ((cur[0] == row[0]) | (up[0] == row[0])) as u8;
        for x in 1..w {
            let c = row[x];
            let keep = (cur[x] == c) | (cur[x - 1] == c) | (up[x] == c) | (up[x - 1] == c);
            row[x] = c * keep as u8;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plane(w: usize, h: usize, f: impl Fn(usize, usize) -> u8) -> Plane {
        let mut data = Vec::new();
        for y in 0..h {
            for x in 0..w {
                data.push(f(x, y));
            }
        }
        Plane {
            w,
            h,
            data,
            ox: 0.0,
            oy: 0.0,
            scale: 1.0,
        }
    }

    #[test]
    fn opening_removes_specks_and_thin_lines_but_keeps_modules() {
        let (w, h) = (12, 8);
        let mut c = vec![LIGHT; w * h];
        c[w + 1] = DARK; // speck
        for y in 0..h {
            c[y * w + 4] = DARK; // 1-px line
        }
        for y in 3..5 {
            for x in 8..10 {
                c[y * w + x] = DARK; // 2×2 module
            }
        }
        let mut core = Vec::new();
        open_classes(&mut c, w, h, &mut core);
        assert_eq!(c[w + 1], 0);
        assert!((0..h).all(|y| c[y * w + 4] == 0));
        assert!((3..5).all(|y| (8..10).all(|x| c[y * w + x] == DARK)));
        assert_eq!(c[7 * w + 11], LIGHT);
    }

    #[test]
    fn stretch_expands_a_narrow_range_and_ignores_flat_planes() {
        let mut p = plane(100, 100, |x, _| if x < 50 { 100 } else { 130 });
        p.stretch(8);
        assert_eq!(p.data[0], 0);
        assert_eq!(p.data[99], 255);
        let mut flat = plane(50, 50, |x, _| 120 + (x % 3) as u8);
        flat.stretch(8);
        assert!(flat.data.iter().all(|&v| (120..123).contains(&v)));
    }

    #[test]
    fn rescaling_maps_back_to_source() {
        let p = plane(8, 6, |x, _| (x * 30) as u8);
        let d = p.downscale2();
        assert_eq!((d.w, d.h), (4, 3));
        assert_eq!(d.data[1], 75);
        assert_eq!(d.to_source(1.0, 1.0), (2.0, 2.0));
        let u = d.upscale2();
        assert_eq!((u.w, u.h), (8, 6));
        // Bilinear at quarter-pixel offsets, edges clamped: 15, 75, 135, 195 →
        assert_eq!(&u.data[..8], &[15, 30, 60, 90, 120, 150, 180, 195]);
        assert_eq!(u.to_source(2.0, 2.0), (2.0, 2.0));
        let c = Plane::crop(&p.data, 8, 2, 1, 3, 2);
        assert_eq!(c.data, vec![60, 90, 120, 60, 90, 120]);
        assert_eq!(c.to_source(1.0, 0.0), (3.0, 1.0));
    }
}
