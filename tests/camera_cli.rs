//! `cameras` and `snapshot`, and source selection when no camera is attached.

use std::time::Duration;

use capture_station::camera::cli::{
    CamerasArgs, SnapshotArgs, SnapshotSource, format_camera_list, run_cameras, run_snapshot,
};
use capture_station::camera::{
    CameraError, CameraSettings, SourceChoice, SourceSetting, list_cameras, open_source,
};

fn args(out: std::path::PathBuf, source: SnapshotSource) -> SnapshotArgs {
    SnapshotArgs {
        out,
        source,
        device: None,
        defect: None,
        timeout_secs: 10,
        warmup_ms: 0,
    }
}

#[test]
fn listing_cameras_never_fails_and_says_plainly_when_there_is_none() {
    let devices = list_cameras().expect("listing must not fail without cameras");
    let text = format_camera_list(&devices);
    if devices.is_empty() {
        assert!(text.contains("No camera found"), "{text}");
        assert!(text.contains("未检测到摄像头"), "{text}");
    } else {
        for d in &devices {
            assert!(text.contains(&d.name), "{text}");
        }
    }
    run_cameras(&CamerasArgs::default()).unwrap();
}

#[test]
fn auto_falls_back_to_demo_with_a_notice_when_no_camera_exists() {
    let devices = list_cameras().unwrap();
    let opened = open_source(&CameraSettings::default()).unwrap();
    if devices.is_empty() {
        assert_eq!(opened.choice, SourceChoice::Demo { fallback: true });
        let notice = opened.notice.expect("notice for the GUI");
        assert!(notice.en.contains("No camera") && notice.zh.contains("摄像头"));
        assert!(opened.demo.is_some());
    } else {
        assert_eq!(opened.choice, SourceChoice::Webcam);
    }
}

#[test]
fn explicit_webcam_without_camera_fails_clearly() {
    if !list_cameras().unwrap().is_empty() {
        return;
    }
    let mut opened = open_source(&CameraSettings {
        source: SourceSetting::Webcam,
        ..Default::default()
    })
    .unwrap();
    let err = opened.source.open().unwrap_err();
    assert!(matches!(err, CameraError::NoCamera), "{err}");
    assert!(err.is_retryable(), "a camera may be plugged in later");
    assert_eq!(err.text().zh, "未检测到摄像头");
}

#[test]
fn snapshot_saves_a_full_resolution_demo_frame_as_png_or_jpeg() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["shot.png", "shot.jpg"] {
        let out = dir.path().join(name);
        run_snapshot(&args(out.clone(), SnapshotSource::Demo)).unwrap();
        let img = image::open(&out).unwrap();
        assert_eq!((img.width(), img.height()), (1920, 1080));
        // Blue backdrop at the corner.
        let p = img.to_rgb8().get_pixel(30, 30).0;
        assert!(p[2] > 220 && p[0] < 130, "{p:?}");
    }
    let err = run_snapshot(&args(dir.path().join("shot.bmp"), SnapshotSource::Demo)).unwrap_err();
    assert!(matches!(err, CameraError::UnsupportedOutputFormat(_)));
    assert!(!dir.path().join("shot.bmp").exists());
}

#[test]
fn snapshot_from_a_folder_waits_for_the_next_still() {
    let dir = tempfile::tempdir().unwrap();
    let hot = dir.path().join("hot");
    std::fs::create_dir(&hot).unwrap();
    let h2 = hot.clone();
    let writer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(400));
        let img = image::RgbImage::from_pixel(300, 400, image::Rgb([10, 20, 30]));
        img.save(h2.join("IMG_9.jpg")).unwrap();
    });
    let out = dir.path().join("still.png");
    run_snapshot(&args(out.clone(), SnapshotSource::Folder(hot.clone()))).unwrap();
    writer.join().unwrap();
    let img = image::open(&out).unwrap();
    assert_eq!((img.width(), img.height()), (300, 400));

    // No still arrives: a clear timeout, not a hang.
    let mut a = args(dir.path().join("none.png"), SnapshotSource::Folder(hot));
    a.timeout_secs = 1;
    assert!(matches!(run_snapshot(&a), Err(CameraError::Timeout { .. })));
}
