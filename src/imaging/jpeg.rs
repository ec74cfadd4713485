//! The spec JPEG encoder: predicts the quality so the file lands inside the size window, never below the
//! minimum quality, and writes the required pixel density.

use image::RgbImage;
use image::codecs::jpeg::{JpegEncoder, PixelDensity};

/// Size, quality and density rules for an output JPEG (photo-standard.md, "Output file").
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JpegTarget {
    /// Lowest JPEG quality factor allowed.
    pub min_quality: u8,
    /// Smallest file size in bytes.
    pub min_bytes: usize,
    /// Largest file size in bytes.
    pub max_bytes: usize,
    /// Pixel density written into the JFIF header.
    pub dpi: u16,
}

impl Default for JpegTarget {
    fn default() -> Self {
        Self {
            min_quality: 60,
            min_bytes: 20 * 1024,
            max_bytes: 40 * 1024,
            dpi: 300,
        }
    }
}

/// An encoded JPEG and how it was made.
#[derive(Debug, Clone)]
pub struct EncodedJpeg {
    /// The file contents.
    pub bytes: Vec<u8>,
    /// The quality factor used.
    pub quality: u8,
    /// True when even quality 100 stays under `min_bytes` (a very flat image; the caller decides).
    pub under_min_size: bool,
}

/// Why no JPEG inside the target could be produced.
#[derive(Debug, thiserror::Error)]
pub enum JpegError {
    /// Even the minimum quality exceeds the size limit (a very noisy or detailed image).
    #[error("JPEG is {bytes} bytes at the minimum quality {quality}, above the {max} byte limit")]
    TooLargeAtMinQuality {
        /// Size at minimum quality.
        bytes: usize,
        /// The minimum quality.
        quality: u8,
        /// The limit.
        max: usize,
    },
    /// The encoder failed.
    #[error("JPEG encoding failed: {0}")]
    Encode(String),
}

fn encode_at(img: &RgbImage, quality: u8, dpi: u16) -> Result<Vec<u8>, JpegError> {
    let mut out = Vec::with_capacity(48 * 1024);
    let mut enc = JpegEncoder::new_with_quality(&mut out, quality);
    enc.set_pixel_density(PixelDensity::dpi(dpi));
    enc.encode_image(img)
        .map_err(|e| JpegError::Encode(e.to_string()))?;
    Ok(out)
}

/// libjpeg's quantisation scale for a quality factor (percent of the base tables).
fn quant_scale(q: f64) -> f64 {
    if q < 50.0 {
        5000.0 / q
    } else {
        (200.0 - 2.0 * q).max(1.0)
    }
}

