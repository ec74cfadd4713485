//! Fast integer-factor box downscale for RGB8 images (area average of k×k blocks).
//!
//! Integer factors keep the mapping exact (`full = small × k`), which the analysis stages rely
//! on to map coordinates back to the full-resolution frame. A right/bottom remainder of fewer
//! than `k` pixels is dropped.

use std::ops::AddAssign;

use image::RgbImage;

/// Smallest integer factor `k ≥ 1` with `width / k ≤ max_width` and `height / k ≤ max_height`.
pub fn box_factor(width: u32, height: u32, max_width: u32, max_height: u32) -> u32 {
    let fx = width.div_ceil(max_width.max(1));
    let fy = height.div_ceil(max_height.max(1));
    fx.max(fy).max(1)
}

/// Downscales `src` by the integer factor `k` (box filter). `k == 0` is treated as 1.
pub fn box_downscale(src: &RgbImage, k: u32) -> RgbImage {
    let k = k.max(1);
    if k == 1 {
        return src.clone();
    }
    let (w, h) = src.dimensions();
    let (ow, oh) = (w / k, h / k);
    let mut out = RgbImage::new(ow, oh);
    if ow == 0 || oh == 0 {
        return out;
    }
    if k <= 16 {
        // k·k·255 ≤ 65 280 fits in u16.
        downscale_with::<u16>(
            src.as_raw(),
            w as usize,
            out.as_mut(),
            ow as usize,
            oh as usize,
            k,
        );
    } else {
        downscale_with::<u32>(
            src.as_raw(),
            w as usize,
            out.as_mut(),
            ow as usize,
            oh as usize,
            k,
        );
    }
    out
}

fn downscale_with<A>(src: &[u8], w: usize, out: &mut [u8], ow: usize, oh: usize, k: u32)
where
    A: Copy + Default + AddAssign + From<u8> + Into<u64>,
{
    let k = k as usize;
    let stride = w * 3;
    let used = ow * k * 3;
    let area = (k * k) as u64;
    // Fixed-point reciprocal with rounding: (s·inv + 2^23) >> 24 ≈ s / k².
    let inv = ((1u64 << 24) + area / 2) / area;
    let mut acc = vec![A::default(); used];
    for (oy, out_row) in out.chunks_exact_mut(ow * 3).take(oh).enumerate() {
        acc.fill(A::default());
        for r in 0..k {
            let start = (oy * k + r) * stride;
            let row = &src[start..start + used];
            for (a, &p) in acc.iter_mut().zip(row) {
                *a += A::from(p);
            }
        }
        match k {
            2 => horizontal::<A, 2>(&acc, out_row, inv),
            3 => horizontal::<A, 3>(&acc, out_row, inv),
            4 => horizontal::<A, 4>(&acc, out_row, inv),
            _ => horizontal_dyn(&acc, out_row, k, inv),
        }
    }
}

/// Sums `K` accumulated pixels per output pixel (unrolled for small factors) and divides.
#[inline]
fn horizontal<A: Copy + Into<u64>, const K: usize>(acc: &[A], out_row: &mut [u8], inv: u64) {
    for (block, px) in acc.chunks_exact(K * 3).zip(out_row.chunks_exact_mut(3)) {
        let (mut r, mut g, mut b) = (0u64, 0u64, 0u64);
        for j in 0..K {
            r += block[j * 3].into();
            g += block[j * 3 + 1].into();
            b += block[j * 3 + 2].into();
        }
        px[0] = ((r * inv + (1 << 23)) >> 24) as u8;
        px[1] = ((g * inv + (1 << 23)) >> 24) as u8;
        px[2] = ((b * inv + (1 << 23)) >> 24) as u8;
    }
}

fn horizontal_dyn<A: Copy + Into<u64>>(acc: &[A], out_row: &mut [u8], k: usize, inv: u64) {
    for (block, px) in acc.chunks_exact(k * 3).zip(out_row.chunks_exact_mut(3)) {
        let (mut r, mut g, mut b) = (0u64, 0u64, 0u64);
        for c in block.chunks_exact(3) {
            r += c[0].into();
            g += c[1].into();
            b += c[2].into();
        }
        px[0] = ((r * inv + (1 << 23)) >> 24) as u8;
        px[1] = ((g * inv + (1 << 23)) >> 24) as u8;
        px[2] = ((b * inv + (1 << 23)) >> 24) as u8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    #[test]
    fn factor_fits_both_dimensions() {
        assert_eq!(box_factor(1920, 1080, 1280, 720), 2);
        assert_eq!(box_factor(1920, 1080, 640, 360), 3);
        assert_eq!(box_factor(1280, 720, 1280, 720), 1);
        assert_eq!(box_factor(6000, 4000, 1280, 720), 6);
        assert_eq!(box_factor(10, 10, 0, 0), 10);
    }

    #[test]
    fn averages_blocks_exactly() {
        let mut img = RgbImage::new(4, 2);
        // Left 2×2 block: values 0, 10, 20, 30 -> mean 15; right block constant 200.
        let vals = [0u8, 10, 20, 30];
        for (i, (x, y)) in [(0, 0), (1, 0), (0, 1), (1, 1)].into_iter().enumerate() {
            img.put_pixel(x, y, Rgb([vals[i], 255 - vals[i], 7]));
        }
        for (x, y) in [(2, 0), (3, 0), (2, 1), (3, 1)] {
            img.put_pixel(x, y, Rgb([200, 100, 50]));
        }
        let out = box_downscale(&img, 2);
        assert_eq!(out.dimensions(), (2, 1));
        assert_eq!(out.get_pixel(0, 0).0, [15, 240, 7]);
        assert_eq!(out.get_pixel(1, 0).0, [200, 100, 50]);
    }

    #[test]
    fn remainder_is_dropped_and_large_factors_work() {
        let img = RgbImage::from_pixel(100, 70, Rgb([255, 128, 1]));
        let out = box_downscale(&img, 3);
        assert_eq!(out.dimensions(), (33, 23));
        assert!(out.pixels().all(|p| p.0 == [255, 128, 1]));
        let out = box_downscale(&img, 20);
        assert_eq!(out.dimensions(), (5, 3));
        assert!(out.pixels().all(|p| p.0 == [255, 128, 1]));
    }

    #[test]
    fn unrolled_paths_match_the_generic_path() {
        let img = RgbImage::from_fn(97, 61, |x, y| {
            Rgb([(x * 7 + y * 3) as u8, (x * y) as u8, (x ^ y) as u8])
        });
        for k in [2u32, 3, 4] {
            let fast = box_downscale(&img, k);
            let (ow, oh) = (97 / k, 61 / k);
            let mut slow = RgbImage::new(ow, oh);
            for (x, y, p) in slow.enumerate_pixels_mut() {
                for c in 0..3 {
                    let mut s = 0u32;
                    for dy in 0..k {
                        for dx in 0..k {
                            s += img.get_pixel(x * k + dx, y * k + dy).0[c] as u32;
                        }
                    }
                    p.0[c] = ((s as f64) / (k * k) as f64).round() as u8;
                }
            }
            for (a, b) in fast.pixels().zip(slow.pixels()) {
                for c in 0..3 {
                    assert!(
                        (a.0[c] as i32 - b.0[c] as i32).abs() <= 1,
                        "k={k}: {a:?} vs {b:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn factor_one_is_identity() {
        let img = RgbImage::from_fn(5, 3, |x, y| Rgb([x as u8, y as u8, 9]));
        assert_eq!(box_downscale(&img, 1), img);
        assert_eq!(box_downscale(&img, 0), img);
    }
}
