//! The spec JPEG encoder: searches the quality so the file lands inside the size window, never below the
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

/// Encodes `img` at the highest quality whose size is within `target.max_bytes` (binary search over
/// `min_quality..=100`).
pub fn encode_spec_jpeg(img: &RgbImage, target: &JpegTarget) -> Result<EncodedJpeg, JpegError> {
    let (mut lo, mut hi) = (target.min_quality.clamp(1, 100), 100u8);
    let at_min = encode_at(img, lo, target.dpi)?;
    if at_min.len() > target.max_bytes {
        return Err(JpegError::TooLargeAtMinQuality {
            bytes: at_min.len(),
            quality: lo,
            max: target.max_bytes,
        });
    }
    let mut best = (lo, at_min);
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        let bytes = encode_at(img, mid, target.dpi)?;
        if bytes.len() <= target.max_bytes {
            lo = mid;
            best = (mid, bytes);
        } else {
            hi = mid - 1;
        }
    }
    let (quality, bytes) = best;
    Ok(EncodedJpeg {
        under_min_size: bytes.len() < target.min_bytes,
        quality,
        bytes,
    })
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
