//! The demo and hot-folder sources drive the whole pipeline.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use capture_station::camera::folder::{FolderMode, FolderOptions, FolderSource};
use capture_station::camera::{DemoDefect, DemoSource, SourceKind, SourceState};
use capture_station::pipeline::{
    AnalysisInput, FrameAnalyzer, Pipeline, PipelineBuilder, PipelineConfig,
};
use image::{Rgb, RgbImage};

/// Records what it saw; optionally slow.
struct Probe {
    busy: Duration,
}

#[derive(Debug)]
struct Seen {
    seq: u64,
    proxy: (u32, u32),
    scale: u32,
    full: (u32, u32),
    mean_blue: f64,
}

impl FrameAnalyzer for Probe {
    type Output = Seen;
    fn analyze(&mut self, input: &AnalysisInput) -> Seen {
        let t0 = Instant::now();
        let raw = input.proxy.as_raw();
        let mean_blue =
            raw.chunks_exact(3).map(|p| p[2] as f64).sum::<f64>() / (raw.len() / 3) as f64;
        while t0.elapsed() < self.busy {
            std::hint::spin_loop();
        }
        Seen {
            seq: input.seq,
            proxy: input.proxy.dimensions(),
            scale: input.proxy_scale,
            full: input.frame.image.dimensions(),
            mean_blue,
        }
    }
}

#[test]
fn demo_frames_flow_through_preview_and_analysis() {
    let demo = DemoSource::new(1280, 720, 30);
    let handle = demo.handle();
    let wakeups = Arc::new(AtomicUsize::new(0));
    let w = Arc::clone(&wakeups);
    let mut builder =
        PipelineBuilder::new(Box::new(demo), PipelineConfig::default()).on_update(move || {
            w.fetch_add(1, Ordering::Relaxed);
        });
    let analysis = builder.add_analyzer(
        "probe",
        Probe {
            busy: Duration::ZERO,
        },
    );
    let pipeline = builder.start().unwrap();

    let mut last_seq = None;
    let t0 = Instant::now();
    let mut previews = 0;
    while t0.elapsed() < Duration::from_millis(1500) {
        if let Some(p) = pipeline.wait_preview(Duration::from_millis(200)) {
            assert_eq!(p.image.dimensions(), (1280, 720));
            assert_eq!(p.frame.image.dimensions(), (1280, 720));
            assert!(!p.is_still);
            assert!(last_seq.is_none_or(|s| p.seq > s), "sequence must increase");
            last_seq = Some(p.seq);
            previews += 1;
        }
    }
    // Bounds are loose so the test holds on a loaded 2-core machine with a debug build.
    assert!(previews > 5, "{previews} previews");
    let r = analysis
        .wait(Duration::from_secs(1))
        .expect("analysis result");
    assert_eq!(r.output.proxy, (640, 360));
    assert_eq!(r.output.scale, 2);
    assert_eq!(r.output.full, (1280, 720));
    assert_eq!(r.seq, r.output.seq);
    // Light-blue backdrop dominates the frame.
    assert!(r.output.mean_blue > 150.0, "{}", r.output.mean_blue);
    assert!(handle.last_geometry().is_some());

    let s = pipeline.stats();
    assert_eq!(s.source_state, SourceState::Connected);
    assert!(s.source.contains("demo"));
    assert!(
        s.capture_fps > 5.0 && s.capture_fps < 40.0,
        "capture fps {}",
        s.capture_fps
    );
    assert!(s.frames_captured >= previews as u64);
    assert_eq!(s.frame_size, (1280, 720));
    assert!(s.prep_ms >= 0.0 && s.prep_ms < 100.0);
    assert!(
        s.preview_latency_ms > 0.0 && s.preview_latency_ms < 1000.0,
        "{}",
        s.preview_latency_ms
    );
    let a = &s.analyzers[0];
    assert_eq!(a.name, "probe");
    assert!(a.analyzed > 5 && a.fps > 3.0, "{a:?}");
    assert!(a.latency_ms > 0.0 && a.latency_ms < 1000.0, "{a:?}");
    assert_eq!(a.panics, 0);
    assert!(wakeups.load(Ordering::Relaxed) > 20);

    // Switching the defect reaches the next frames.
    handle.set_defect(DemoDefect::WrongBackground);
    std::thread::sleep(Duration::from_millis(200));
    let _ = analysis.take();
    let r = analysis.wait(Duration::from_secs(1)).unwrap();
    assert!(r.output.mean_blue < 230.0 && r.output.mean_blue > 150.0);
    assert_eq!(handle.last_geometry().unwrap().background, [214, 211, 204]);
}

#[test]
fn shoot_returns_the_full_resolution_frame_not_the_preview() {
    let pipeline = Pipeline::start(
        Box::new(DemoSource::new(1920, 1080, 30)),
        PipelineConfig::default(),
    )
    .unwrap();
    let p = pipeline
        .wait_preview(Duration::from_secs(3))
        .expect("preview");
    assert_eq!(p.image.dimensions(), (960, 540));
    assert_eq!(p.scale, 2);
    let shot = pipeline.shoot().wait(Duration::from_secs(3)).unwrap();
    assert_eq!(shot.image.dimensions(), (1920, 1080));
    assert!(shot.seq >= p.seq);
    assert!(shot.captured_at.elapsed() < Duration::from_secs(1));
}

