//! Recall per defect type and false-reject rate on the synthetic labelled set (the `check` path:
//! `evaluate_photo` on finished 480×640 photos). Prints the table; asserts it with a margin.
#[path = "compliance_synth/mod.rs"]
mod synth;

use capture_station::compliance::{Outcome, PhotoSpec, evaluate_photo, final_check, ids};
use synth::{Defect, Subject, render};

const GOOD: u64 = 60;
const PER_DEFECT: u64 = 10;

#[test]
fn recall_and_false_reject_table() {
    let spec = PhotoSpec::default();
    let mut false_rejects = Vec::new();
    let mut warns = 0;
    for seed in 0..GOOD {
        let img = render(&Subject::good(1000 + seed));
        let (v, m) = evaluate_photo(&img, &spec).unwrap();
        if !v.pass {
            false_rejects.push((seed, v.failed_ids().join(","), m.clone()));
        }
        warns += usize::from(v.checks.iter().any(|c| c.outcome == Outcome::Warn));
        if std::env::var("SYNTH_DEBUG").is_ok() {
            let w: Vec<_> = v
                .checks
                .iter()
                .filter(|c| c.outcome != Outcome::Pass)
                .map(|c| (c.id.clone(), c.value))
                .collect();
            println!(
                "  good {seed}: blur {:.2} light {:.2} open {:.3} mouth {:.3} occl {:.2} gl {:.2} {w:?}",
                m.blur,
                m.lighting_stops,
                m.min_eye_opening(),
                m.mouth_opening,
                m.brow_cover.max(m.lower_cover),
                m.glasses
            );
        }
    }
    let fr = false_rejects.len() as f64 / GOOD as f64;
    println!(
        "good photos: {GOOD}, false rejects {} ({:.1}%), with a warning {warns}",
        false_rejects.len(),
        fr * 100.0
    );
    for (s, ids, m) in &false_rejects {
        println!(
            "  FR seed {s}: {ids} fw {:.0} eyes {:?} found {} open {:.3} mouth {:.3} occl {:.2} gl {:.2} light {:.2} blur {:.2} clip {:.2}",
            m.face_width,
            m.eyes,
            m.person,
            m.min_eye_opening(),
            m.mouth_opening,
            m.brow_cover.max(m.lower_cover),
            m.glasses,
            m.lighting_stops,
            m.blur,
            m.skin_clipped
        );
    }
    println!(
        "{:<14} {:>6} {:>8} {:>8}  expected check",
        "defect", "n", "caught", "by-check"
    );
    let mut worst = 1.0f64;
    let mut rows = Vec::new();
    for d in Defect::ALL {
        let (mut caught, mut by_check) = (0, 0);
        for seed in 0..PER_DEFECT {
            let img = d.render(2000 + seed);
            let (v, m) = evaluate_photo(&img, &spec).unwrap();
            caught += usize::from(!v.pass);
            let hit = v.get(d.check()).is_some_and(|c| c.outcome == Outcome::Fail);
            by_check += usize::from(hit);
            if !hit && std::env::var("SYNTH_DEBUG").is_ok() {
                println!(
                    "  miss {d:?} seed {seed}: failed {:?} fw {:.0} eyes {:?} found {} open {:.3} mouth {:.3} occl {:.2} gl {:.2} light {:.2} blur {:.2} spread {:.1} obj {:.4} faces {}",
                    v.failed_ids(),
                    m.face_width,
                    m.eyes,
                    m.person,
                    m.min_eye_opening(),
                    m.mouth_opening,
                    m.brow_cover.max(m.lower_cover),
                    m.glasses,
                    m.lighting_stops,
                    m.blur,
                    m.bg_spread,
                    m.bg_objects,
                    m.face_count
                );
            }
        }
        let recall = caught as f64 / PER_DEFECT as f64;
        worst = worst.min(recall);
        rows.push((d, recall));
        println!(
            "{:<14} {:>6} {:>7.0}% {:>7.0}%  {}",
            format!("{d:?}"),
            PER_DEFECT,
            recall * 100.0,
            by_check as f64 * 10.0,
            d.check()
        );
    }
    assert!(fr <= 0.05, "false-reject rate {fr}");
    for (d, r) in rows {
        if !Defect::SYNTHETIC_ONLY.contains(&d) {
            assert!(r >= 0.8, "{d:?} recall {r}");
        }
    }
}

