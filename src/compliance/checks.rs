//! The checks: pure functions from measurements (and the output-space geometry) to a `CheckResult` with a
//! stable id, the measured value, its thresholds, an outcome and bilingual reasons and hints.

use super::measure::Measurements;
use super::spec::{GlassesRule, Limit, PhotoSpec, Range};
use super::{CheckResult, Outcome, Verdict};

/// Stable check ids, in verdict order.
pub mod ids {
    /// Exactly one face.
    pub const FACE_COUNT: &str = "face_count";
    /// Backdrop hue/saturation/lightness.
    pub const BACKGROUND_COLOUR: &str = "background_colour";
    /// Backdrop evenness and foreign objects.
    pub const BACKGROUND_UNIFORMITY: &str = "background_uniformity";
    /// Over/under exposure, clipped skin.
    pub const EXPOSURE: &str = "exposure";
    /// Left/right balance of the face.
    pub const LIGHTING_EVENNESS: &str = "lighting_evenness";
    /// Face width in the output.
    pub const HEAD_SIZE: &str = "head_size";
    /// Crown margin, eye line, centring.
    pub const HEAD_POSITION: &str = "head_position";
    /// Tilt.
    pub const HEAD_ROLL: &str = "head_roll";
    /// Turned face.
    pub const HEAD_YAW: &str = "head_yaw";
    /// Defocus and motion blur.
    pub const SHARPNESS: &str = "sharpness";
    /// Both eyes open.
    pub const EYES_OPEN: &str = "eyes_open";
    /// Lips closed.
    pub const MOUTH_CLOSED: &str = "mouth_closed";
    /// Glasses.
    pub const GLASSES: &str = "glasses";
    /// Hair, hand, hat or mask over the face.
    pub const FACE_OCCLUSION: &str = "face_occlusion";
    /// Enough real pixels for the output.
    pub const RESOLUTION: &str = "resolution";
    /// All ids in verdict order.
    pub const ALL: [&str; 15] = [
        FACE_COUNT,
        BACKGROUND_COLOUR,
        BACKGROUND_UNIFORMITY,
        EXPOSURE,
        LIGHTING_EVENNESS,
        HEAD_SIZE,
        HEAD_POSITION,
        HEAD_ROLL,
        HEAD_YAW,
        SHARPNESS,
        EYES_OPEN,
        MOUTH_CLOSED,
        GLASSES,
        FACE_OCCLUSION,
        RESOLUTION,
    ];

    /// The check's name for people (Chinese, English); the id itself for an unknown one.
    pub fn label(id: &str) -> (&str, &str) {
        match id {
            FACE_COUNT => ("人脸数量", "face count"),
            BACKGROUND_COLOUR => ("背景颜色", "backdrop colour"),
            BACKGROUND_UNIFORMITY => ("背景均匀", "backdrop evenness"),
            EXPOSURE => ("曝光", "exposure"),
            LIGHTING_EVENNESS => ("面部光照均匀", "even face lighting"),
            HEAD_SIZE => ("头像大小", "head size"),
            HEAD_POSITION => ("头部位置", "head position"),
            HEAD_ROLL => ("头部歪斜", "head tilt"),
            HEAD_YAW => ("正面朝向", "facing the camera"),
            SHARPNESS => ("清晰度", "sharpness"),
            EYES_OPEN => ("睁眼", "eyes open"),
            MOUTH_CLOSED => ("闭嘴", "lips closed"),
            GLASSES => ("眼镜", "glasses"),
            FACE_OCCLUSION => ("面部遮挡", "face covered"),
            RESOLUTION => ("分辨率", "resolution"),
            other => (other, other),
        }
    }
}

