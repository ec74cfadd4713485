//! Planning the 480×640 spec crop from the measurements (face width, eye line, crown) and cutting it.

use image::{Rgb, RgbImage};

use super::ComplianceError;
use super::checks::OutputGeometry;
use super::measure::{FaceGeometry, Measurements, NormRect, Oval};
use super::spec::PhotoSpec;

/// A crop box in source pixels and its scale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CropPlan {
    /// Left edge (source px).
    pub x: f64,
    /// Top edge (source px).
    pub y: f64,
    /// Width (source px).
    pub w: f64,
    /// Height (source px).
    pub h: f64,
    /// Output px per source px.
    pub scale: f64,
}

/// Plans the crop that places the head per spec, clamped into the frame; also returns where the subject
/// lands in the output.
pub(crate) fn plan(m: &Measurements, spec: &PhotoSpec) -> (CropPlan, OutputGeometry) {
    let (fw_, fh_) = (f64::from(m.width), f64::from(m.height));
    let (ow, oh) = (f64::from(spec.width), f64::from(spec.height));
    let fit_scale = (ow / fw_).max(oh / fh_);
    if !m.person || m.face_width <= 1.0 {
        let s = fit_scale;
        let (w, h) = (ow / s, oh / s);
        let p = CropPlan {
            x: (fw_ - w) / 2.0,
            y: (fh_ - h) / 2.0,
            w,
            h,
            scale: s,
        };
        let g = OutputGeometry {
            crown_margin: 0.0,
            eye_line: 0.0,
            face_width: 0.0,
            centre_offset: 0.0,
            scale: s,
            as_is_size: None,
        };
        return (p, g);
    }
    let (cm, el, fr) = (spec.crown_margin_px, spec.eye_line_px, spec.face_width_px);
    let (crown, eye, fcx, fw) = (m.crown_y, m.eye_line_y(), m.face_cx, m.face_width);
    // The scales that give an allowed face width, within the enlargement limit and the frame. A face too
    // small for the limit keeps the smallest allowed width (then only `resolution` fails); one too large
    // for the frame keeps the frame (then `head_size` fails).
    let s_lo = (fr.min * 1.01 / fw).max(fit_scale);
    let s_hi = (fr.max * 0.99 / fw).min(spec.max_upscale).max(s_lo);
    let s_pref = ((fr.min + fr.max) / 2.0 / fw).clamp(s_lo, s_hi);
    // Place the crop for one scale: the top edge inside both the crown and the eye-line windows when
    // possible, the head centred, both clamped into the frame. Cost: how far the result misses the
    // windows and the centre, in output px, plus a small pull towards the preferred face width.
    let place = |s: f64| {
        let (w, h) = (ow / s, oh / s);
        let t_crown = (crown - cm.max / s, crown - cm.min / s);
        let t_eye = (eye - el.max / s, eye - el.min / s);
        let (lo, hi) = (t_crown.0.max(t_eye.0), t_crown.1.min(t_eye.1));
        let pref = crown - (cm.min + cm.max) / 2.0 / s;
        let top = if lo <= hi {
            pref.clamp(lo, hi)
        } else {
            (lo + hi) / 2.0
        };
        let top = top.clamp(0.0, (fh_ - h).max(0.0));
        let left = (fcx - ow / 2.0 / s).clamp(0.0, (fw_ - w).max(0.0));
        let outside = |v: f64, r: &super::spec::Range| (r.min - v).max(0.0) + (v - r.max).max(0.0);
        let g = OutputGeometry {
            crown_margin: (crown - top) * s,
            eye_line: (eye - top) * s,
            face_width: fw * s,
            centre_offset: (fcx - left) * s - ow / 2.0,
            scale: s,
            as_is_size: None,
        };
        let cost = outside(g.crown_margin, &cm)
            + outside(g.eye_line, &el)
            + g.centre_offset.abs()
            + 0.02 * (fw * s - (fr.min + fr.max) / 2.0).abs();
        (
            CropPlan {
                x: left,
                y: top,
                w,
                h,
                scale: s,
            },
            g,
            cost,
        )
    };
    let mut best = place(s_pref);
    for i in 0..=24 {
        let cand = place(s_lo + (s_hi - s_lo) * f64::from(i) / 24.0);
        if cand.2 < best.2 - 1e-9 {
            best = cand;
        }
    }
    (best.0, best.1)
}

/// Plans the crop for measurements of a frame (see [`crop_to_spec`]).
pub fn plan_crop(m: &Measurements, spec: &PhotoSpec) -> CropPlan {
    plan(m, spec).0
}

