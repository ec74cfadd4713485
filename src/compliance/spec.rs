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

/// The accepted backdrop colours.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BackgroundSpec {
    /// Reference colour (sRGB), drawn on the review screen's empty backdrop.
    pub reference_rgb: [u8; 3],
    /// The blues accepted as backdrops (sRGB); exposure is measured against the one of nearest hue.
    pub accepted_rgb: Vec<[u8; 3]>,
    /// Accepted hue in degrees.
    pub hue_deg: Range,
    /// Accepted HSL saturation, 0–1.
    pub saturation: Range,
    /// Accepted HSL lightness, 0–1.
    pub lightness: Range,
}

impl Default for BackgroundSpec {
    /// The standard Chinese ID-photo blues — RGB(100,197,255), (67,142,219) and (0,191,243) — with room for
    /// ±15 % auto-exposure drift and webcam white balance.
    fn default() -> Self {
        Self {
            reference_rgb: [100, 197, 255],
            accepted_rgb: vec![[100, 197, 255], [67, 142, 219], [0, 191, 243]],
            hue_deg: Range::new(185.0, 222.0),
            saturation: Range::new(0.40, 1.0),
            lightness: Range::new(0.36, 0.86),
        }
    }
}

impl BackgroundSpec {
    /// Only the light blue RGB(100,197,255) (for schools that forbid the deeper blues).
    pub fn light_blue_only() -> Self {
        Self {
            accepted_rgb: vec![[100, 197, 255]],
            hue_deg: Range::new(190.0, 218.0),
            saturation: Range::new(0.45, 1.0),
            lightness: Range::new(0.56, 0.86),
            ..Self::default()
        }
    }
}

/// Warn/fail thresholds of every check (photo-standard.md gives the hard numbers; these are the tolerances,
/// calibrated on real people: see `benches/compliance_real.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// Backdrop: spread of cell mean colours (0–255 RGB distance).
    pub background_uniformity: Limit,
    /// Backdrop: area of foreign objects as a share of the backdrop.
    pub background_objects: Limit,
    /// Backdrop: a shadow beside the person, in stops darker than the backdrop farther out.
    pub background_shadow_stops: Limit,
    /// Exposure: |log2(backdrop luminance / accepted blue's luminance)| in stops.
    pub exposure_stops: Limit,
    /// Exposure: share of skin samples clipped (any channel ≥ 250).
    pub skin_clipped: Limit,
    /// Lighting: |left-to-right slope of the skin's luminance| in stops per face width, linear light (2.3 is
    /// about a 3:1 light ratio between the cheeks).
    pub lighting_stops: Limit,
    /// Horizontal centring: |face centre − output centre| in output px.
    pub centre_offset_px: Limit,
    /// Crown margin and eye line: how far outside their ranges (output px) warns and fails; a few px
    /// over is a warning, as photographers and the CHSI comparison tolerate it.
    pub position_overshoot_px: Limit,
    /// Roll: eye-line angle in degrees.
    pub roll_deg: Limit,
    /// Yaw: turn of the face in degrees (mesh depth).
    pub yaw_deg: Limit,
    /// Pitch: nod of the face in degrees away from level (mesh depth).
    pub pitch_deg: Limit,
    /// Sharpness: blur score (higher is blurrier, see `checks::sharpness`).
    pub blur: Limit,
    /// Eyes: the less open eye's lid gap ÷ eye width; below `fail` fails, below `warn` warns.
    pub eye_opening: Limit,
    /// Mouth: inner-lip gap ÷ mouth width.
    pub mouth_opening: Limit,
    /// Mouth: share of the inner-mouth area that looks like teeth.
    pub teeth: Limit,
    /// Glasses: frame/tint evidence score 0–1.
    pub glasses_score: Limit,
    /// Occlusion: non-skin share above the brows (hair) or over the cheeks, nose and chin (hand, mask).
    pub occlusion: Limit,
    /// Hat: head height above the mesh forehead, in face heights.
    pub hat: Limit,
    /// Hat brim: the head's reach on its shorter side above the forehead, face widths from the centre.
    pub hat_brim: Limit,
    /// Ears: hair share where the ears should show (the less covered side).
    pub ears_cover: Limit,
    /// Hand: hand presence near the face × its share on the head (see `Measurements::hand_cover`).
    pub hand: Limit,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            background_uniformity: Limit::new(28.0, 45.0),
            background_objects: Limit::new(0.004, 0.012),
            background_shadow_stops: Limit::new(0.2, 0.28),
            exposure_stops: Limit::new(0.45, 0.7),
            skin_clipped: Limit::new(0.04, 0.12),
            lighting_stops: Limit::new(1.5, 2.3),
            centre_offset_px: Limit::new(18.0, 36.0),
            position_overshoot_px: Limit::new(0.5, 15.0),
            roll_deg: Limit::new(5.0, 8.0),
            yaw_deg: Limit::new(9.0, 12.0),
            pitch_deg: Limit::new(16.0, 22.0),
            blur: Limit::new(0.66, 0.705),
            eye_opening: Limit::new(0.20, 0.14),
            mouth_opening: Limit::new(0.055, 0.07),
            teeth: Limit::new(0.02, 0.04),
            glasses_score: Limit::new(0.55, 0.8),
            occlusion: Limit::new(0.3, 0.4),
            hat: Limit::new(0.7, 0.9),
            hat_brim: Limit::new(0.8, 0.9),
            ears_cover: Limit::new(0.45, 0.6),
            hand: Limit::new(0.3, 0.5),
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
            max_upscale: 1.25,
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
        if bg.accepted_rgb.is_empty() {
            return Err(err(
                "background.accepted_rgb",
                "list at least one accepted blue",
            ));
        }
        check_range("background.hue_deg", &bg.hue_deg, 0.0, 360.0)?;
        check_range("background.saturation", &bg.saturation, 0.0, 1.0)?;
        check_range("background.lightness", &bg.lightness, 0.0, 1.0)?;
        let t = &self.thresholds;
        let larger_is_worse = [
            ("thresholds.background_uniformity", t.background_uniformity),
            ("thresholds.background_objects", t.background_objects),
            (
                "thresholds.background_shadow_stops",
                t.background_shadow_stops,
            ),
            ("thresholds.exposure_stops", t.exposure_stops),
            ("thresholds.skin_clipped", t.skin_clipped),
            ("thresholds.lighting_stops", t.lighting_stops),
            ("thresholds.centre_offset_px", t.centre_offset_px),
            ("thresholds.position_overshoot_px", t.position_overshoot_px),
            ("thresholds.roll_deg", t.roll_deg),
            ("thresholds.yaw_deg", t.yaw_deg),
            ("thresholds.pitch_deg", t.pitch_deg),
            ("thresholds.blur", t.blur),
            ("thresholds.mouth_opening", t.mouth_opening),
            ("thresholds.glasses_score", t.glasses_score),
            ("thresholds.occlusion", t.occlusion),
            ("thresholds.teeth", t.teeth),
            ("thresholds.hat", t.hat),
            ("thresholds.ears_cover", t.ears_cover),
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