/// Where the subject lands in the output photo (output pixels) and how the crop was scaled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct OutputGeometry {
    /// Crown to the top edge.
    pub crown_margin: f64,
    /// Eye line from the top edge.
    pub eye_line: f64,
    /// Face width.
    pub face_width: f64,
    /// Face centre minus the output centre (+ = right).
    pub centre_offset: f64,
    /// Output px per source px (> 1 = upscaled).
    pub scale: f64,
    /// For an as-is photo: its size when it is not the spec size (w, h); `None` for a planned crop.
    pub as_is_size: Option<(u32, u32)>,
}

struct R<'a> {
    id: &'a str,
    value: f64,
    threshold: String,
}

impl R<'_> {
    fn done(self, outcome: Outcome, reason: (&str, &str), hint: (&str, &str)) -> CheckResult {
        let value = if self.value.is_finite() {
            self.value
        } else {
            0.0
        };
        CheckResult {
            id: self.id.to_string(),
            outcome,
            value: (value * 1000.0).round() / 1000.0,
            threshold: self.threshold,
            reason_zh: reason.0.to_string(),
            reason_en: reason.1.to_string(),
            hint_zh: hint.0.to_string(),
            hint_en: hint.1.to_string(),
        }
    }
    fn pass(self, reason: (&str, &str)) -> CheckResult {
        self.done(Outcome::Pass, reason, ("", ""))
    }
}

fn grade(v: f64, l: Limit) -> Outcome {
    if v >= l.fail {
        Outcome::Fail
    } else if v >= l.warn {
        Outcome::Warn
    } else {
        Outcome::Pass
    }
}

fn lim(l: Limit, unit: &str) -> String {
    format!("warn ≥ {}, fail ≥ {}{unit}", l.warn, l.fail)
}

fn no_face(id: &str) -> CheckResult {
    R {
        id,
        value: 0.0,
        threshold: "needs a face".into(),
    }
    .done(
        Outcome::Fail,
        ("未检测到人脸，无法检查", "no face found, cannot check"),
        ("请坐到镜头正前方", "sit squarely in front of the camera"),
    )
}

fn face_count(m: &Measurements) -> CheckResult {
    let r = R {
        id: ids::FACE_COUNT,
        value: f64::from(m.face_count),
        threshold: format!(
            "exactly 1 (other faces count from detector score {})",
            super::measure::OTHER_FACE_SCORE
        ),
    };
    match m.face_count {
        1 => r.pass(("画面中有一张人脸", "exactly one face")),
        0 => r.done(
            Outcome::Fail,
            ("未检测到人脸", "no face found"),
            ("请坐到镜头正前方", "sit in front of the camera"),
        ),
        _ => r.done(
            Outcome::Fail,
            ("画面中有不止一个人", "more than one person in the picture"),
            (
                "请其他人离开画面",
                "ask everyone else to step out of the picture",
            ),
        ),
    }
}

fn hsl(rgb: [f64; 3]) -> (f64, f64, f64) {
    let [r, g, b] = rgb.map(|v| (v / 255.0).clamp(0.0, 1.0));
    let (max, min) = (r.max(g).max(b), r.min(g).min(b));
    let l = (max + min) / 2.0;
    let d = max - min;
    if d < 1e-9 {
        return (0.0, 0.0, l);
    }
    let s = d / (1.0 - (2.0 * l - 1.0).abs()).max(1e-9);
    let h = if max == r {
        60.0 * ((g - b) / d).rem_euclid(6.0)
    } else if max == g {
        60.0 * ((b - r) / d + 2.0)
    } else {
        60.0 * ((r - g) / d + 4.0)
    };
    (h, s.min(1.0), l)
}

