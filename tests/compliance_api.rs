//! The product paths: final check on webcam frames, live analysis, crop refusal, and `check` on awkward
//! files (non-image, empty, 1×1, huge header, CMYK JPEG, PNG with alpha, EXIF-rotated JPEG).
#[path = "compliance_synth/mod.rs"]
mod synth;

use std::path::PathBuf;

use capture_station::compliance::cli::{Args, run_to};
use capture_station::compliance::{
    ComplianceError, LiveState, Outcome, PhotoSpec, analyze_live, analyze_live_with_proxy,
    crop_to_spec, evaluate_photo, final_check, ids, photo_geometry,
};
use image::{DynamicImage, RgbImage, RgbaImage};
use synth::{Defect, Subject, render};

#[test]
fn final_check_on_a_good_frame_passes_and_encodes_in_window() {
    let spec = PhotoSpec::default();
    for seed in 0..4 {
        let frame = render(&Subject::good(300 + seed).in_frame(1280, 720));
        let shot = final_check(&frame, &spec).unwrap();
        assert!(
            shot.verdict.pass,
            "seed {seed}: {:?}",
            shot.verdict.failed_ids()
        );
        assert_eq!(shot.crop.dimensions(), (480, 640));
        let n = shot.jpeg.bytes.len();
        assert!(
            n <= 40 * 1024 && shot.jpeg.quality >= 60,
            "{n} bytes q{}",
            shot.jpeg.quality
        );
        let g = shot.geometry;
        assert!(
            g.crop_scale <= 1.0 && g.crop_box.x >= 0.0 && g.crop_box.x + g.crop_box.w <= 1.0 + 1e-9
        );
        // The crop re-check sees the head where the spec wants it.
        let (v, m) = evaluate_photo(&shot.crop, &spec).unwrap();
        assert!(v.pass, "{:?}", v.failed_ids());
        assert!((200.0..=300.0).contains(&((m.eyes[0][1] + m.eyes[1][1]) / 2.0)));
    }
}

#[test]
fn final_check_flags_a_subject_too_far_away_as_resolution() {
    let mut s = Subject::good(310).in_frame(1280, 720);
    s.face_w *= 0.45;
    s.eye_y = 0.5 * 720.0;
    let shot = final_check(&render(&s), &PhotoSpec::default()).unwrap();
    assert_eq!(
        shot.verdict.get(ids::RESOLUTION).unwrap().outcome,
        Outcome::Fail
    );
    assert!(!shot.verdict.pass);
    // crop_to_spec refuses to enlarge silently.
    let err = crop_to_spec(&render(&s), &PhotoSpec::default(), &shot.geometry).unwrap_err();
    assert!(matches!(err, ComplianceError::Upscale { .. }), "{err}");
}

#[test]
fn subject_at_the_frame_edge_gets_a_direction_hint() {
    let mut s = Subject::good(320).in_frame(1280, 720);
    s.face_cx = 150.0;
    let mut state = LiveState::default();
    let live = analyze_live(&render(&s), &PhotoSpec::default(), &mut state);
    let pos = live
        .checks
        .iter()
        .find(|c| c.id == ids::HEAD_POSITION)
        .unwrap();
    assert_eq!(pos.outcome, Outcome::Fail);
    assert!(pos.hint_en.contains("right"), "{}", pos.hint_en);
}

