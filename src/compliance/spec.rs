//! `PhotoSpec`: the CHSI photo standard's numbers (photo-standard.md) with every value configurable as the
//! `[spec]` section of the station config.

use serde::{Deserialize, Serialize};

use crate::imaging::JpegTarget;

/// A warn/fail threshold pair for a measured value where larger is worse.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limit {
    /// At or above this the check warns.
    pub warn: f64,
    /// At or above this the check fails.
    pub fail: f64,
}

impl Limit {
    const fn new(warn: f64, fail: f64) -> Self {
        Self { warn, fail }
    }
}

/// An inclusive `[min, max]` range.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Range {
    /// Lowest accepted value.
    pub min: f64,
    /// Highest accepted value.
    pub max: f64,
}

impl Range {
    const fn new(min: f64, max: f64) -> Self {
        Self { min, max }
    }
    /// True when `v` lies inside the range.
    pub fn contains(&self, v: f64) -> bool {
        v >= self.min && v <= self.max
    }
}

/// Which glasses rule applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum GlassesRule {
    /// The capture notice: no glasses at all (default).
    #[default]
    Forbidden,
    /// The national standard: untinted glasses without glare are allowed.
    National,
}

/// The accepted backdrop colour.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BackgroundSpec {
    /// Reference colour (sRGB); its lightness sets the exposure reference.
    pub reference_rgb: [u8; 3],
    /// Accepted hue in degrees.
    pub hue_deg: Range,
    /// Accepted HSL saturation, 0–1.
    pub saturation: Range,
    /// Accepted HSL lightness, 0–1.
    pub lightness: Range,
}

impl Default for BackgroundSpec {
    /// Light blue RGB(100,197,255) with room for webcam white balance.
    fn default() -> Self {
        Self {
            reference_rgb: [100, 197, 255],
            hue_deg: Range::new(190.0, 218.0),
            saturation: Range::new(0.45, 1.0),
            lightness: Range::new(0.56, 0.86),
        }
    }
}

impl BackgroundSpec {
    /// A range that also admits the deeper blue RGB(67,142,219) some schools use.
    pub fn light_or_deeper_blue() -> Self {
        Self {
            lightness: Range::new(0.45, 0.86),
            hue_deg: Range::new(190.0, 222.0),
            ..Self::default()
        }
    }
}

/// Warn/fail thresholds of every check (photo-standard.md gives the hard numbers; these are the tolerances).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// Backdrop: spread of cell mean colours (0–255 RGB distance).
    pub background_uniformity: Limit,
    /// Backdrop: area of foreign objects as a share of the backdrop.
    pub background_objects: Limit,
    /// Exposure: |log2(backdrop luminance / reference luminance)| in stops.
    pub exposure_stops: Limit,
    /// Exposure: share of skin pixels clipped (any channel ≥ 250).
    pub skin_clipped: Limit,
    /// Lighting: |L − R| / max(L, R) of the face halves' median luminance.
    pub lighting_imbalance: Limit,
    /// Horizontal centring: |face centre − output centre| in output px.
    pub centre_offset_px: Limit,
    /// Roll: eye-line angle in degrees.
    pub roll_deg: Limit,
    /// Yaw: eye-midpoint offset from the face centre ÷ face width.
    pub yaw_offset: Limit,
    /// Sharpness: blur score (higher is blurrier, see `checks::sharpness`).
    pub blur: Limit,
    /// Eyes: smaller eye opening ÷ face width; below `fail` fails, below `warn` warns.
    pub eye_opening: Limit,
    /// Mouth: mouth opening ÷ face width.
    pub mouth_opening: Limit,
    /// Glasses: frame/tint evidence score 0–1.
    pub glasses_score: Limit,
    /// Occlusion: share of the expected bare-skin area covered by something else.
    pub occlusion: Limit,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            background_uniformity: Limit::new(28.0, 45.0),
            background_objects: Limit::new(0.004, 0.012),
            exposure_stops: Limit::new(0.45, 0.75),
            skin_clipped: Limit::new(0.04, 0.12),
            lighting_imbalance: Limit::new(0.10, 0.16),
            centre_offset_px: Limit::new(18.0, 36.0),
            roll_deg: Limit::new(4.0, 7.0),
            yaw_offset: Limit::new(0.08, 0.12),
            blur: Limit::new(0.72, 0.80),
            eye_opening: Limit::new(0.055, 0.040),
            mouth_opening: Limit::new(0.060, 0.085),
            glasses_score: Limit::new(0.35, 0.6),
            occlusion: Limit::new(0.22, 0.35),
        }
    }
}