fn background_colour(m: &Measurements, spec: &PhotoSpec) -> CheckResult {
    let bg = &spec.background;
    let (h, s, l) = hsl(m.bg_rgb);
    let threshold = format!(
        "hue {}–{}°, saturation {}–{}, lightness {}–{}",
        bg.hue_deg.min,
        bg.hue_deg.max,
        bg.saturation.min,
        bg.saturation.max,
        bg.lightness.min,
        bg.lightness.max
    );
    let r = R {
        id: ids::BACKGROUND_COLOUR,
        value: h,
        threshold,
    };
    if m.bg_share < 0.05 {
        return r.done(
            Outcome::Fail,
            ("几乎看不到蓝色背景", "almost no backdrop is visible"),
            (
                "请确认背景布在人身后并后退一点",
                "check the backdrop is behind the subject; move back a little",
            ),
        );
    }
    let near = |rg: &Range, v: f64, m: f64| v < rg.min + m || v > rg.max - m;
    if !bg.hue_deg.contains(h) || !bg.saturation.contains(s) {
        return r.done(
            Outcome::Fail,
            (
                "背景不是规定的蓝色",
                "the backdrop is not the required blue",
            ),
            ("请使用规定的蓝色背景布", "use the required blue backdrop"),
        );
    }
    if l < bg.lightness.min {
        return r.done(
            Outcome::Fail,
            ("背景蓝色过暗", "the backdrop is too dark a blue"),
            (
                "请给背景补光或调亮曝光",
                "light the backdrop or raise the exposure",
            ),
        );
    }
    if l > bg.lightness.max {
        return r.done(
            Outcome::Fail,
            ("背景过亮、发白", "the backdrop is washed out"),
            (
                "请降低曝光或减弱背景灯光",
                "lower the exposure or dim the backdrop light",
            ),
        );
    }
    if near(&bg.hue_deg, h, 3.0) || near(&bg.lightness, l, 0.02) || s < bg.saturation.min + 0.03 {
        return r.done(
            Outcome::Warn,
            (
                "背景颜色接近允许范围边缘",
                "the backdrop colour is near the edge of the accepted range",
            ),
            (
                "请检查白平衡和背景灯光",
                "check the white balance and backdrop light",
            ),
        );
    }
    r.pass(("背景颜色符合要求", "backdrop colour is within range"))
}

fn background_uniformity(m: &Measurements, spec: &PhotoSpec) -> CheckResult {
    let t = &spec.thresholds;
    let o_spread = grade(m.bg_spread, t.background_uniformity);
    let o_obj = grade(m.bg_objects, t.background_objects);
    let o_shadow = grade(m.bg_shadow_stops, t.background_shadow_stops);
    let threshold = format!(
        "spread {}; objects {} (share); shadow {}",
        lim(t.background_uniformity, ""),
        lim(t.background_objects, ""),
        lim(t.background_shadow_stops, " stops")
    );
    let r = |value: f64| R {
        id: ids::BACKGROUND_UNIFORMITY,
        value,
        threshold: threshold.clone(),
    };
    let worst = o_spread.max(o_obj).max(o_shadow);
    if worst == Outcome::Pass {
        return r(m.bg_spread).pass(("背景均匀", "backdrop is even"));
    }
    if o_obj == worst {
        return r(m.bg_objects).done(
            o_obj,
            (
                "背景中有其他物体或人",
                "there is another object or person in the backdrop",
            ),
            ("请移走背景中的物体", "remove the object from the backdrop"),
        );
    }
    if o_shadow == worst {
        return r(m.bg_shadow_stops).done(
            o_shadow,
            (
                "人像在背景上投下阴影",
                "the subject casts a shadow on the backdrop",
            ),
            (
                "请让人离背景远一点，或给背景补光",
                "move the subject away from the backdrop or light the backdrop",
            ),
        );
    }
    r(m.bg_spread).done(
        o_spread,
        (
            "背景明暗不均（渐变或阴影）",
            "the backdrop is uneven (gradient or shadow)",
        ),
        (
            "请均匀照亮背景，让人离背景远一点",
            "light the backdrop evenly; move the subject away from it",
        ),
    )
}

