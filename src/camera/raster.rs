//! Small anti-aliased raster helpers for the demo renderer (RGB8, straight alpha blending).

/// A mutable view of an RGB8 pixel buffer.
pub(crate) struct Canvas<'a> {
    pub px: &'a mut [u8],
    pub w: usize,
    pub h: usize,
}

/// A rotated ellipse in pixel coordinates (`angle` in radians, clockwise on screen).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ellipse {
    pub cx: f32,
    pub cy: f32,
    pub rx: f32,
    pub ry: f32,
    pub angle: f32,
}

impl Ellipse {
    /// Half extents of the axis-aligned bounding box.
    pub fn extents(&self) -> (f32, f32) {
        let (s, c) = self.angle.sin_cos();
        let ex = ((self.rx * c).powi(2) + (self.ry * s).powi(2)).sqrt();
        let ey = ((self.rx * s).powi(2) + (self.ry * c).powi(2)).sqrt();
        (ex, ey)
    }
}

/// How a shape is filled.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Paint {
    pub color: [f32; 3],
    pub opacity: f32,
    /// Darkening towards the rim of an ellipse (0 = flat), a cheap rounded-volume look.
    pub edge_darken: f32,
}

impl Paint {
    pub fn solid(color: [f32; 3]) -> Self {
        Self {
            color,
            opacity: 1.0,
            edge_darken: 0.0,
        }
    }

    pub fn with_opacity(mut self, opacity: f32) -> Self {
        self.opacity = opacity;
        self
    }

    pub fn shaded(mut self, edge_darken: f32) -> Self {
        self.edge_darken = edge_darken;
        self
    }
}

/// Scales an RGB colour.
pub(crate) fn scale(c: [f32; 3], k: f32) -> [f32; 3] {
    [c[0] * k, c[1] * k, c[2] * k]
}

#[inline]
fn blend(px: &mut [u8], color: [f32; 3], alpha: f32) {
    if alpha >= 0.999 {
        px[0] = color[0].clamp(0.0, 255.0) as u8;
        px[1] = color[1].clamp(0.0, 255.0) as u8;
        px[2] = color[2].clamp(0.0, 255.0) as u8;
    } else if alpha > 0.001 {
        for i in 0..3 {
            let p = px[i] as f32;
            px[i] = (p + (color[i] - p) * alpha).clamp(0.0, 255.0) as u8;
        }
    }
}

/// Precomputed coverage evaluator for one ellipse.
struct EllipseCov {
    s: f32,
    c: f32,
    irx2: f32,
    iry2: f32,
    a: f32,
    b: f32,
    cq: f32,
    inner_q: f32,
    outer_q: f32,
}

impl EllipseCov {
    fn new(e: Ellipse) -> Self {
        let rx = e.rx.max(0.01);
        let ry = e.ry.max(0.01);
        let (s, c) = e.angle.sin_cos();
        let irx2 = 1.0 / (rx * rx);
        let iry2 = 1.0 / (ry * ry);
        let minr = rx.min(ry);
        let inner = (1.0 - 0.75 / minr).max(0.0);
        let outer = 1.0 + 0.75 / minr;
        Self {
            s,
            c,
            irx2,
            iry2,
            a: c * c * irx2 + s * s * iry2,
            b: 2.0 * c * s * (irx2 - iry2),
            cq: s * s * irx2 + c * c * iry2,
            inner_q: inner * inner,
            outer_q: outer * outer,
        }
    }

    /// Normalised radius² `q` (1 on the rim) at offset (dx, dy) from the centre.
    #[inline]
    fn q(&self, dx: f32, dy: f32) -> f32 {
        self.a * dx * dx + self.b * dx * dy + self.cq * dy * dy
    }

