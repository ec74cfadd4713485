//! Decoding photos from files or memory: format sniffing, EXIF orientation, alpha flattening and size limits
//! that are enforced from the header, before any pixel buffer is allocated.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use image::{DynamicImage, ImageDecoder, ImageReader, RgbImage};

/// Upper bounds on what a decode may allocate.
#[derive(Debug, Clone, Copy)]
pub struct DecodeLimits {
    /// Largest accepted width or height in pixels.
    pub max_side: u32,
    /// Largest accepted pixel count (width × height).
    pub max_pixels: u64,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        // A 61-megapixel full-frame DSLR (9504×6336) fits; a 20000×20000 bomb does not.
        Self {
            max_side: 12_000,
            max_pixels: 80_000_000,
        }
    }
}

/// Why an image could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum ImagingError {
    /// The file does not exist.
    #[error("{path}: file not found")]
    NotFound {
        /// The missing file.
        path: PathBuf,
    },
    /// The file exists but could not be read.
    #[error("{path}: cannot read file: {source}")]
    Io {
        /// The unreadable file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The data is empty.
    #[error("{origin}: file is empty")]
    Empty {
        /// File name or "<memory>".
        origin: String,
    },
    /// The data is not in a supported image format.
    #[error("{origin}: not a JPEG or PNG image")]
    NotAnImage {
        /// File name or "<memory>".
        origin: String,
    },
    /// The header announces more pixels than the limits allow.
    #[error(
        "{origin}: image is {width}×{height}, larger than the {max_side} px / {max_mp} MP limit"
    )]
    TooLarge {
        /// File name or "<memory>".
        origin: String,
        /// Announced width.
        width: u32,
        /// Announced height.
        height: u32,
        /// Limit on either side.
        max_side: u32,
        /// Limit in megapixels.
        max_mp: u64,
    },
    /// The image data is corrupt or truncated.
    #[error("{origin}: damaged or truncated image: {detail}")]
    Corrupt {
        /// File name or "<memory>".
        origin: String,
        /// The decoder's description.
        detail: String,
    },
}

/// Reads and decodes an image file to RGB, honouring EXIF orientation.
pub fn decode_file(path: &Path, limits: DecodeLimits) -> Result<RgbImage, ImagingError> {
    let bytes = std::fs::read(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            ImagingError::NotFound {
                path: path.to_path_buf(),
            }
        } else {
            ImagingError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    })?;
    decode_bytes(&bytes, &path.display().to_string(), limits)
}

/// Decodes an in-memory JPEG or PNG to RGB, honouring EXIF orientation and flattening alpha onto white.
/// `origin` names the data in error messages.
pub fn decode_bytes(
    bytes: &[u8],
    origin: &str,
    limits: DecodeLimits,
) -> Result<RgbImage, ImagingError> {
    let origin = origin.to_string();
    if bytes.is_empty() {
        return Err(ImagingError::Empty { origin });
    }
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| ImagingError::Corrupt {
            origin: origin.clone(),
            detail: e.to_string(),
        })?;
    match reader.format() {
        Some(image::ImageFormat::Jpeg) if !jpeg_is_complete(bytes) => {
            return Err(ImagingError::Corrupt {
                origin,
                detail: "the file ends before the end-of-image marker".into(),
            });
        }
        Some(image::ImageFormat::Jpeg | image::ImageFormat::Png) => {}
        _ => return Err(ImagingError::NotAnImage { origin }),
    }
    let mut decoder = reader.into_decoder().map_err(|e| ImagingError::Corrupt {
        origin: origin.clone(),
        detail: e.to_string(),
    })?;
    let (width, height) = decoder.dimensions();
    if width == 0
        || height == 0
        || width > limits.max_side
        || height > limits.max_side
        || u64::from(width) * u64::from(height) > limits.max_pixels
    {
        return Err(ImagingError::TooLarge {
            origin,
            width,
            height,
            max_side: limits.max_side,
            max_mp: limits.max_pixels / 1_000_000,
        });
    }
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(|e| ImagingError::Corrupt {
        origin: origin.clone(),
        detail: e.to_string(),
    })?;
    img.apply_orientation(orientation);
    Ok(flatten_to_rgb(img))
}