/// Overlay geometry in normalised frame coordinates.
pub(crate) fn geometry(m: &Measurements, p: &CropPlan) -> FaceGeometry {
    let (w, h) = (f64::from(m.width.max(1)), f64::from(m.height.max(1)));
    let head_h = 1.35 * m.head_width;
    FaceGeometry {
        head_oval: Oval {
            cx: m.head_cx / w,
            cy: (m.crown_y + head_h / 2.0) / h,
            rx: m.head_width / 2.0 / w,
            ry: head_h / 2.0 / h,
        },
        eye_left: [m.eyes[0][0] / w, m.eyes[0][1] / h],
        eye_right: [m.eyes[1][0] / w, m.eyes[1][1] / h],
        crown_y: m.crown_y / h,
        crop_box: NormRect {
            x: p.x / w,
            y: p.y / h,
            w: p.w / w,
            h: p.h / h,
        },
        crop_scale: p.scale,
    }
}

/// Separable area resample of `box` (source px) to `ow`×`oh`; bilinear where enlarging.
pub(crate) fn resample(img: &RgbImage, p: &CropPlan, ow: u32, oh: u32) -> RgbImage {
    let (sw, sh) = (img.width() as usize, img.height() as usize);
    let taps = |o: usize, start: f64, len: f64, n: usize, lim: usize| -> Vec<Vec<(usize, f32)>> {
        let step = len / n as f64;
        (0..o.min(n))
            .map(|i| {
                let (a, b) = (start + i as f64 * step, start + (i + 1) as f64 * step);
                let mut t = Vec::new();
                if step < 1.0 {
                    let c = (a + b) / 2.0 - 0.5;
                    let f = c.floor();
                    let wgt = (c - f) as f32;
                    let i0 = (f.max(0.0) as usize).min(lim - 1);
                    let i1 = ((f + 1.0).max(0.0) as usize).min(lim - 1);
                    t.push((i0, 1.0 - wgt));
                    t.push((i1, wgt));
                } else {
                    let mut x = a.floor();
                    while x < b {
                        let cov = (b.min(x + 1.0) - a.max(x)) as f32;
                        if cov > 0.0 {
                            t.push(((x.max(0.0) as usize).min(lim - 1), cov));
                        }
                        x += 1.0;
                    }
                    let s: f32 = t.iter().map(|v| v.1).sum();
                    t.iter_mut().for_each(|v| v.1 /= s.max(1e-6));
                }
                t
            })
            .collect()
    };
    let (ow_, oh_) = (ow as usize, oh as usize);
    let xt = taps(ow_, p.x, p.w, ow_, sw);
    let yt = taps(oh_, p.y, p.h, oh_, sh);
    let raw = img.as_raw();
    let mut out = RgbImage::new(ow, oh);
    let mut row = vec![0f32; sw * 3];
    for (oy, ty) in yt.iter().enumerate() {
        row.iter_mut().for_each(|v| *v = 0.0);
        let x_lo = xt.first().and_then(|t| t.first()).map_or(0, |v| v.0);
        let x_hi = xt
            .last()
            .and_then(|t| t.last())
            .map_or(sw, |v| v.0 + 1)
            .min(sw);
        for &(sy, wy) in ty {
            let base = sy * sw * 3;
            for x in x_lo..x_hi {
                for c in 0..3 {
                    row[x * 3 + c] += wy * f32::from(raw[base + x * 3 + c]);
                }
            }
        }
        for (ox, tx) in xt.iter().enumerate() {
            let mut acc = [0f32; 3];
            for &(sx, wx) in tx {
                for c in 0..3 {
                    acc[c] += wx * row[sx * 3 + c];
                }
            }
            out.put_pixel(
                ox as u32,
                oy as u32,
                Rgb(acc.map(|v| v.round().clamp(0.0, 255.0) as u8)),
            );
        }
    }
    out
}

/// Cuts the spec photo out of a full frame using the crop box of `geometry` (from [`analyze_live`] or
/// [`final_check`]). Refuses to enlarge beyond `spec.max_upscale`.
///
/// [`analyze_live`]: super::analyze_live
pub fn crop_to_spec(
    img: &RgbImage,
    spec: &PhotoSpec,
    geometry: &FaceGeometry,
) -> Result<RgbImage, ComplianceError> {
    let (w, h) = (f64::from(img.width()), f64::from(img.height()));
    let b = geometry.crop_box;
    let plan = CropPlan {
        x: b.x * w,
        y: b.y * h,
        w: b.w * w,
        h: b.h * h,
        scale: f64::from(spec.width) / (b.w * w),
    };
    if !(plan.w >= 1.0 && plan.h >= 1.0 && plan.scale.is_finite())
        || img.width() < 16
        || img.height() < 16
    {
        return Err(ComplianceError::TooSmall {
            width: img.width(),
            height: img.height(),
        });
    }
    if plan.scale > spec.max_upscale + 1e-3 {
        return Err(ComplianceError::Upscale {
            scale: plan.scale,
            max: spec.max_upscale,
        });
    }
    Ok(resample(img, &plan, spec.width, spec.height))
}
