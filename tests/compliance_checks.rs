//! Each check on both sides of its threshold, with subjects rendered from known parameters.
#[path = "compliance_synth/mod.rs"]
mod synth;

use capture_station::compliance::{BackgroundSpec, Outcome, PhotoSpec, evaluate_photo, ids};
use synth::{Backdrop, Blur, Defect, Glasses, Occlusion, Subject, render};

fn outcome(s: &Subject, spec: &PhotoSpec, id: &str) -> (Outcome, f64) {
    let (v, _) = evaluate_photo(&render(s), spec).unwrap();
    let c = v.get(id).unwrap();
    (c.outcome, c.value)
}

fn base(seed: u64) -> Subject {
    Subject {
        roll_deg: 0.0,
        light_lr: 0.0,
        ev: 0.0,
        ..Subject::good(seed)
    }
}

#[track_caller]
fn sides(id: &str, ok: Subject, bad: Subject) {
    let spec = PhotoSpec::default();
    let (o, v) = outcome(&ok, &spec, id);
    assert_eq!(o, Outcome::Pass, "{id} should pass, value {v}");
    let (o, v) = outcome(&bad, &spec, id);
    assert_eq!(o, Outcome::Fail, "{id} should fail, value {v}");
}

#[test]
fn head_roll_sides() {
    sides(
        ids::HEAD_ROLL,
        Subject {
            roll_deg: 2.5,
            ..base(1)
        },
        Subject {
            roll_deg: 9.0,
            ..base(1)
        },
    );
    sides(
        ids::HEAD_ROLL,
        Subject {
            roll_deg: -2.5,
            ..base(2)
        },
        Subject {
            roll_deg: -9.0,
            ..base(2)
        },
    );
}

#[test]
fn head_yaw_sides() {
    sides(
        ids::HEAD_YAW,
        Subject {
            yaw: 0.06,
            ..base(15)
        },
        Subject {
            yaw: 0.36,
            ..base(15)
        },
    );
    sides(
        ids::HEAD_YAW,
        Subject {
            yaw: -0.06,
            ..base(16)
        },
        Subject {
            yaw: -0.36,
            ..base(16)
        },
    );
}

#[test]
fn head_size_sides() {
    let b = base(3);
    let at = |fw: f32| Subject {
        face_w: fw,
        eye_y: synth::CROWN_TO_EYE * fw + 80.0,
        ..b
    };
    sides(ids::HEAD_SIZE, at(200.0), at(165.0));
    sides(ids::HEAD_SIZE, at(280.0), at(325.0));
}

#[test]
fn head_position_sides() {
    let b = base(4);
    sides(
        ids::HEAD_POSITION,
        Subject {
            face_cx: 250.0,
            ..b
        },
        Subject {
            face_cx: 290.0,
            ..b
        },
    );
    sides(
        ids::HEAD_POSITION,
        Subject {
            face_cx: 230.0,
            ..b
        },
        Subject {
            face_cx: 190.0,
            ..b
        },
    );
    let crown_at = |m: f32| Subject {
        eye_y: synth::CROWN_TO_EYE * b.face_w + m,
        ..b
    };
    sides(ids::HEAD_POSITION, crown_at(60.0), crown_at(25.0));
    sides(ids::HEAD_POSITION, crown_at(100.0), crown_at(130.0));
    sides(ids::HEAD_POSITION, crown_at(70.0), crown_at(-10.0));
}

#[test]
fn exposure_sides() {
    sides(
        ids::EXPOSURE,
        Subject {
            ev: -0.3,
            ..base(5)
        },
        Subject {
            ev: -1.0,
            ..base(5)
        },
    );
    sides(
        ids::EXPOSURE,
        Subject { ev: 0.3, ..base(6) },
        Subject { ev: 1.2, ..base(6) },
    );
}

#[test]
fn lighting_sides() {
    sides(
        ids::LIGHTING_EVENNESS,
        Subject {
            light_lr: 0.3,
            ..base(7)
        },
        Subject {
            light_lr: 6.0,
            ..base(7)
        },
    );
}

#[test]
fn background_sides() {
    let b = base(8);
    sides(
        ids::BACKGROUND_UNIFORMITY,
        Subject {
            backdrop: Backdrop::Gradient(0.85),
            ..b
        },
        Subject {
            backdrop: Backdrop::Gradient(0.5),
            ..b
        },
    );
    sides(
        ids::BACKGROUND_UNIFORMITY,
        b,
        Subject {
            backdrop: Backdrop::Shadow(0.5),
            ..b
        },
    );
    sides(
        ids::BACKGROUND_UNIFORMITY,
        b,
        Subject {
            backdrop: Backdrop::Object,
            ..b
        },
    );
    sides(
        ids::BACKGROUND_COLOUR,
        b,
        Subject {
            backdrop: Backdrop::Colour([170.0, 170.0, 172.0]),
            ..b
        },
    );
    sides(
        ids::BACKGROUND_COLOUR,
        b,
        Subject {
            backdrop: Backdrop::Colour([240.0, 240.0, 235.0]),
            ..b
        },
    );
}