fn exposure(m: &Measurements, spec: &PhotoSpec) -> CheckResult {
    let t = &spec.thresholds;
    let threshold = format!(
        "|stops| {}; clipped skin {}",
        lim(t.exposure_stops, ""),
        lim(t.skin_clipped, "")
    );
    let stops = m.exposure_stops;
    let o_stops = grade(stops.abs(), t.exposure_stops);
    let o_clip = grade(m.skin_clipped, t.skin_clipped);
    if m.person && m.face_crushed > 0.3 {
        let r = R {
            id: ids::EXPOSURE,
            value: stops,
            threshold,
        };
        return r.done(
            Outcome::Fail,
            ("脸部太暗、细节丢失", "the face is too dark"),
            ("灯光偏暗，请加灯光", "too dark: add light"),
        );
    }
    if o_clip > o_stops || (o_clip == o_stops && o_clip != Outcome::Pass && stops > 0.0) {
        let r = R {
            id: ids::EXPOSURE,
            value: m.skin_clipped,
            threshold,
        };
        return r.done(
            o_clip,
            ("脸部有过曝、发白的区域", "parts of the face are blown out"),
            (
                "灯光偏亮，请减弱灯光或降低曝光",
                "too bright: dim the lights or lower the exposure",
            ),
        );
    }
    let r = R {
        id: ids::EXPOSURE,
        value: stops,
        threshold,
    };
    match (o_stops, stops < 0.0) {
        (Outcome::Pass, _) => r.pass(("曝光正常", "exposure is fine")),
        (o, true) => r.done(
            o,
            ("照片偏暗", "the photo is too dark"),
            ("灯光偏暗，请加灯光", "too dark: add light"),
        ),
        (o, false) => r.done(
            o,
            ("照片偏亮", "the photo is too bright"),
            ("灯光偏亮，请减弱灯光", "too bright: dim the lights"),
        ),
    }
}

fn lighting(m: &Measurements, spec: &PhotoSpec) -> CheckResult {
    let l = spec.thresholds.lighting_stops;
    let v = m.lighting_stops.abs();
    let r = R {
        id: ids::LIGHTING_EVENNESS,
        value: m.lighting_stops,
        threshold: lim(
            l,
            " stops per face width (left-to-right skin slope, linear light)",
        ),
    };
    match grade(v, l) {
        Outcome::Pass => r.pass(("面部光照均匀", "face is evenly lit")),
        o if m.lighting_stops < 0.0 => r.done(
            o,
            (
                "面部左侧（画面左）偏暗",
                "the image-left side of the face is darker",
            ),
            (
                "请加强画面左侧的灯光",
                "raise the light on the image-left side",
            ),
        ),
        o => r.done(
            o,
            (
                "面部右侧（画面右）偏暗",
                "the image-right side of the face is darker",
            ),
            (
                "请加强画面右侧的灯光",
                "raise the light on the image-right side",
            ),
        ),
    }
}

fn head_size(g: &OutputGeometry, spec: &PhotoSpec) -> CheckResult {
    let rg = spec.face_width_px;
    let r = R {
        id: ids::HEAD_SIZE,
        value: g.face_width,
        threshold: format!("face width {}–{} px", rg.min, rg.max),
    };
    if g.face_width < rg.min {
        r.done(
            Outcome::Fail,
            ("头像太小", "the head is too small"),
            ("请靠近相机一点", "move closer to the camera"),
        )
    } else if g.face_width > rg.max {
        r.done(
            Outcome::Fail,
            ("头像太大", "the head is too large"),
            ("请离相机远一点", "move back from the camera"),
        )
    } else {
        r.pass(("头像大小合适", "head size is within range"))
    }
}