const GOOD_FRAMES: u64 = 16;
const PER_DEFECT_FRAMES: u64 = 4;

/// The station path: `final_check` (analyse → crop → re-check) on 1280×720 webcam frames. Framing defects
/// are compensated by the crop, so only appearance defects are injected here.
#[test]
fn recall_and_false_reject_on_frames() {
    let spec = PhotoSpec::default();
    let mut fr = 0;
    for seed in 0..GOOD_FRAMES {
        let shot = final_check(
            &render(&Subject::good(5000 + seed).in_frame(1280, 720)),
            &spec,
        )
        .unwrap();
        if !shot.verdict.pass {
            fr += 1;
            println!("  frame FR seed {seed}: {:?}", shot.verdict.failed_ids());
        }
    }
    println!("good frames: {GOOD_FRAMES}, false rejects {fr}");
    let mut total = (0, 0);
    for d in Defect::ALL
        .into_iter()
        .filter(|d| !d.is_framing() && !Defect::SYNTHETIC_ONLY.contains(d))
    {
        let mut caught = 0;
        for seed in 0..PER_DEFECT_FRAMES {
            let s = d.subject(6000 + seed).in_frame(1280, 720);
            let shot = final_check(&render(&s), &spec).unwrap();
            caught += usize::from(!shot.verdict.pass);
        }
        total.0 += caught;
        total.1 += PER_DEFECT_FRAMES as usize;
        println!(
            "frame {:<14} caught {caught}/{PER_DEFECT_FRAMES}",
            format!("{d:?}")
        );
    }
    let recall = total.0 as f64 / total.1 as f64;
    println!("frames: overall recall {:.0}%", recall * 100.0);
    assert!(fr <= 1, "{fr} good frames rejected");
    assert!(recall >= 0.85, "frame recall {recall}");
}

/// Audited photos arrive as 20–40 KB JPEGs: good photos must survive the compression, defects stay caught.
#[test]
fn spec_jpegs_keep_their_verdicts() {
    use capture_station::imaging::{DecodeLimits, decode_bytes, encode_spec_jpeg};
    let spec = PhotoSpec::default();
    let through_jpeg = |img: &image::RgbImage| {
        let enc = encode_spec_jpeg(img, &spec.jpeg_target()).unwrap();
        decode_bytes(&enc.bytes, "mem.jpg", DecodeLimits::default()).unwrap()
    };
    let mut fr = 0;
    for seed in 0..20 {
        let (v, _) =
            evaluate_photo(&through_jpeg(&render(&Subject::good(7000 + seed))), &spec).unwrap();
        if !v.pass {
            fr += 1;
            println!("  jpeg FR seed {seed}: {:?}", v.failed_ids());
        }
    }
    let mut caught = 0;
    let appearance: Vec<Defect> = Defect::ALL
        .into_iter()
        .filter(|d| !d.is_framing() && !Defect::SYNTHETIC_ONLY.contains(d))
        .collect();
    for (i, d) in appearance.iter().enumerate() {
        let (v, _) = evaluate_photo(&through_jpeg(&d.render(7100 + i as u64)), &spec).unwrap();
        caught += usize::from(!v.pass);
    }
    println!(
        "spec JPEGs: good 20, false rejects {fr}; defects caught {caught}/{}",
        appearance.len()
    );
    assert!(fr <= 1);
    assert!(caught + 1 >= appearance.len());
}