    /// Coverage of the pixel whose centre is at offset (dx, dy).
    #[inline]
    fn coverage(&self, dx: f32, dy: f32, q: f32) -> f32 {
        if q <= self.inner_q {
            return 1.0;
        }
        if q >= self.outer_q {
            return 0.0;
        }
        let u = dx * self.c + dy * self.s;
        let v = -dx * self.s + dy * self.c;
        let g = 2.0 * ((u * self.irx2).powi(2) + (v * self.iry2).powi(2)).sqrt();
        if g <= f32::EPSILON {
            return 1.0;
        }
        (0.5 - (q - 1.0) / g).clamp(0.0, 1.0)
    }

    /// Horizontal offset range where `q ≤ limit` on the row at offset `dy`.
    fn span(&self, dy: f32, limit: f32) -> Option<(f32, f32)> {
        let bb = self.b * dy;
        let disc = bb * bb - 4.0 * self.a * (self.cq * dy * dy - limit);
        if disc < 0.0 {
            return None;
        }
        let sq = disc.sqrt();
        Some(((-bb - sq) / (2.0 * self.a), (-bb + sq) / (2.0 * self.a)))
    }
}

/// Fills an anti-aliased rotated ellipse; work is limited to each row's exact span.
pub(crate) fn fill_ellipse(cv: &mut Canvas<'_>, e: Ellipse, paint: Paint) {
    let ec = EllipseCov::new(e);
    let (_, ey) = e.extents();
    let y0 = (e.cy - ey - 1.0).floor().max(0.0) as usize;
    let y1 = ((e.cy + ey + 1.0).ceil().max(0.0) as usize).min(cv.h);
    let w = cv.w;
    for y in y0..y1 {
        let dy = y as f32 + 0.5 - e.cy;
        let Some((xa, xb)) = ec.span(dy, ec.outer_q) else {
            continue;
        };
        let inner = ec.span(dy, ec.inner_q).unwrap_or((1.0, -1.0));
        let xs = (e.cx + xa - 1.0).floor().max(0.0) as usize;
        let xe = ((e.cx + xb + 1.0).ceil().max(0.0) as usize).min(w);
        let row = &mut cv.px[y * w * 3..(y + 1) * w * 3];
        // Pixels whose centre lies strictly inside the inner ellipse are fully covered.
        let (mut fs, mut fe) = (xs, xs);
        if paint.edge_darken == 0.0 && paint.opacity >= 0.999 && inner.0 < inner.1 {
            let lo = (inner.0 + e.cx - 0.5).floor() + 1.0;
            let hi = (inner.1 + e.cx - 0.5).ceil();
            fs = (lo.max(xs as f32) as usize).min(xe);
            fe = (hi.max(fs as f32) as usize).min(xe);
            let rgb = paint.color.map(|c| c.clamp(0.0, 255.0) as u8);
            for px in row[fs * 3..fe * 3].chunks_exact_mut(3) {
                px.copy_from_slice(&rgb);
            }
        }
        for x in (xs..fs).chain(fe..xe) {
            let dx = x as f32 + 0.5 - e.cx;
            let fully = dx > inner.0 && dx < inner.1;
            let q = if fully && paint.edge_darken == 0.0 {
                0.0
            } else {
                ec.q(dx, dy)
            };
            let cov = if fully { 1.0 } else { ec.coverage(dx, dy, q) };
            if cov <= 0.0 {
                continue;
            }
            let color = if paint.edge_darken > 0.0 {
                scale(paint.color, 1.0 - paint.edge_darken * q.min(1.0))
            } else {
                paint.color
            };
            blend(&mut row[x * 3..x * 3 + 3], color, cov * paint.opacity);
        }
    }
}