/// Encodes `img` within the size window without a blind search: one probe encode, then the quality is
/// predicted from a size model (log size is close to linear in the log of libjpeg's quantisation scale;
/// the slope starts from a prior and is refitted from every encode). Usually 2–3 encodes; the result is the
/// highest quality tried whose size fits `target.max_bytes`, never below `min_quality`.
pub fn encode_spec_jpeg(img: &RgbImage, target: &JpegTarget) -> Result<EncodedJpeg, JpegError> {
    let min_q = target.min_quality.clamp(1, 100);
    // Aim a little under the limit so one prediction usually lands inside the window.
    let aim = (target.max_bytes as f64 * 0.9).max(target.min_bytes as f64);
    let mut tried: Vec<(u8, Vec<u8>)> = Vec::new();
    let mut q = 85u8.max(min_q);
    for _ in 0..5 {
        let bytes = encode_at(img, q, target.dpi)?;
        tried.push((q, bytes));
        let fits = |b: &Vec<u8>| b.len() <= target.max_bytes;
        let best_fit = tried.iter().filter(|t| fits(&t.1)).map(|t| t.0).max();
        let lowest_over = tried.iter().filter(|t| !fits(&t.1)).map(|t| t.0).min();
        // Done when the best fitting quality is next to the lowest one that is too large, or close
        // enough to the aim, or at the ends of the range.
        if let Some(b) = best_fit {
            let size = tried.iter().find(|t| t.0 == b).map_or(0, |t| t.1.len());
            if b == 100 || lowest_over == Some(b + 1) || size as f64 >= aim * 0.93 {
                break;
            }
        } else if q == min_q {
            break;
        }
        // Fit log(size) = a + k·log(scale) through the last two points (prior slope with one point).
        let pts: Vec<(f64, f64)> = tried
            .iter()
            .rev()
            .take(2)
            .map(|t| {
                (
                    quant_scale(f64::from(t.0)).ln(),
                    (t.1.len().max(1) as f64).ln(),
                )
            })
            .collect();
        let k = match pts.as_slice() {
            [(x1, y1), (x0, y0)] if (x1 - x0).abs() > 1e-6 => {
                ((y1 - y0) / (x1 - x0)).clamp(-2.0, -0.2)
            }
            _ => -0.75,
        };
        let (x, y) = pts[0];
        let want = (x + (aim.ln() - y) / k).exp();
        // Invert the scale: scale = 200 − 2q for q ≥ 50.
        let mut next = if want >= 100.0 {
            5000.0 / want
        } else {
            (200.0 - want) / 2.0
        };
        next = next.round().clamp(f64::from(min_q), 100.0);
        let mut next = next as u8;
        if let Some(o) = lowest_over {
            next = next.min(o.saturating_sub(1)).max(min_q);
        }
        if let Some(b) = best_fit {
            next = next.max(b + 1);
        }
        if tried.iter().any(|t| t.0 == next) {
            break;
        }
        q = next;
    }
    match tried
        .iter()
        .filter(|t| t.1.len() <= target.max_bytes)
        .max_by_key(|t| t.0)
    {
        Some((quality, bytes)) => Ok(EncodedJpeg {
            under_min_size: bytes.len() < target.min_bytes,
            quality: *quality,
            bytes: bytes.clone(),
        }),
        None => {
            let at_min = match tried.iter().find(|t| t.0 == min_q) {
                Some(t) => t.1.len(),
                None => encode_at(img, min_q, target.dpi)?.len(),
            };
            if at_min <= target.max_bytes {
                // Unreachable in practice (min_q was not tried and fits): encode it.
                let bytes = encode_at(img, min_q, target.dpi)?;
                return Ok(EncodedJpeg {
                    under_min_size: bytes.len() < target.min_bytes,
                    quality: min_q,
                    bytes,
                });
            }
            Err(JpegError::TooLargeAtMinQuality {
                bytes: at_min,
                quality: min_q,
                max: target.max_bytes,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn textured(w: u32, h: u32, amp: u32) -> RgbImage {
        let mut state = 12345u32;
        RgbImage::from_fn(w, h, |x, y| {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let n = (state >> 16) % (amp + 1);
            let base = ((x * 255 / w) + (y * 255 / h)) / 2;
            let v = (base + n).min(255) as u8;
            image::Rgb([v, v.saturating_add(20), 200])
        })
    }

    #[test]
    fn lands_in_window_with_density() {
        let target = JpegTarget::default();
        let out = encode_spec_jpeg(&textured(480, 640, 12), &target).unwrap();
        assert!(
            out.bytes.len() <= target.max_bytes,
            "{} bytes",
            out.bytes.len()
        );
        assert!(out.quality >= 60);
        // JFIF APP0: units=1 (dpi), X density 300.
        let app0 = &out.bytes[2..20];
        assert_eq!(&app0[4..9], b"JFIF\0");
        assert_eq!(app0[11], 1);
        assert_eq!(u16::from_be_bytes([app0[12], app0[13]]), 300);
    }

    #[test]
    fn predicted_quality_is_close_to_the_best_that_fits() {
        let target = JpegTarget::default();
        for amp in [2, 6, 12, 20] {
            let img = textured(480, 640, amp);
            let out = encode_spec_jpeg(&img, &target).unwrap();
            // The exhaustive answer: the highest quality whose file fits.
            let best = (target.min_quality..=100)
                .rev()
                .find(|&q| encode_at(&img, q, target.dpi).unwrap().len() <= target.max_bytes)
                .unwrap();
            assert!(out.bytes.len() <= target.max_bytes, "amp {amp}");
            assert!(
                out.quality <= best && out.quality + 4 >= best,
                "amp {amp}: {} vs best {best}",
                out.quality
            );
        }
    }

    #[test]
    fn too_noisy_is_an_error_not_a_low_quality_file() {
        let target = JpegTarget {
            max_bytes: 5 * 1024,
            ..JpegTarget::default()
        };
        let err = encode_spec_jpeg(&textured(480, 640, 255), &target).unwrap_err();
        assert!(matches!(
            err,
            JpegError::TooLargeAtMinQuality { quality: 60, .. }
        ));
    }

    #[test]
    fn flat_image_is_flagged_under_min() {
        let out = encode_spec_jpeg(
            &RgbImage::from_pixel(480, 640, image::Rgb([100, 197, 255])),
            &JpegTarget::default(),
        )
        .unwrap();
        assert!(out.under_min_size);
        assert_eq!(out.quality, 100);
    }
}