/// Good photos under harsher webcam conditions (more noise, colour cast, softer lens, exposure drift).
#[test]
fn harsh_webcam_good_photos() {
    use rand::{Rng, SeedableRng};
    let spec = PhotoSpec::default();
    let n = 30;
    let mut fr = 0;
    for seed in 0..n {
        let mut r = rand::rngs::StdRng::seed_from_u64(seed);
        let s = Subject {
            noise: r.gen_range(5.0..8.0),
            cast: [r.gen_range(0.9..1.1), 1.0, r.gen_range(0.9..1.1)],
            blur: synth::Blur::Gaussian(r.gen_range(0.8..1.3)),
            ev: r.gen_range(-0.35..0.3),
            ..Subject::good(8000 + seed)
        };
        let (v, m) = evaluate_photo(&render(&s), &spec).unwrap();
        if !v.pass {
            fr += 1;
            println!(
                "  harsh FR seed {seed}: {:?} blur {:.2} open {:.3} occl {:.2}",
                v.failed_ids(),
                m.blur,
                m.min_eye_opening(),
                m.brow_cover.max(m.lower_cover)
            );
        }
    }
    println!("harsh webcam good photos: {n}, false rejects {fr}");
    assert!(fr * 10 <= n, "{fr}/{n}");
}

/// An independent test set: the camera module's demo subject (written by another engineer, not tuned
/// against), through the station path `final_check` on 1920×1080 frames.
#[test]
fn independent_demo_subject_set() {
    use capture_station::camera::{DemoDefect, DemoScene};
    let spec = PhotoSpec::default();
    let mut scene = DemoScene::new(1920, 1080);
    let mut wrong = 0;
    // At 1920×1080 a subject "too far" for 720p still has the pixels for the photo (within the allowed
    // enlargement), so it is not a defect of the photo here; the 720p set covers it.
    for d in DemoDefect::ALL
        .into_iter()
        .filter(|d| *d != DemoDefect::TooFar)
    {
        let mut caught = 0;
        let n = 6;
        for i in 0..n {
            let (img, _) = scene.render(0.37 * i as f32, d, false, None, 90 + i as u64);
            let shot = final_check(&img, &spec).unwrap();
            caught += usize::from(!shot.verdict.pass);
            if std::env::var("SYNTH_DEBUG").is_ok() || (d == DemoDefect::Good) != shot.verdict.pass
            {
                let eyes = shot.verdict.get("eyes_open").map(|c| (c.outcome, c.value));
                println!(
                    "  demo {d:?} #{i}: failed {:?} eyes {eyes:?}",
                    shot.verdict.failed_ids()
                );
            }
        }
        println!("demo {:<16} rejected {caught}/{n}", format!("{d:?}"));
        wrong += if d == DemoDefect::Good {
            caught
        } else {
            n - caught
        };
    }
    assert!(wrong <= 3, "{wrong} wrong verdicts on the demo set");
}

/// A blink is "eyes closed" and nothing else: with the eyes shut the eye finder used to settle on the brows,
/// whose dark boxes then read as tinted glasses and a covered face, on the live lights and in the final check.
#[test]
fn closed_eyes_are_not_glasses_or_occlusion() {
    use capture_station::camera::{DemoDefect, DemoScene};
    use capture_station::compliance::{LiveState, analyze_live};
    let spec = PhotoSpec::default();
    let mut full = DemoScene::new(1920, 1080);
    let mut proxy = DemoScene::new(640, 360);
    for i in 0..8u64 {
        let t = 0.37 * i as f32;
        let (img, _) = full.render(t, DemoDefect::EyesClosed, false, None, 200 + i);
        let shot = final_check(&img, &spec).unwrap();
        let (small, _) = proxy.render(t, DemoDefect::EyesClosed, false, None, 200 + i);
        let live = analyze_live(&small, &spec, &mut LiveState::new());
        for (path, checks) in [("final", &shot.verdict.checks), ("live", &live.checks)] {
            let outcome = |id: &str| checks.iter().find(|c| c.id == id).map(|c| c.outcome);
            assert_eq!(outcome(ids::EYES_OPEN), Some(Outcome::Fail), "{path} #{i}");
            for id in [ids::GLASSES, ids::FACE_OCCLUSION] {
                assert_eq!(outcome(id), Some(Outcome::Pass), "{path} #{i}: {id}");
            }
        }
    }
}