/// Fills an elliptical ring (outer ellipse minus the same ellipse shrunk by `thickness` px).
pub(crate) fn fill_ring(cv: &mut Canvas<'_>, e: Ellipse, thickness: f32, paint: Paint) {
    let outer = EllipseCov::new(e);
    let inner = EllipseCov::new(Ellipse {
        rx: (e.rx - thickness).max(0.5),
        ry: (e.ry - thickness).max(0.5),
        ..e
    });
    let (ex, ey) = e.extents();
    fill_region(
        cv,
        (e.cx - ex, e.cy - ey, e.cx + ex, e.cy + ey),
        |x, y| {
            let (dx, dy) = (x - e.cx, y - e.cy);
            let co = outer.coverage(dx, dy, outer.q(dx, dy));
            let ci = inner.coverage(dx, dy, inner.q(dx, dy));
            (co - ci).max(0.0)
        },
        paint,
    );
}

/// Fills a convex polygon (any winding) with anti-aliased edges.
pub(crate) fn fill_convex(cv: &mut Canvas<'_>, pts: &[(f32, f32)], paint: Paint) {
    if pts.len() < 3 {
        return;
    }
    let area: f32 = pts
        .iter()
        .zip(pts.iter().cycle().skip(1))
        .map(|(a, b)| a.0 * b.1 - b.0 * a.1)
        .sum();
    let sign = if area >= 0.0 { 1.0 } else { -1.0 };
    // Outward unit normals n and offsets d: distance outside = n·p − d.
    let edges: Vec<(f32, f32, f32)> = pts
        .iter()
        .zip(pts.iter().cycle().skip(1))
        .filter_map(|(a, b)| {
            let (ex, ey) = (b.0 - a.0, b.1 - a.1);
            let len = (ex * ex + ey * ey).sqrt();
            (len > 1e-6).then(|| {
                let (nx, ny) = (sign * ey / len, -sign * ex / len);
                (nx, ny, nx * a.0 + ny * a.1)
            })
        })
        .collect();
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for p in pts {
        x0 = x0.min(p.0);
        y0 = y0.min(p.1);
        x1 = x1.max(p.0);
        y1 = y1.max(p.1);
    }
    fill_region(
        cv,
        (x0, y0, x1, y1),
        |x, y| {
            let d = edges
                .iter()
                .map(|(nx, ny, d)| nx * x + ny * y - d)
                .fold(f32::MIN, f32::max);
            (0.5 - d).clamp(0.0, 1.0)
        },
        paint,
    );
}

/// A thick line segment with square caps.
pub(crate) fn fill_segment(
    cv: &mut Canvas<'_>,
    a: (f32, f32),
    b: (f32, f32),
    width: f32,
    paint: Paint,
) {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len = (dx * dx + dy * dy).sqrt().max(1e-6);
    let (nx, ny) = (-dy / len * width * 0.5, dx / len * width * 0.5);
    fill_convex(
        cv,
        &[
            (a.0 + nx, a.1 + ny),
            (b.0 + nx, b.1 + ny),
            (b.0 - nx, b.1 - ny),
            (a.0 - nx, a.1 - ny),
        ],
        paint,
    );
}

