//! Centre crop to the output aspect ratio and downscale, for sources that carry no face geometry.

use image::RgbImage;
use image::imageops::{self, FilterType};

/// The source has fewer pixels than the output needs; upscaling is never done silently.
#[derive(Debug, thiserror::Error)]
#[error(
    "image is {width}×{height}; at least {need_w}×{need_h} real pixels are needed (it will not be upscaled)"
)]
pub struct TooSmall {
    /// Source width.
    pub width: u32,
    /// Source height.
    pub height: u32,
    /// Needed width.
    pub need_w: u32,
    /// Needed height.
    pub need_h: u32,
}

/// Crops the largest centred `out_w:out_h` region and downsamples it to exactly `out_w × out_h`.
pub fn fit_centre(img: &RgbImage, out_w: u32, out_h: u32) -> Result<RgbImage, TooSmall> {
    let (w, h) = img.dimensions();
    // Crop size with the output's aspect ratio, as large as the source allows.
    let (cw, ch) = if u64::from(w) * u64::from(out_h) > u64::from(h) * u64::from(out_w) {
        (
            (u64::from(h) * u64::from(out_w) / u64::from(out_h)) as u32,
            h,
        )
    } else {
        (
            w,
            (u64::from(w) * u64::from(out_h) / u64::from(out_w)) as u32,
        )
    };
    if cw < out_w || ch < out_h {
        return Err(TooSmall {
            width: w,
            height: h,
            need_w: out_w,
            need_h: out_h,
        });
    }
    let view = imageops::crop_imm(img, (w - cw) / 2, (h - ch) / 2, cw, ch).to_image();
    if (cw, ch) == (out_w, out_h) {
        return Ok(view);
    }
    Ok(imageops::resize(
        &view,
        out_w,
        out_h,
        FilterType::CatmullRom,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn landscape_is_centre_cropped_to_portrait() {
        let img = RgbImage::from_fn(1280, 720, |x, _| {
            image::Rgb([if x < 640 { 0 } else { 255 }, 0, 0])
        });
        let out = fit_centre(&img, 480, 640).unwrap();
        assert_eq!(out.dimensions(), (480, 640));
        assert!(out.get_pixel(100, 300)[0] < 20 && out.get_pixel(380, 300)[0] > 235);
    }

    #[test]
    fn never_upscales() {
        let err = fit_centre(&RgbImage::new(400, 600), 480, 640).unwrap_err();
        assert_eq!((err.width, err.height), (400, 600));
        assert!(fit_centre(&RgbImage::new(480, 640), 480, 640).is_ok());
    }
}