/// Walks the JPEG header segments to the first scan, then looks for the end-of-image marker after it.
/// (Lenient decoders fill a truncated scan with grey instead of failing.)
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let mut i = 2;
    while i + 4 <= bytes.len() {
        if bytes[i] != 0xFF {
            return false;
        }
        let marker = bytes[i + 1];
        if marker == 0xFF {
            i += 1;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
        if marker == 0xDA {
            return bytes[i + 2 + len.min(bytes.len() - i - 2)..]
                .windows(2)
                .any(|w| w == [0xFF, 0xD9]);
        }
        i += 2 + len;
    }
    false
}

/// Converts to 8-bit RGB; transparent pixels are composited over white.
fn flatten_to_rgb(img: DynamicImage) -> RgbImage {
    if !img.color().has_alpha() {
        return img.to_rgb8();
    }
    let rgba = img.to_rgba8();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let p = rgba.get_pixel(x, y).0;
        let a = u16::from(p[3]);
        let blend = |c: u8| ((u16::from(c) * a + 255 * (255 - a) + 127) / 255) as u8;
        image::Rgb([blend(p[0]), blend(p[1]), blend(p[2])])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_bytes(img: &DynamicImage) -> Vec<u8> {
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn alpha_is_flattened_on_white() {
        let mut rgba = image::RgbaImage::new(2, 1);
        rgba.put_pixel(0, 0, image::Rgba([0, 0, 0, 0]));
        rgba.put_pixel(1, 0, image::Rgba([10, 20, 30, 255]));
        let out = decode_bytes(
            &png_bytes(&DynamicImage::ImageRgba8(rgba)),
            "t",
            DecodeLimits::default(),
        )
        .unwrap();
        assert_eq!(out.get_pixel(0, 0).0, [255, 255, 255]);
        assert_eq!(out.get_pixel(1, 0).0, [10, 20, 30]);
    }

    #[test]
    fn empty_and_garbage_are_named() {
        let lim = DecodeLimits::default();
        assert!(matches!(
            decode_bytes(b"", "a.jpg", lim),
            Err(ImagingError::Empty { .. })
        ));
        let err = decode_bytes(b"hello, not an image", "a.txt", lim).unwrap_err();
        assert!(matches!(err, ImagingError::NotAnImage { .. }));
        assert!(err.to_string().starts_with("a.txt"));
    }

    #[test]
    fn truncated_jpeg_is_corrupt() {
        let mut jpeg = Vec::new();
        DynamicImage::ImageRgb8(RgbImage::from_fn(64, 48, |x, y| {
            image::Rgb([x as u8, y as u8, 9])
        }))
        .write_to(&mut Cursor::new(&mut jpeg), image::ImageFormat::Jpeg)
        .unwrap();
        assert!(decode_bytes(&jpeg, "ok.jpg", DecodeLimits::default()).is_ok());
        let cut = &jpeg[..jpeg.len() * 2 / 3];
        assert!(matches!(
            decode_bytes(cut, "cut.jpg", DecodeLimits::default()),
            Err(ImagingError::Corrupt { .. })
        ));
    }

    #[test]
    fn limits_refuse_before_allocating() {
        let img = DynamicImage::ImageRgb8(RgbImage::new(40, 30));
        let lim = DecodeLimits {
            max_side: 32,
            max_pixels: 10_000,
        };
        let err = decode_bytes(&png_bytes(&img), "big.png", lim).unwrap_err();
        assert!(matches!(
            err,
            ImagingError::TooLarge {
                width: 40,
                height: 30,
                ..
            }
        ));
    }
}