fn head_position(m: &Measurements, g: &OutputGeometry, spec: &PhotoSpec) -> CheckResult {
    let (cm, el) = (spec.crown_margin_px, spec.eye_line_px);
    let co = spec.thresholds.centre_offset_px;
    let over = spec.thresholds.position_overshoot_px;
    let threshold = format!(
        "crown {}–{} px, eye line {}–{} px (overshoot {}), |centre offset| {}",
        cm.min,
        cm.max,
        el.min,
        el.max,
        lim(over, " px"),
        lim(co, " px")
    );
    // How an out-of-range crown margin or eye line grades: a few px over warns.
    let by = |miss: f64| grade(miss, over);
    let r = |value: f64| R {
        id: ids::HEAD_POSITION,
        value,
        threshold: threshold.clone(),
    };
    if m.crown_cut || g.crown_margin < 1.0 {
        return r(g.crown_margin).done(
            Outcome::Fail,
            ("头顶被裁切", "the top of the head is cut off"),
            ("请坐低一点或把相机调高", "sit lower or raise the camera"),
        );
    }
    if g.crown_margin < cm.min && by(cm.min - g.crown_margin) != Outcome::Pass {
        return r(g.crown_margin).done(
            by(cm.min - g.crown_margin),
            ("头顶离上边缘太近", "the crown is too close to the top edge"),
            ("请坐低一点或把相机调高", "sit lower or raise the camera"),
        );
    }
    if g.crown_margin > cm.max && by(g.crown_margin - cm.max) != Outcome::Pass {
        return r(g.crown_margin).done(
            by(g.crown_margin - cm.max),
            ("头顶上方留白太多", "too much space above the head"),
            (
                "请坐高一点或把相机调低",
                "sit up taller or lower the camera",
            ),
        );
    }
    let eye_miss = (el.min - g.eye_line).max(g.eye_line - el.max);
    if eye_miss > 0.0 && by(eye_miss) != Outcome::Pass {
        let high = g.eye_line < el.min;
        return r(g.eye_line).done(
            by(eye_miss),
            if high {
                ("眼睛位置太靠上", "the eyes are too high")
            } else {
                ("眼睛位置太靠下", "the eyes are too low")
            },
            if high {
                ("请坐低一点", "sit a little lower")
            } else {
                ("请坐高一点", "sit up a little taller")
            },
        );
    }
    let off = g.centre_offset;
    match grade(off.abs(), co) {
        Outcome::Pass => r(off).pass(("头部位置居中", "the head is well placed")),
        o if off > 0.0 => r(off).done(
            o,
            ("头部偏向画面右侧", "the head is right of centre"),
            (
                "请向画面左侧移一点",
                "move a little to the left of the picture",
            ),
        ),
        o => r(off).done(
            o,
            ("头部偏向画面左侧", "the head is left of centre"),
            (
                "请向画面右侧移一点",
                "move a little to the right of the picture",
            ),
        ),
    }
}

fn head_roll(m: &Measurements, spec: &PhotoSpec) -> CheckResult {
    let l = spec.thresholds.roll_deg;
    let r = R {
        id: ids::HEAD_ROLL,
        value: m.roll_deg,
        threshold: lim(l, "°"),
    };
    match grade(m.roll_deg.abs(), l) {
        Outcome::Pass => r.pass(("头部端正", "the head is level")),
        o => r.done(
            o,
            ("头部歪斜", "the head is tilted"),
            ("请把头摆正", "hold the head level"),
        ),
    }
}

fn head_yaw(m: &Measurements, spec: &PhotoSpec) -> CheckResult {
    let t = &spec.thresholds;
    let pitch = m.pitch_deg - super::measure::PITCH_NEUTRAL_DEG;
    let (oy, op) = (
        grade(m.yaw_deg.abs(), t.yaw_deg),
        grade(pitch.abs(), t.pitch_deg),
    );
    let threshold = format!(
        "yaw {}; pitch {}",
        lim(t.yaw_deg, "°"),
        lim(t.pitch_deg, "°")
    );
    if op > oy {
        let r = R {
            id: ids::HEAD_YAW,
            value: pitch,
            threshold,
        };
        return if pitch > 0.0 {
            r.done(
                op,
                ("低头", "the head is tipped down"),
                (
                    "请抬头平视镜头",
                    "raise the chin and look level at the camera",
                ),
            )
        } else {
            r.done(
                op,
                ("仰头", "the head is tipped back"),
                (
                    "请微收下巴，平视镜头",
                    "lower the chin a little and look level",
                ),
            )
        };
    }
    let r = R {
        id: ids::HEAD_YAW,
        value: m.yaw_deg,
        threshold,
    };
    match oy {
        Outcome::Pass => r.pass(("正面朝向镜头", "facing the camera")),
        o => r.done(
            o,
            ("脸部侧转", "the face is turned to one side"),
            ("请正对镜头", "face the camera directly"),
        ),
    }
}

