//! Rotated square regions of a frame and the model input tensors sampled from them.

use image::RgbImage;

/// A rotated square region of a frame, in frame pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Roi {
    /// Centre x.
    pub cx: f32,
    /// Centre y.
    pub cy: f32,
    /// Side length.
    pub size: f32,
    /// Rotation in radians (positive turns the region's x axis towards +y, i.e. clockwise on screen).
    pub angle: f32,
}

impl Roi {
    /// Maps a point in the region's unit square (0–1, origin top-left) to frame pixels.
    pub fn to_frame(&self, u: f32, v: f32) -> [f32; 2] {
        let (dx, dy) = ((u - 0.5) * self.size, (v - 0.5) * self.size);
        let (s, c) = self.angle.sin_cos();
        [self.cx + dx * c - dy * s, self.cy + dx * s + dy * c]
    }
}

/// How pixel values are scaled into the tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Range {
    /// 0–255 → −1…1 (the face detector).
    Signed,
    /// 0–255 → 0…1 (landmarks and iris).
    Unit,
}

/// Memory layout of the model input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Batch, height, width, channels.
    Nhwc,
    /// Batch, channels, height, width.
    Nchw,
}

/// Samples `roi` bilinearly into an `n`×`n` RGB tensor (pixels outside the frame replicate the border),
/// optionally mirrored left–right, into `out` (resized to `3·n·n`).
pub fn sample(
    img: &RgbImage,
    roi: &Roi,
    n: usize,
    flip: bool,
    range: Range,
    layout: Layout,
    out: &mut Vec<f32>,
) {
    out.clear();
    out.resize(3 * n * n, 0.0);
    let (w, h) = (img.width() as i32, img.height() as i32);
    if w == 0 || h == 0 {
        return;
    }
    let raw = img.as_raw();
    let (scale, offset) = match range {
        Range::Signed => (2.0 / 255.0, -1.0),
        Range::Unit => (1.0 / 255.0, 0.0),
    };
    let step = roi.size / n as f32;
    let (s, c) = roi.angle.sin_cos();
    // Frame position of the region's (0, 0) pixel centre and the per-pixel steps along its axes.
    let half = roi.size / 2.0;
    let (ux, uy) = (c * step, s * step);
    let (vx, vy) = (-s * step, c * step);
    let x00 = roi.cx + (-half + step / 2.0) * c - (-half + step / 2.0) * s;
    let y00 = roi.cy + (-half + step / 2.0) * s + (-half + step / 2.0) * c;
    let plane = n * n;
    for j in 0..n {
        let (rx, ry) = (x00 + vx * j as f32, y00 + vy * j as f32);
        for i in 0..n {
            let (fx, fy) = (rx + ux * i as f32 - 0.5, ry + uy * i as f32 - 0.5);
            let (x0, y0) = (fx.floor(), fy.floor());
            let (ax, ay) = (fx - x0, fy - y0);
            let (x0, y0) = (x0 as i32, y0 as i32);
            let xa = x0.clamp(0, w - 1) as usize;
            let xb = (x0 + 1).clamp(0, w - 1) as usize;
            let ya = y0.clamp(0, h - 1) as usize;
            let yb = (y0 + 1).clamp(0, h - 1) as usize;
            let p = |x: usize, y: usize, k: usize| f32::from(raw[(y * w as usize + x) * 3 + k]);
            let col = if flip { n - 1 - i } else { i };
            for k in 0..3 {
                let top = p(xa, ya, k) * (1.0 - ax) + p(xb, ya, k) * ax;
                let bot = p(xa, yb, k) * (1.0 - ax) + p(xb, yb, k) * ax;
                let v = (top * (1.0 - ay) + bot * ay) * scale + offset;
                let idx = match layout {
                    Layout::Nhwc => (j * n + col) * 3 + k,
                    Layout::Nchw => k * plane + j * n + col,
                };
                out[idx] = v;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    #[test]
    fn unrotated_region_maps_corners_and_samples_pixels() {
        let roi = Roi {
            cx: 50.0,
            cy: 40.0,
            size: 20.0,
            angle: 0.0,
        };
        assert_eq!(roi.to_frame(0.0, 0.0), [40.0, 30.0]);
        assert_eq!(roi.to_frame(1.0, 1.0), [60.0, 50.0]);
        let img = RgbImage::from_fn(100, 80, |x, _| Rgb([(x * 2) as u8, 0, 255]));
        let mut t = Vec::new();
        sample(&img, &roi, 20, false, Range::Unit, Layout::Nhwc, &mut t);
        // Pixel (0, 0) of the tensor is the frame pixel whose centre is at (40.5, 30.5): x = 40.
        assert!((t[0] - 80.0 / 255.0).abs() < 1e-4);
        assert!((t[2] - 1.0).abs() < 1e-6);
        let mut f = Vec::new();
        sample(&img, &roi, 20, true, Range::Signed, Layout::Nchw, &mut f);
        // Mirrored: the first column now holds frame x = 59; signed range.
        assert!((f[0] - (118.0 * 2.0 / 255.0 - 1.0)).abs() < 1e-4);
    }

    #[test]
    fn quarter_turn_moves_the_region_axis_down() {
        let roi = Roi {
            cx: 0.0,
            cy: 0.0,
            size: 2.0,
            angle: std::f32::consts::FRAC_PI_2,
        };
        let p = roi.to_frame(1.0, 0.5);
        assert!(p[0].abs() < 1e-5 && (p[1] - 1.0).abs() < 1e-5);
    }
}