#[test]
fn live_analysis_reports_geometry_and_tracks() {
    let spec = PhotoSpec::default();
    let mut state = LiveState::new();
    let s = Subject::good(330).in_frame(1280, 720);
    let a = analyze_live(&render(&s), &spec, &mut state);
    assert!(
        a.pass,
        "{:?}",
        a.checks
            .iter()
            .filter(|c| c.outcome == Outcome::Fail)
            .collect::<Vec<_>>()
    );
    let g = a.geometry.unwrap();
    assert!(
        (g.head_oval.cx - s.face_cx as f64 / 1280.0).abs() < 0.02,
        "{g:?}"
    );
    assert!(
        (g.eye_left[1] - s.eye_y as f64 / 720.0).abs() < 0.02,
        "{g:?}"
    );
    let eye_mid = (g.eye_left[0] + g.eye_right[0]) / 2.0;
    assert!((g.crop_box.x + g.crop_box.w / 2.0 - eye_mid).abs() < 0.01);
    // The backdrop scanned on the pipeline's half-size proxy: the same verdict, geometry within a px or two.
    let frame = render(&s);
    let proxy = capture_station::pipeline::box_downscale(&frame, 2);
    let mut st2 = LiveState::new();
    let b = analyze_live_with_proxy(&frame, Some((&proxy, 2)), &spec, &mut st2);
    let outcomes = |x: &capture_station::compliance::LiveAnalysis| {
        x.checks
            .iter()
            .map(|c| (c.id.clone(), c.outcome))
            .collect::<Vec<_>>()
    };
    assert_eq!(outcomes(&a), outcomes(&b));
    let gb = b.geometry.unwrap();
    assert!(
        (gb.crown_y - g.crown_y).abs() * 720.0 < 6.0,
        "{gb:?} vs {g:?}"
    );
    // Empty backdrop: no geometry, face_count fails.
    let empty = RgbImage::from_pixel(1280, 720, image::Rgb([100, 197, 255]));
    let c = analyze_live(&empty, &spec, &mut state);
    assert!(c.geometry.is_none() && !c.pass);
    assert_eq!(state.frames(), 2);
}