fn sharpness(m: &Measurements, spec: &PhotoSpec) -> CheckResult {
    let l = spec.thresholds.blur;
    let r = R {
        id: ids::SHARPNESS,
        value: m.blur,
        threshold: lim(l, " (blur score)"),
    };
    match grade(m.blur, l) {
        Outcome::Pass => r.pass(("照片清晰", "the photo is sharp")),
        o => r.done(
            o,
            (
                "照片模糊（失焦或晃动）",
                "the photo is blurred (focus or movement)",
            ),
            (
                "请保持不动，重新对焦后再拍",
                "hold still and refocus before shooting",
            ),
        ),
    }
}

fn eyes_open(m: &Measurements, spec: &PhotoSpec) -> CheckResult {
    let l = spec.thresholds.eye_opening;
    let v = m.min_eye_opening();
    let r = R {
        id: ids::EYES_OPEN,
        value: v,
        threshold: format!("warn < {}, fail < {} (lid gap/eye width)", l.warn, l.fail),
    };
    if v < l.fail {
        r.done(
            Outcome::Fail,
            ("眼睛闭合或未睁开", "the eyes are closed"),
            ("请自然睁开双眼", "open both eyes naturally"),
        )
    } else if v < l.warn {
        r.done(
            Outcome::Warn,
            ("眼睛可能半闭", "the eyes may be half closed"),
            (
                "请自然睁大双眼，平视镜头",
                "open the eyes naturally and look level at the camera",
            ),
        )
    } else {
        r.pass(("双眼睁开", "both eyes are open"))
    }
}

fn mouth_closed(m: &Measurements, spec: &PhotoSpec) -> CheckResult {
    let t = &spec.thresholds;
    let (og, ot) = (
        grade(m.mouth_opening, t.mouth_opening),
        grade(m.teeth, t.teeth),
    );
    let threshold = format!(
        "gap {} (inner-lip gap/mouth width); teeth {} (share of the mouth)",
        lim(t.mouth_opening, ""),
        lim(t.teeth, "")
    );
    if ot > og {
        let r = R {
            id: ids::MOUTH_CLOSED,
            value: m.teeth,
            threshold,
        };
        return r.done(
            ot,
            ("露出牙齿", "teeth are showing"),
            (
                "请自然闭上嘴唇，不要露齿",
                "close the lips naturally; no teeth showing",
            ),
        );
    }
    let r = R {
        id: ids::MOUTH_CLOSED,
        value: m.mouth_opening,
        threshold,
    };
    match og {
        Outcome::Pass => r.pass(("嘴唇自然闭合", "the lips are closed")),
        o => r.done(
            o,
            ("嘴巴张开", "the mouth is open"),
            ("请自然闭上嘴唇", "close the lips naturally"),
        ),
    }
}