/// Every demo defect demonstrates its own check through the shoot path, and the good demo subject passes
/// both live (every light) and as a shot, frame after frame.
#[test]
fn demo_defects_demonstrate_their_checks() {
    use capture_station::camera::{DemoDefect, DemoScene};
    use capture_station::compliance::{LiveState, analyze_live};
    let spec = PhotoSpec::default();
    let mut scene = DemoScene::new(1280, 720);
    let expected = |d: DemoDefect| match d {
        DemoDefect::Good => None,
        DemoDefect::OffCentre => Some(ids::HEAD_POSITION),
        DemoDefect::TooDark => Some(ids::EXPOSURE),
        DemoDefect::WrongBackground => Some(ids::BACKGROUND_COLOUR),
        DemoDefect::Tilted => Some(ids::HEAD_ROLL),
        DemoDefect::EyesClosed => Some(ids::EYES_OPEN),
        DemoDefect::Glasses => Some(ids::GLASSES),
        DemoDefect::TooFar => Some(ids::RESOLUTION),
        DemoDefect::TooClose => Some(ids::HEAD_SIZE),
    };
    for d in DemoDefect::ALL {
        let mut live = LiveState::new();
        for i in 0..4u64 {
            let (img, _) = scene.render(0.53 * i as f32, d, false, None, 300 + i);
            let shot = final_check(&img, &spec).unwrap();
            let lights = analyze_live(&img, &spec, &mut live);
            match expected(d) {
                None => {
                    assert!(
                        shot.verdict.pass,
                        "good #{i}: {:?}",
                        shot.verdict.failed_ids()
                    );
                    assert!(lights.pass, "good #{i} live: {:?}", lights.checks);
                }
                Some(id) => {
                    let fails = |checks: &[capture_station::compliance::CheckResult]| {
                        checks
                            .iter()
                            .any(|c| c.id == id && c.outcome == Outcome::Fail)
                    };
                    assert!(
                        fails(&shot.verdict.checks),
                        "{d:?} #{i}: {:?}",
                        shot.verdict.failed_ids()
                    );
                    assert!(fails(&lights.checks), "{d:?} #{i} live");
                }
            }
        }
    }
}

/// Dark lenses painted over the good demo subject's eyes are named as tinted glasses (a fail under either
/// glasses rule); the same subject without them passes the glasses check.
#[test]
fn dark_lenses_are_tinted_glasses() {
    use capture_station::camera::{DemoDefect, DemoScene};
    use capture_station::compliance::GlassesRule;
    let (clean, g) = DemoScene::new(1280, 720).render(0.4, DemoDefect::Good, false, None, 1);
    let mut shaded = clean.clone();
    let fw = g.face_box.w;
    // Lenses about 0.4 × 0.28 face widths, sitting a little below the eyes as sunglasses do.
    for (ex, ey) in g.eyes {
        let (rx, ry, ey) = (0.2 * fw, 0.14 * fw, ey + 0.03 * fw);
        for y in (ey - ry) as u32..=(ey + ry) as u32 {
            for x in (ex - rx) as u32..=(ex + rx) as u32 {
                let (u, v) = ((x as f32 - ex) / rx, (y as f32 - ey) / ry);
                if u * u + v * v <= 1.0 {
                    shaded.put_pixel(x, y, image::Rgb([14, 14, 18]));
                }
            }
        }
    }
    let national = PhotoSpec {
        glasses: GlassesRule::National,
        ..PhotoSpec::default()
    };
    for spec in [PhotoSpec::default(), national] {
        let glasses = |img| {
            final_check(img, &spec)
                .unwrap()
                .verdict
                .checks
                .into_iter()
                .find(|c| c.id == ids::GLASSES)
                .unwrap()
        };
        assert_eq!(glasses(&clean).outcome, Outcome::Pass);
        let dark = glasses(&shaded);
        assert_eq!(dark.outcome, Outcome::Fail, "{dark:?}");
        assert!(dark.reason_en.contains("tinted"), "{}", dark.reason_en);
    }
}
