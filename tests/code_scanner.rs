//! The live scanner worker and the `decode` CLI on generated frames.

#[path = "code_hardset/mod.rs"]
mod hardset;

use std::sync::Arc;
use std::time::{Duration, Instant};

use capture_station::code::cli::{DecodeArgs, run};
use capture_station::code::{CodeEvent, CodeSettings, ScanSource, Scanner, ScannerConfig};
use hardset::Category;

fn config(debounce_ms: u64) -> ScannerConfig {
    let settings = CodeSettings {
        debounce_ms,
        scan_hz: 30.0,
        ..CodeSettings::default()
    };
    ScannerConfig::from_settings(&settings, b"test-key".to_vec()).unwrap()
}

#[test]
fn scanner_reports_a_code_once_and_wedge_scans_too() {
    let (scanner, events) = Scanner::spawn(config(60_000)).unwrap();
    let s = hardset::sample(Category::Plain, 0);
    let expected = s.expected.clone().unwrap();
    let frame = Arc::new(s.frame);
    // Like a camera: keep offering frames until the first event (or give up after 30 s).
    let t0 = Instant::now();
    let first = loop {
        scanner.submit_frame(Arc::clone(&frame), Instant::now());
        if let Ok(e) = events.recv_timeout(Duration::from_millis(100)) {
            break e;
        }
        assert!(t0.elapsed() < Duration::from_secs(30), "no scan event");
    };
    match first {
        CodeEvent::Scanned {
            payload,
            digest_hint,
            source,
            corners,
            ..
        } => {
            assert_eq!(payload, expected);
            assert_eq!(source, ScanSource::Camera);
            assert_eq!(digest_hint.len(), 12);
            assert!(corners.is_some());
        }
        other => panic!("unexpected {other:?}"),
    }
    // Same code seen again within the debounce window: no second event.
    for _ in 0..4 {
        scanner.submit_frame(Arc::clone(&frame), Instant::now());
        std::thread::sleep(Duration::from_millis(150));
    }
    assert!(events.recv_timeout(Duration::from_millis(500)).is_err());

    scanner.submit_wedge("https://example.com/pay".into(), Instant::now());
    match events.recv_timeout(Duration::from_secs(5)).unwrap() {
        CodeEvent::Rejected {
            reason,
            source,
            short,
            ..
        } => {
            assert_eq!(source, ScanSource::Wedge);
            assert!(reason.en.contains("web link"), "{}", reason.en);
            assert!(!short.contains("example.com/pay"));
        }
        other => panic!("unexpected {other:?}"),
    }
    scanner.submit_wedge("Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA==".into(), Instant::now());
    assert!(matches!(
        events.recv_timeout(Duration::from_secs(5)).unwrap(),
        CodeEvent::Scanned {
            source: ScanSource::Wedge,
            ..
        }
    ));
    // A second burst of the same code is a deliberate scan: reported again, never swallowed.
    scanner.submit_wedge("Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA==".into(), Instant::now());
    assert!(matches!(
        events.recv_timeout(Duration::from_secs(5)).unwrap(),
        CodeEvent::Scanned {
            source: ScanSource::Wedge,
            ..
        }
    ));
    let stats = scanner.stats();
    assert!(stats.submitted >= 5);
    assert!(stats.scanned >= 1);
    scanner.stop();
}

#[test]
fn submitting_never_blocks_and_drops_stale_frames() {
    let (scanner, _events) = Scanner::spawn(config(1000)).unwrap();
    let frame = Arc::new(hardset::sample(Category::Negative, 1).frame);
    let t = Instant::now();
    for _ in 0..200 {
        scanner.submit_frame(Arc::clone(&frame), Instant::now());
    }
    // 200 submissions of a 1080p frame must take far less than decoding even one.
    assert!(
        t.elapsed() < Duration::from_millis(200),
        "{:?}",
        t.elapsed()
    );
    let stats = scanner.stats();
    assert_eq!(stats.submitted, 200);
    assert!(stats.dropped >= 190, "{stats:?}");
    assert!(scanner.is_running());
    drop(scanner);
}

#[test]
fn decode_cli_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let with_code = dir.path().join("code.png");
    hardset::sample(Category::Plain, 0)
        .frame
        .save(&with_code)
        .unwrap();
    let without = dir.path().join("none.png");
    hardset::sample(Category::Negative, 0)
        .frame
        .save(&without)
        .unwrap();
    let broken = dir.path().join("broken.jpg");
    std::fs::write(&broken, b"not an image").unwrap();

    let ok = run(&DecodeArgs {
        images: vec![with_code.clone()],
        json: true,
    });
    assert_eq!(
        format!("{ok:?}"),
        format!("{:?}", std::process::ExitCode::SUCCESS)
    );
    for files in [vec![with_code.clone(), without], vec![broken]] {
        let code = run(&DecodeArgs {
            images: files,
            json: true,
        });
        assert_eq!(
            format!("{code:?}"),
            format!("{:?}", std::process::ExitCode::from(1))
        );
    }
}