fn glasses(m: &Measurements, spec: &PhotoSpec) -> CheckResult {
    let l = spec.thresholds.glasses_score;
    let r = R {
        id: ids::GLASSES,
        value: m.glasses,
        threshold: lim(l, " (evidence 0–1)"),
    };
    let rule_fail = spec.glasses == GlassesRule::Forbidden;
    match grade(m.glasses, l) {
        Outcome::Pass => r.pass(("未发现眼镜", "no glasses seen")),
        Outcome::Warn => r.done(
            Outcome::Warn,
            (
                "可能戴有眼镜（不确定）",
                "possibly wearing glasses (uncertain)",
            ),
            (
                "请确认是否戴眼镜，如有请摘下",
                "check for glasses and take them off",
            ),
        ),
        Outcome::Fail if m.glasses_tinted => r.done(
            Outcome::Fail,
            (
                "戴有有色眼镜（不允许）",
                "tinted glasses are worn (not allowed)",
            ),
            ("请摘下有色眼镜", "take the tinted glasses off"),
        ),
        Outcome::Fail if rule_fail => r.done(
            Outcome::Fail,
            (
                "戴有眼镜（本次采集不允许戴眼镜）",
                "glasses are worn (not allowed here)",
            ),
            ("请摘下眼镜", "take the glasses off"),
        ),
        Outcome::Fail => r.done(
            Outcome::Warn,
            (
                "戴有眼镜：须为无色镜片、无反光、镜框不遮挡眼睛",
                "glasses: lenses must be clear, no glare, frames clear of the eyes",
            ),
            (
                "请检查镜片反光和镜框位置",
                "check the lenses for glare and the frames' position",
            ),
        ),
    }
}

/// Reason and hint for a hat, whether seen by its height or its brim.
const HAT: ((&str, &str), (&str, &str)) = (
    ("戴有帽子或头饰", "a hat or head covering is worn"),
    ("请摘下帽子或头饰", "take off the hat or head covering"),
);

fn occlusion(m: &Measurements, spec: &PhotoSpec) -> CheckResult {
    let t = &spec.thresholds;
    // Each cause graded on its own limit; the worst one is reported (ratio to its fail limit as the value).
    let causes = [
        (
            m.brow_cover,
            t.occlusion,
            ("头发遮挡眉毛或眼睛", "hair covers the eyebrows or eyes"),
            ("请把头发梳到眉毛以上", "brush the hair up off the eyebrows"),
        ),
        (
            m.lower_cover,
            t.occlusion,
            (
                "面部有遮挡（手、口罩或其他物体）",
                "something covers the face (hand, mask or object)",
            ),
            ("请拿开遮挡面部的物体", "take away whatever covers the face"),
        ),
        (
            m.hand_cover,
            t.hand,
            ("手遮挡面部", "a hand covers the face"),
            (
                "请把手放下，不要碰到脸和头",
                "put the hand down, away from the face and head",
            ),
        ),
        (m.hat, t.hat, HAT.0, HAT.1),
        (m.hat_brim, t.hat_brim, HAT.0, HAT.1),
        (
            m.ears_cover,
            t.ears_cover,
            ("头发遮住耳朵", "hair covers the ears"),
            ("请把头发拢到耳后", "tuck the hair behind the ears"),
        ),
    ];
    let threshold = format!(
        "brows/face {}; hand {}; hat {}; brim {}; ears {}",
        lim(t.occlusion, ""),
        lim(t.hand, ""),
        lim(t.hat, ""),
        lim(t.hat_brim, ""),
        lim(t.ears_cover, "")
    );
    let worst = causes
        .iter()
        .map(|c| (grade(c.0, c.1), c.0 / c.1.fail.max(1e-9), c))
        .max_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    match worst {
        Some((o, ratio, c)) if o != Outcome::Pass => R {
            id: ids::FACE_OCCLUSION,
            value: ratio,
            threshold,
        }
        .done(o, c.2, c.3),
        Some((_, ratio, _)) => R {
            id: ids::FACE_OCCLUSION,
            value: ratio,
            threshold,
        }
        .pass(("面部无遮挡", "nothing covers the face")),
        None => R {
            id: ids::FACE_OCCLUSION,
            value: 0.0,
            threshold,
        }
        .pass(("面部无遮挡", "nothing covers the face")),
    }
}