/// The photo standard. All fields default to the CHSI values; embed as `[spec]` in the config file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PhotoSpec {
    /// Output width in px (480).
    pub width: u32,
    /// Output height in px (640).
    pub height: u32,
    /// Density written into the JPEG (300 dpi).
    pub dpi: u16,
    /// Lowest JPEG quality factor (60).
    pub min_quality: u8,
    /// Smallest JPEG file in KiB (20).
    pub min_kb: u32,
    /// Largest JPEG file in KiB (40).
    pub max_kb: u32,
    /// Crown (top of the hair) to the top edge, output px (50–110).
    pub crown_margin_px: Range,
    /// Eye line from the top edge, output px (200–300).
    pub eye_line_px: Range,
    /// Face width, output px (180–300).
    pub face_width_px: Range,
    /// Largest allowed enlargement when cropping (1.0 = never upscale).
    pub max_upscale: f64,
    /// Accepted backdrop colour.
    pub background: BackgroundSpec,
    /// Glasses rule.
    pub glasses: GlassesRule,
    /// Per-check tolerances.
    pub thresholds: Thresholds,
}

impl Default for PhotoSpec {
    fn default() -> Self {
        Self {
            width: 480,
            height: 640,
            dpi: 300,
            min_quality: 60,
            min_kb: 20,
            max_kb: 40,
            crown_margin_px: Range::new(50.0, 110.0),
            eye_line_px: Range::new(200.0, 300.0),
            face_width_px: Range::new(180.0, 300.0),
            max_upscale: 1.0,
            background: BackgroundSpec::default(),
            glasses: GlassesRule::Forbidden,
            thresholds: Thresholds::default(),
        }
    }
}

/// A `PhotoSpec` field whose value is inconsistent.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("spec.{field}: {problem}")]
pub struct SpecError {
    /// Dotted field path inside `[spec]`.
    pub field: String,
    /// What is wrong.
    pub problem: String,
}

fn err(field: &str, problem: impl Into<String>) -> SpecError {
    SpecError {
        field: field.to_string(),
        problem: problem.into(),
    }
}

fn check_range(field: &str, r: &Range, lo: f64, hi: f64) -> Result<(), SpecError> {
    if !(r.min.is_finite() && r.max.is_finite()) {
        return Err(err(field, "min and max must be finite numbers"));
    }
    if r.min > r.max {
        return Err(err(
            field,
            format!("min {} is greater than max {}", r.min, r.max),
        ));
    }
    if r.min < lo || r.max > hi {
        return Err(err(field, format!("must lie within {lo}–{hi}")));
    }
    Ok(())
}

impl PhotoSpec {
    /// The JPEG size/quality/density target for the encoder.
    pub fn jpeg_target(&self) -> JpegTarget {
        JpegTarget {
            min_quality: self.min_quality,
            min_bytes: self.min_kb as usize * 1024,
            max_bytes: self.max_kb as usize * 1024,
            dpi: self.dpi,
        }
    }