fn png(img: &DynamicImage) -> Vec<u8> {
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

fn jpeg(img: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 92)
        .encode_image(img)
        .unwrap();
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

/// A PNG whose header announces 20000×20000 RGB (1.2 GB) followed by a tiny IDAT.
fn huge_png_header() -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        out.extend((data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend(crc32(&body).to_be_bytes());
    };
    let mut ihdr = Vec::new();
    ihdr.extend(20000u32.to_be_bytes());
    ihdr.extend(20000u32.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    chunk(b"IHDR", &ihdr);
    chunk(b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    chunk(b"IEND", &[]);
    out
}

/// A hand-built 8×8 baseline CMYK JPEG (Adobe APP14, flat blocks, one-code Huffman tables).
fn cmyk_jpeg() -> Vec<u8> {
    let mut j = vec![0xFF, 0xD8];
    j.extend([0xFF, 0xEE, 0x00, 0x0E]);
    j.extend(b"Adobe");
    j.extend([0x00, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00]);
    j.extend([0xFF, 0xDB, 0x00, 0x43, 0x00]);
    j.extend([1u8; 64]);
    j.extend([0xFF, 0xC0, 0x00, 0x14, 8, 0, 8, 0, 8, 4]);
    for id in 1..=4u8 {
        j.extend([id, 0x11, 0]);
    }
    for class in [0x00u8, 0x10] {
        j.extend([0xFF, 0xC4, 0x00, 0x14, class, 1]);
        j.extend([0u8; 15]);
        j.push(0x00);
    }
    j.extend([0xFF, 0xDA, 0x00, 0x0E, 4]);
    for id in 1..=4u8 {
        j.extend([id, 0x00]);
    }
    j.extend([0, 63, 0]);
    j.push(0x00);
    j.extend([0xFF, 0xD9]);
    j
}

/// Inserts an APP1 Exif segment with orientation 6 right after SOI.
fn with_orientation_6(jpeg: &[u8]) -> Vec<u8> {
    let mut tiff = b"MM\x00\x2a\x00\x00\x00\x08".to_vec();
    tiff.extend([
        0x00, 0x01, 0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x00, 0x00,
    ]);
    tiff.extend([0, 0, 0, 0]);
    let mut app1 = b"Exif\x00\x00".to_vec();
    app1.extend(tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend([0xFF, 0xE1]);
    out.extend(((app1.len() + 2) as u16).to_be_bytes());
    out.extend(app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn run_check(files: Vec<PathBuf>, crop_out: Option<PathBuf>) -> (u8, Vec<serde_json::Value>) {
    run_check_as(files, crop_out, false)
}

fn run_check_as(
    files: Vec<PathBuf>,
    crop_out: Option<PathBuf>,
    frame: bool,
) -> (u8, Vec<serde_json::Value>) {
    let args = Args {
        images: files,
        frame,
        json: true,
        crop_out,
    };
    let mut out = Vec::new();
    let code = run_to(&args, &PhotoSpec::default(), &mut out).unwrap();
    let lines = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let code = if code == std::process::ExitCode::SUCCESS {
        0
    } else {
        1
    };
    (code, lines)
}

#[test]
fn check_cli_on_awkward_files() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    std::fs::write(p("notes.txt"), b"this is not an image").unwrap();
    std::fs::write(p("empty.jpg"), b"").unwrap();
    std::fs::write(
        p("one.png"),
        png(&DynamicImage::ImageRgb8(RgbImage::new(1, 1))),
    )
    .unwrap();
    std::fs::write(p("huge.png"), huge_png_header()).unwrap();
    std::fs::write(p("cmyk.jpg"), cmyk_jpeg()).unwrap();
    let good = render(&Subject::good(400));
    let rgba = RgbaImage::from_fn(480, 640, |x, y| {
        let q = good.get_pixel(x, y).0;
        image::Rgba([q[0], q[1], q[2], 255])
    });
    std::fs::write(p("alpha.png"), png(&DynamicImage::ImageRgba8(rgba))).unwrap();
    // Stored rotated 90° counter-clockwise; orientation 6 says "rotate 90° clockwise to display".
    let stored = image::imageops::rotate270(&good);
    std::fs::write(p("rotated.jpg"), with_orientation_6(&jpeg(&stored))).unwrap();
    std::fs::write(p("rotated_no_exif.jpg"), jpeg(&stored)).unwrap();

    let names = [
        "notes.txt",
        "empty.jpg",
        "one.png",
        "huge.png",
        "cmyk.jpg",
        "alpha.png",
        "rotated.jpg",
        "missing.jpg",
    ];
    let (code, lines) = run_check(names.iter().map(|n| p(n)).collect(), None);
    assert_eq!(code, 1);
    assert_eq!(lines.len(), names.len());
    let by = |n: &str| {
        lines
            .iter()
            .find(|l| l["file"].as_str().unwrap().ends_with(n))
            .unwrap()
            .clone()
    };
    for bad in ["notes.txt", "empty.jpg", "huge.png", "missing.jpg"] {
        let l = by(bad);
        assert_eq!(l["pass"], false);
        assert!(
            l["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{bad}: {l}"
        );
    }
    assert!(by("huge.png")["error"].as_str().unwrap().contains("20000"));
    let one = by("one.png");
    assert!(one["error"].is_null() && one["pass"] == false);
    assert!(
        one["failed_checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v == "resolution")
    );
    // CMYK: decoded (converted) or a clear error, never a panic.
    let cmyk = by("cmyk.jpg");
    assert!(
        cmyk["error"].is_string() || cmyk["checks"].as_array().is_some_and(|c| !c.is_empty()),
        "{cmyk}"
    );
    assert_eq!(by("alpha.png")["pass"], true, "{}", by("alpha.png"));
    let rot = by("rotated.jpg");
    assert_eq!(rot["pass"], true, "{rot}");
    let c = &rot["checks"][0];
    for key in ["id", "outcome", "value", "threshold", "reason"] {
        assert!(!c[key].is_null(), "{key}");
    }
    // Without the EXIF orientation the same pixels are a sideways photo.
    let (code, lines) = run_check(vec![p("rotated_no_exif.jpg")], None);
    assert_eq!((code, lines[0]["pass"].as_bool()), (1, Some(false)));
}

#[test]
fn check_cli_all_pass_and_crop_out() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("s1.png");
    render(&Subject::good(410)).save(&f).unwrap();
    let out = dir.path().join("crops");
    let (code, lines) = run_check(vec![f.clone()], Some(out.clone()));
    assert_eq!(code, 0, "{:?}", lines);
    assert!(lines[0]["failed_checks"].as_array().unwrap().is_empty());
    let crop = std::fs::read(out.join("s1.jpg")).unwrap();
    assert!(crop.len() <= 40 * 1024 && crop.starts_with(&[0xFF, 0xD8]));
    let (code, lines) = run_check(vec![f, dir.path().join("nope.png")], None);
    assert_eq!((code, lines.len()), (1, 2));
    let bad = Defect::MouthOpen.render(5);
    let g = dir.path().join("mouth.png");
    bad.save(&g).unwrap();
    let (code, lines) = run_check(vec![g], None);
    assert_eq!(code, 1);
    assert!(
        lines[0]["failed_checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v == "mouth_closed")
    );
}

/// `check --frame` judges a raw camera frame as the shoot path does (cut, then judge); the same file
/// judged as a finished photo fails, because a 16:9 frame is not a 480×640 photo.
#[test]
fn check_cli_frame_mode_cuts_then_judges() {
    use capture_station::camera::{DemoDefect, DemoScene};
    let dir = tempfile::tempdir().unwrap();
    let mut scene = DemoScene::new(1280, 720);
    let good = dir.path().join("good.png");
    scene
        .render(0.4, DemoDefect::Good, false, None, 1)
        .0
        .save(&good)
        .unwrap();
    let tilted = dir.path().join("tilted.png");
    scene
        .render(0.4, DemoDefect::Tilted, false, None, 2)
        .0
        .save(&tilted)
        .unwrap();
    let (code, lines) = run_check_as(vec![good.clone(), tilted], None, true);
    assert_eq!(code, 1, "{lines:?}");
    assert_eq!(lines[0]["pass"], true, "{}", lines[0]);
    assert!(
        lines[1]["failed_checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v == "head_roll"),
        "{}",
        lines[1]
    );
    let (code, lines) = run_check_as(vec![good], None, false);
    assert_eq!(code, 1);
    assert!(
        lines[0]["failed_checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v == "resolution"),
        "{}",
        lines[0]
    );
}

#[test]
fn final_check_rejects_tiny_images_and_bad_specs() {
    let err = final_check(&RgbImage::new(1, 1), &PhotoSpec::default()).unwrap_err();
    assert!(matches!(err, ComplianceError::TooSmall { .. }));
    let spec = PhotoSpec {
        min_kb: 90,
        ..PhotoSpec::default()
    };
    assert!(matches!(
        final_check(&render(&Subject::good(1)), &spec),
        Err(ComplianceError::Spec(_))
    ));
}

#[test]
fn final_check_on_frames_with_framing_problems() {
    let spec = PhotoSpec::default();
    // Too close: the crop cannot be wide enough, the head ends up too large.
    let mut s = Subject::good(340).in_frame(1280, 720);
    s.face_w *= 1.45;
    s.eye_y = 0.45 * 720.0;
    let shot = final_check(&render(&s), &spec).unwrap();
    let size = shot.verdict.get(ids::HEAD_SIZE).unwrap();
    assert_eq!(size.outcome, Outcome::Fail, "{size:?}");
    assert!(size.hint_en.contains("back"));
    // Crown above the frame: cut off whatever the crop does.
    let mut s = Subject::good(341).in_frame(1280, 720);
    s.eye_y = 0.5 * s.face_w;
    let shot = final_check(&render(&s), &spec).unwrap();
    let pos = shot.verdict.get(ids::HEAD_POSITION).unwrap();
    assert_eq!(pos.outcome, Outcome::Fail, "{pos:?}");
}

#[test]
fn review_overlay_geometry_of_a_stored_photo() {
    let spec = PhotoSpec::default();
    let frame = render(&Subject::good(77).in_frame(1280, 720));
    let shot = final_check(&frame, &spec).unwrap();
    let g = photo_geometry(&shot.crop, &spec).expect("a person in a good photo");
    let eye_y = (g.eye_left[1] + g.eye_right[1]) / 2.0 * f64::from(spec.height);
    let crown = g.crown_y * f64::from(spec.height);
    assert!(
        (spec.eye_line_px.min - 8.0..=spec.eye_line_px.max + 8.0).contains(&eye_y),
        "eye line at {eye_y}"
    );
    assert!(
        (spec.crown_margin_px.min - 8.0..=spec.crown_margin_px.max + 8.0).contains(&crown),
        "crown at {crown}"
    );
    assert!((g.crop_box.w - 1.0).abs() < 1e-9 && (g.crop_box.h - 1.0).abs() < 1e-9);
    let backdrop = RgbImage::from_pixel(480, 640, image::Rgb(spec.background.reference_rgb));
    assert!(photo_geometry(&backdrop, &spec).is_none());
}