#[test]
fn standard_blues_are_accepted_by_default_and_refused_when_configured() {
    for blue in [
        [67.0, 142.0, 219.0],
        [0.0, 191.0, 243.0],
        [100.0, 197.0, 255.0],
    ] {
        let s = Subject {
            backdrop: Backdrop::Uniform(blue),
            ..base(9)
        };
        let (v, _) = evaluate_photo(&render(&s), &PhotoSpec::default()).unwrap();
        assert!(v.pass, "{blue:?}: {:?}", v.failed_ids());
    }
    let s = Subject {
        backdrop: Backdrop::Uniform([67.0, 142.0, 219.0]),
        ..base(9)
    };
    let spec = PhotoSpec {
        background: BackgroundSpec::light_blue_only(),
        ..PhotoSpec::default()
    };
    let (o, _) = outcome(&s, &spec, ids::BACKGROUND_COLOUR);
    assert_eq!(o, Outcome::Fail);
}

#[test]
fn sharpness_sides() {
    let b = base(10);
    sides(
        ids::SHARPNESS,
        Subject {
            blur: Blur::Gaussian(0.8),
            ..b
        },
        Subject {
            blur: Blur::Gaussian(3.0),
            ..b
        },
    );
    sides(
        ids::SHARPNESS,
        Subject {
            blur: Blur::Motion(2),
            ..b
        },
        Subject {
            blur: Blur::Motion(10),
            ..b
        },
    );
}

#[test]
fn eyes_and_mouth_sides() {
    let b = base(11);
    // Drawn lids are not real ones: the iris model reads the synthetic closed eye as half closed (a
    // warning); real closed eyes fail (benches/compliance_real.rs).
    let spec = PhotoSpec::default();
    let (o, _) = outcome(&Subject { eye_open: 0.9, ..b }, &spec, ids::EYES_OPEN);
    assert_eq!(o, Outcome::Pass);
    let (o, v) = outcome(&Subject { eye_open: 0.1, ..b }, &spec, ids::EYES_OPEN);
    assert_ne!(o, Outcome::Pass, "closed synthetic eye reads {v}");
    sides(
        ids::MOUTH_CLOSED,
        b,
        Subject {
            mouth_open: 0.8,
            ..b
        },
    );
}

#[test]
fn glasses_and_occlusion_sides() {
    let b = base(12);
    sides(
        ids::GLASSES,
        b,
        Subject {
            glasses: Glasses::Frames,
            ..b
        },
    );
    sides(
        ids::GLASSES,
        b,
        Subject {
            glasses: Glasses::Tinted,
            ..b
        },
    );
    sides(
        ids::FACE_OCCLUSION,
        b,
        Subject {
            occlusion: Occlusion::Mask,
            ..b
        },
    );
    sides(
        ids::FACE_OCCLUSION,
        b,
        Subject {
            occlusion: Occlusion::HairOverEyes,
            ..b
        },
    );
    let national = PhotoSpec {
        glasses: capture_station::compliance::GlassesRule::National,
        ..PhotoSpec::default()
    };
    let (o, _) = outcome(
        &Subject {
            glasses: Glasses::Frames,
            ..b
        },
        &national,
        ids::GLASSES,
    );
    assert_eq!(
        o,
        Outcome::Warn,
        "national rule allows clear glasses but asks the operator to look"
    );
}

#[test]
fn face_count_and_resolution_sides() {
    let spec = PhotoSpec::default();
    let (v, _) = evaluate_photo(&Defect::TwoFaces.render(3), &spec).unwrap();
    assert_eq!(v.get(ids::FACE_COUNT).unwrap().outcome, Outcome::Fail);
    let (v, _) = evaluate_photo(&render(&base(13)), &spec).unwrap();
    assert_eq!(v.get(ids::FACE_COUNT).unwrap().outcome, Outcome::Pass);
    assert_eq!(v.get(ids::RESOLUTION).unwrap().outcome, Outcome::Pass);
    let (v, _) = evaluate_photo(&Defect::LowResolution.render(3), &spec).unwrap();
    assert_eq!(v.get(ids::RESOLUTION).unwrap().outcome, Outcome::Fail);
    let empty = image::RgbImage::from_pixel(480, 640, image::Rgb([100, 197, 255]));
    let (v, _) = evaluate_photo(&empty, &spec).unwrap();
    assert_eq!(v.get(ids::FACE_COUNT).unwrap().outcome, Outcome::Fail);
}

#[test]
fn every_result_is_bilingual_and_hints_on_failure() {
    let (v, _) = evaluate_photo(&Defect::Tilted.render(4), &PhotoSpec::default()).unwrap();
    assert_eq!(v.checks.len(), ids::ALL.len());
    for (c, id) in v.checks.iter().zip(ids::ALL) {
        assert_eq!(c.id, id);
        assert!(!c.reason_zh.is_empty() && !c.reason_en.is_empty(), "{id}");
        if c.outcome != Outcome::Pass {
            assert!(!c.hint_zh.is_empty() && !c.hint_en.is_empty(), "{id}");
        }
    }
    let json = serde_json::to_string(&v).unwrap();
    let back: capture_station::compliance::Verdict = serde_json::from_str(&json).unwrap();
    assert_eq!(back, v);
}