fn fill_region(
    cv: &mut Canvas<'_>,
    bbox: (f32, f32, f32, f32),
    coverage: impl Fn(f32, f32) -> f32,
    paint: Paint,
) {
    let x0 = (bbox.0 - 1.0).floor().max(0.0) as usize;
    let y0 = (bbox.1 - 1.0).floor().max(0.0) as usize;
    let x1 = ((bbox.2 + 1.0).ceil().max(0.0) as usize).min(cv.w);
    let y1 = ((bbox.3 + 1.0).ceil().max(0.0) as usize).min(cv.h);
    let w = cv.w;
    for y in y0..y1 {
        let row = &mut cv.px[y * w * 3..(y + 1) * w * 3];
        for x in x0..x1 {
            let cov = coverage(x as f32 + 0.5, y as f32 + 0.5);
            if cov > 0.0 {
                blend(&mut row[x * 3..x * 3 + 3], paint.color, cov * paint.opacity);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canvas(buf: &mut [u8], w: usize, h: usize) -> Canvas<'_> {
        Canvas { px: buf, w, h }
    }

    #[test]
    fn ellipse_area_matches_analytic_area() {
        let (w, h) = (200, 200);
        let mut buf = vec![0u8; w * h * 3];
        let e = Ellipse {
            cx: 100.3,
            cy: 95.7,
            rx: 60.0,
            ry: 35.0,
            angle: 0.6,
        };
        fill_ellipse(
            &mut canvas(&mut buf, w, h),
            e,
            Paint::solid([255.0, 255.0, 255.0]),
        );
        let covered: f32 = buf.chunks_exact(3).map(|p| p[0] as f32 / 255.0).sum();
        let expected = std::f32::consts::PI * 60.0 * 35.0;
        assert!(
            (covered - expected).abs() / expected < 0.01,
            "{covered} vs {expected}"
        );
        // Edges are anti-aliased: some pixels are partially covered.
        assert!(buf.chunks_exact(3).any(|p| p[0] > 20 && p[0] < 235));
    }

    #[test]
    fn solid_span_fast_path_matches_per_pixel_path() {
        let (w, h) = (160, 120);
        let e = Ellipse {
            cx: 70.3,
            cy: 61.8,
            rx: 50.0,
            ry: 33.0,
            angle: -0.4,
        };
        let mut fast = vec![10u8; w * h * 3];
        let mut slow = vec![10u8; w * h * 3];
        fill_ellipse(
            &mut canvas(&mut fast, w, h),
            e,
            Paint::solid([200.0, 100.0, 50.0]),
        );
        // Opacity just below the fast-path threshold forces the per-pixel path.
        let p = Paint::solid([200.0, 100.0, 50.0]).with_opacity(0.9989);
        fill_ellipse(&mut canvas(&mut slow, w, h), e, p);
        let diff = fast
            .iter()
            .zip(&slow)
            .map(|(a, b)| (*a as i32 - *b as i32).abs())
            .max()
            .unwrap();
        assert!(diff <= 1, "max difference {diff}");
        // Clipped at the canvas border without panicking.
        let e = Ellipse {
            cx: -5.0,
            cy: 130.0,
            rx: 60.0,
            ry: 40.0,
            angle: 0.2,
        };
        fill_ellipse(
            &mut canvas(&mut fast, w, h),
            e,
            Paint::solid([1.0, 2.0, 3.0]),
        );
    }

    #[test]
    fn convex_polygon_area_and_clipping() {
        let (w, h) = (50, 50);
        let mut buf = vec![0u8; w * h * 3];
        // Square 10..30 (area 400) given clockwise, plus a triangle partly outside the canvas.
        fill_convex(
            &mut canvas(&mut buf, w, h),
            &[(10.0, 10.0), (10.0, 30.0), (30.0, 30.0), (30.0, 10.0)],
            Paint::solid([255.0, 0.0, 0.0]),
        );
        let covered: f32 = buf.chunks_exact(3).map(|p| p[0] as f32 / 255.0).sum();
        assert!((covered - 400.0).abs() < 4.0, "{covered}");
        fill_convex(
            &mut canvas(&mut buf, w, h),
            &[(-20.0, -20.0), (80.0, 40.0), (40.0, 90.0)],
            Paint::solid([0.0, 255.0, 0.0]),
        );
    }

    #[test]
    fn ring_leaves_the_centre_untouched() {
        let (w, h) = (100, 100);
        let mut buf = vec![0u8; w * h * 3];
        let e = Ellipse {
            cx: 50.0,
            cy: 50.0,
            rx: 30.0,
            ry: 20.0,
            angle: 0.0,
        };
        fill_ring(
            &mut canvas(&mut buf, w, h),
            e,
            4.0,
            Paint::solid([200.0, 200.0, 200.0]),
        );
        let at = |x: usize, y: usize| buf[(y * w + x) * 3];
        assert_eq!(at(50, 50), 0);
        assert_eq!(at(78, 50), 200);
        assert_eq!(at(50, 32), 200);
        assert_eq!(at(95, 50), 0);
    }
}