fn resolution(g: &OutputGeometry, spec: &PhotoSpec) -> CheckResult {
    let (sw, sh) = (f64::from(spec.width), f64::from(spec.height));
    if let Some((w, h)) = g.as_is_size {
        let (w, h) = (f64::from(w), f64::from(h));
        let ratio = (w / sw).min(h / sh);
        let threshold = format!("{}×{} px, aspect 3:4", spec.width, spec.height);
        let r = R {
            id: ids::RESOLUTION,
            value: ratio,
            threshold,
        };
        if ratio < 0.999 {
            return r.done(
                Outcome::Fail,
                ("照片像素不足", "the photo has too few pixels"),
                ("请用相机重新拍摄", "re-shoot with the station camera"),
            );
        }
        if ((w / h) / (sw / sh) - 1.0).abs() > 0.02 {
            return r.done(
                Outcome::Fail,
                ("照片长宽比不是3:4", "the photo is not 3:4 portrait"),
                ("请按规范重新裁剪", "re-crop to the spec"),
            );
        }
        if ratio > 1.001 {
            return r.done(
                Outcome::Warn,
                (
                    "照片尺寸大于规定，导出时将缩小",
                    "larger than the spec size; it will be downscaled",
                ),
                ("导出时使用规定尺寸", "export at the spec size"),
            );
        }
        return r.pass(("照片尺寸符合要求", "photo size matches the spec"));
    }
    let threshold = format!("scale ≤ {} (output px per source px)", spec.max_upscale);
    let r = R {
        id: ids::RESOLUTION,
        value: g.scale,
        threshold,
    };
    if g.scale > spec.max_upscale + 1e-3 {
        r.done(
            Outcome::Fail,
            (
                "人像像素不足，需要放大才能达到480×640",
                "too few pixels: the crop would have to be enlarged",
            ),
            (
                "请靠近相机或提高相机分辨率",
                "move closer or raise the camera resolution",
            ),
        )
    } else {
        r.pass(("像素充足", "enough pixels"))
    }
}

/// Runs every check on measurements and the output-space geometry.
pub(crate) fn evaluate(m: &Measurements, g: &OutputGeometry, spec: &PhotoSpec) -> Verdict {
    let mut out = vec![face_count(m)];
    out.push(background_colour(m, spec));
    out.push(background_uniformity(m, spec));
    out.push(exposure(m, spec));
    if !m.person {
        for id in &ids::ALL[4..14] {
            out.push(no_face(id));
        }
    } else {
        out.push(lighting(m, spec));
        out.push(head_size(g, spec));
        out.push(head_position(m, g, spec));
        out.push(head_roll(m, spec));
        out.push(head_yaw(m, spec));
        out.push(sharpness(m, spec));
        out.push(eyes_open(m, spec));
        out.push(mouth_closed(m, spec));
        out.push(glasses(m, spec));
        out.push(occlusion(m, spec));
    }
    out.push(resolution(g, spec));
    Verdict::from_checks(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bare() -> Measurements {
        Measurements {
            person: true,
            face_width: 200.0,
            ..Measurements::default()
        }
    }

    #[test]
    fn a_hand_on_the_face_fails_occlusion_and_says_so() {
        let spec = PhotoSpec::default();
        assert_eq!(occlusion(&bare(), &spec).outcome, Outcome::Pass);
        let m = Measurements {
            hand_cover: 0.9,
            ..bare()
        };
        let r = occlusion(&m, &spec);
        assert_eq!(r.outcome, Outcome::Fail);
        assert!(r.reason_en.contains("hand"), "{}", r.reason_en);
        assert!(!r.hint_zh.is_empty());
        let faint = Measurements {
            hand_cover: 0.35,
            ..bare()
        };
        assert_eq!(occlusion(&faint, &spec).outcome, Outcome::Warn);
    }

    #[test]
    fn a_brim_beside_the_head_is_a_hat() {
        let spec = PhotoSpec::default();
        let hair = Measurements {
            hat_brim: 0.68,
            ..bare()
        };
        assert_eq!(occlusion(&hair, &spec).outcome, Outcome::Pass);
        let brim = Measurements {
            hat_brim: 1.15,
            ..bare()
        };
        let r = occlusion(&brim, &spec);
        assert_eq!(r.outcome, Outcome::Fail);
        assert!(r.reason_en.contains("hat"), "{}", r.reason_en);
    }
}