    /// Checks that the numbers are consistent; names the first offending field.
    pub fn validate(&self) -> Result<(), SpecError> {
        if !(64..=4000).contains(&self.width) {
            return Err(err("width", "must be 64–4000 px"));
        }
        if !(64..=4000).contains(&self.height) {
            return Err(err("height", "must be 64–4000 px"));
        }
        if self.dpi == 0 {
            return Err(err("dpi", "must be positive"));
        }
        if !(1..=100).contains(&self.min_quality) {
            return Err(err("min_quality", "must be 1–100"));
        }
        if self.min_kb > self.max_kb {
            return Err(err(
                "min_kb",
                format!("{} is greater than max_kb {}", self.min_kb, self.max_kb),
            ));
        }
        if self.max_kb == 0 {
            return Err(err("max_kb", "must be positive"));
        }
        let (w, h) = (f64::from(self.width), f64::from(self.height));
        check_range("crown_margin_px", &self.crown_margin_px, 0.0, h)?;
        check_range("eye_line_px", &self.eye_line_px, 0.0, h)?;
        check_range("face_width_px", &self.face_width_px, 1.0, w)?;
        if self.eye_line_px.max <= self.crown_margin_px.min {
            return Err(err(
                "eye_line_px",
                "eye line must lie below the crown margin",
            ));
        }
        if !(self.max_upscale.is_finite() && self.max_upscale >= 1.0) {
            return Err(err("max_upscale", "must be a number ≥ 1.0"));
        }
        let bg = &self.background;
        check_range("background.hue_deg", &bg.hue_deg, 0.0, 360.0)?;
        check_range("background.saturation", &bg.saturation, 0.0, 1.0)?;
        check_range("background.lightness", &bg.lightness, 0.0, 1.0)?;
        let t = &self.thresholds;
        let larger_is_worse = [
            ("thresholds.background_uniformity", t.background_uniformity),
            ("thresholds.background_objects", t.background_objects),
            ("thresholds.exposure_stops", t.exposure_stops),
            ("thresholds.skin_clipped", t.skin_clipped),
            ("thresholds.lighting_imbalance", t.lighting_imbalance),
            ("thresholds.centre_offset_px", t.centre_offset_px),
            ("thresholds.roll_deg", t.roll_deg),
            ("thresholds.yaw_offset", t.yaw_offset),
            ("thresholds.blur", t.blur),
            ("thresholds.mouth_opening", t.mouth_opening),
            ("thresholds.glasses_score", t.glasses_score),
            ("thresholds.occlusion", t.occlusion),
        ];
        for (name, l) in larger_is_worse {
            if !(l.warn.is_finite() && l.fail.is_finite()) || l.warn < 0.0 {
                return Err(err(name, "warn and fail must be non-negative numbers"));
            }
            if l.warn > l.fail {
                return Err(err(
                    name,
                    format!("warn {} is greater than fail {}", l.warn, l.fail),
                ));
            }
        }
        let e = t.eye_opening;
        if !(e.warn.is_finite() && e.fail.is_finite()) || e.fail < 0.0 || e.fail > e.warn {
            return Err(err(
                "thresholds.eye_opening",
                "smaller is worse: need 0 ≤ fail ≤ warn",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_standard_and_valid() {
        let s = PhotoSpec::default();
        s.validate().unwrap();
        assert_eq!(
            (s.width, s.height, s.dpi, s.min_quality),
            (480, 640, 300, 60)
        );
        let t = s.jpeg_target();
        assert_eq!(
            (t.min_bytes, t.max_bytes, t.min_quality, t.dpi),
            (20 * 1024, 40 * 1024, 60, 300)
        );
        assert_eq!(s.glasses, GlassesRule::Forbidden);
    }

    #[test]
    fn validate_names_the_field() {
        let s = PhotoSpec {
            crown_margin_px: Range::new(120.0, 50.0),
            ..PhotoSpec::default()
        };
        assert_eq!(s.validate().unwrap_err().field, "crown_margin_px");
        let s = PhotoSpec {
            min_kb: 50,
            ..PhotoSpec::default()
        };
        assert_eq!(s.validate().unwrap_err().field, "min_kb");
        let mut s = PhotoSpec::default();
        s.thresholds.roll_deg = Limit::new(9.0, 3.0);
        assert_eq!(s.validate().unwrap_err().field, "thresholds.roll_deg");
    }

    #[test]
    fn serde_defaults_and_unknown_fields() {
        let s: PhotoSpec = toml::from_str(
            "glasses = \"national\"\n[background]\nlightness = { min = 0.4, max = 0.9 }\n",
        )
        .unwrap();
        assert_eq!(s.glasses, GlassesRule::National);
        assert_eq!(s.background.lightness.min, 0.4);
        assert_eq!(s.width, 480);
        assert!(toml::from_str::<PhotoSpec>("widht = 3\n").is_err());
        let back: PhotoSpec =
            toml::from_str(&toml::to_string(&PhotoSpec::default()).unwrap()).unwrap();
        assert_eq!(back, PhotoSpec::default());
    }
}