#[test]
fn slow_analysis_and_slow_consumer_drop_frames_instead_of_queueing() {
    let mut builder = PipelineBuilder::new(
        Box::new(DemoSource::new(640, 360, 30)),
        PipelineConfig::default(),
    );
    let slow = builder.add_analyzer(
        "slow",
        Probe {
            busy: Duration::from_millis(150),
        },
    );
    let fast = builder.add_analyzer(
        "fast",
        Probe {
            busy: Duration::ZERO,
        },
    );
    let pipeline = builder.start().unwrap();
    // The consumer does not look for 1.5 s.
    std::thread::sleep(Duration::from_millis(1500));
    let s = pipeline.stats();
    let p = pipeline.latest_preview().expect("a preview is waiting");
    // Only the newest preview was kept.
    assert!(s.previews_dropped + 2 >= s.frames_captured, "{s:?}");
    assert!(
        p.seq + 3 >= s.frames_captured,
        "stale preview {} of {}",
        p.seq,
        s.frames_captured
    );
    let slow_stats = &s.analyzers[0];
    assert!(slow_stats.analyzed <= 12, "{slow_stats:?}");
    assert!(slow_stats.skipped > 5, "{slow_stats:?}");
    assert!(slow_stats.busy_ms >= 140.0, "{slow_stats:?}");
    // The slow stage does not slow down capture or the other stage.
    assert!(s.frames_captured > slow_stats.analyzed * 2, "{s:?}");
    assert!(s.analyzers[1].analyzed > slow_stats.analyzed * 2, "{s:?}");
    // The slow stage works on recent frames, not a backlog.
    let r = slow.wait(Duration::from_secs(1)).unwrap();
    let newest = pipeline.stats().frames_captured;
    assert!(
        r.seq + 10 >= newest,
        "analysed {} while capture is at {}",
        r.seq,
        newest
    );
    assert!(fast.latest().is_some());
}

fn jpeg(w: u32, h: u32, color: [u8; 3]) -> Vec<u8> {
    let img = RgbImage::from_pixel(w, h, Rgb(color));
    let mut out = Vec::new();
    img.write_to(
        &mut std::io::Cursor::new(&mut out),
        image::ImageFormat::Jpeg,
    )
    .unwrap();
    out
}

#[test]
fn hot_folder_stills_flow_and_shoot_waits_for_the_next_still() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("old.jpg"), jpeg(64, 48, [1, 2, 3])).unwrap();
    let options = FolderOptions {
        stable_for: Duration::from_millis(100),
        poll_interval: Duration::from_millis(20),
        ..FolderOptions::default()
    };
    let mut builder = PipelineBuilder::new(
        Box::new(FolderSource::new(dir.path(), options)),
        PipelineConfig::default(),
    );
    let analysis = builder.add_analyzer(
        "probe",
        Probe {
            busy: Duration::ZERO,
        },
    );
    let pipeline = builder.start().unwrap();
    assert_eq!(pipeline.kind(), SourceKind::Stills);
    let shot = pipeline.shoot();
    // Existing files are not shots, and nothing arrives while the folder is quiet.
    std::thread::sleep(Duration::from_millis(400));
    assert!(shot.try_take().unwrap().is_none());
    assert!(pipeline.latest_preview().is_none());
    assert_eq!(
        pipeline.state(),
        SourceState::Connected,
        "a quiet folder is not a stall"
    );

    std::fs::write(
        dir.path().join("IMG_0001.JPG"),
        jpeg(2000, 1500, [100, 197, 255]),
    )
    .unwrap();
    let frame = shot.wait(Duration::from_secs(3)).unwrap();
    assert_eq!(frame.image.dimensions(), (2000, 1500));
    let p = pipeline.wait_preview(Duration::from_secs(1)).unwrap();
    assert!(p.is_still);
    assert_eq!(p.image.dimensions(), (666, 500));
    assert_eq!(p.frame.image.dimensions(), (2000, 1500));
    let r = analysis.wait(Duration::from_secs(1)).unwrap();
    assert_eq!(r.output.full, (2000, 1500));
    assert_eq!(r.output.scale, 5);
    assert_eq!(r.output.proxy, (400, 300));

    // A second still needs a new shot request; the old one is not replayed.
    let shot2 = pipeline.shoot();
    std::thread::sleep(Duration::from_millis(300));
    assert!(shot2.try_take().unwrap().is_none());
    std::fs::write(dir.path().join("IMG_0002.JPG"), jpeg(800, 600, [9, 9, 9])).unwrap();
    assert_eq!(
        shot2
            .wait(Duration::from_secs(3))
            .unwrap()
            .image
            .dimensions(),
        (800, 600)
    );
    assert_eq!(pipeline.stats().frames_captured, 2);
}

#[test]
fn folder_replay_acts_as_a_live_source() {
    let dir = tempfile::tempdir().unwrap();
    for (i, c) in [[255, 0, 0], [0, 255, 0], [0, 0, 255]]
        .into_iter()
        .enumerate()
    {
        std::fs::write(dir.path().join(format!("{i}.jpg")), jpeg(320, 240, c)).unwrap();
    }
    std::fs::write(dir.path().join("readme.txt"), b"not an image").unwrap();
    let options = FolderOptions {
        mode: FolderMode::Replay {
            interval: Duration::from_millis(20),
        },
        ..FolderOptions::default()
    };
    let pipeline = Pipeline::start(
        Box::new(FolderSource::new(dir.path(), options)),
        PipelineConfig::default(),
    )
    .unwrap();
    assert_eq!(pipeline.kind(), SourceKind::Live);
    let mut colours = Vec::new();
    while colours.len() < 6 {
        let p = pipeline
            .wait_preview(Duration::from_secs(2))
            .expect("replayed frame");
        colours.push(p.image.get_pixel(10, 10).0);
    }
    // All three images come round (order preserved, looping).
    assert!(
        colours.iter().any(|c| c[0] > 200)
            && colours.iter().any(|c| c[1] > 200)
            && colours.iter().any(|c| c[2] > 200)
    );
    assert!(pipeline.shoot().wait(Duration::from_secs(1)).is_ok());
}
