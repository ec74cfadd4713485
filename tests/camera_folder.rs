//! Hot folder: partial, non-image, huge and vanished files are skipped with a log line.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use capture_station::camera::folder::{FolderOptions, FolderSource};
use capture_station::camera::{Frame, FrameSource};
use image::{Rgb, RgbImage};

/// Captures log output of the current thread.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

fn capture_logs() -> (Logs, tracing::subscriber::DefaultGuard) {
    let logs = Logs::default();
    let l2 = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || l2.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::DEBUG)
        .finish();
    (logs, tracing::subscriber::set_default(subscriber))
}

fn encoded(w: u32, h: u32, format: image::ImageFormat) -> Vec<u8> {
    let img = RgbImage::from_fn(w, h, |x, y| Rgb([(x % 251) as u8, (y % 241) as u8, 128]));
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), format)
        .unwrap();
    out
}

fn options(stable_ms: u64) -> FolderOptions {
    FolderOptions {
        stable_for: Duration::from_millis(stable_ms),
        poll_interval: Duration::from_millis(10),
        ..FolderOptions::default()
    }
}

/// Polls the source for `d`, collecting frames.
fn collect(src: &mut FolderSource, d: Duration) -> Vec<Frame> {
    let t0 = Instant::now();
    let mut frames = Vec::new();
    while t0.elapsed() < d {
        if let Some(f) = src.next_frame(Duration::from_millis(20)).unwrap() {
            frames.push(f);
        }
    }
    frames
}

#[test]
fn partially_written_file_is_read_only_when_complete() {
    let (logs, _g) = capture_logs();
    let dir = tempfile::tempdir().unwrap();
    let mut src = FolderSource::new(dir.path(), options(250));
    src.open().unwrap();
    let bytes = encoded(1200, 800, image::ImageFormat::Jpeg);
    let path = dir.path().join("IMG_0001.JPG");
    let mut file = std::fs::File::create(&path).unwrap();
    // A slow writer: chunks with pauses shorter than the stability window.
    for chunk in bytes.chunks(bytes.len() / 8 + 1) {
        file.write_all(chunk).unwrap();
        file.flush().unwrap();
        let frames = collect(&mut src, Duration::from_millis(60));
        assert!(frames.is_empty(), "read a partial file");
    }
    drop(file);
    let frames = collect(&mut src, Duration::from_millis(600));
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].image.dimensions(), (1200, 800));
    assert!(logs.text().contains("new still"), "{}", logs.text());
}

#[test]
fn writer_pausing_longer_than_the_window_is_retried_after_completion() {
    let (logs, _g) = capture_logs();
    let dir = tempfile::tempdir().unwrap();
    let mut src = FolderSource::new(dir.path(), options(50));
    src.open().unwrap();
    let bytes = encoded(640, 480, image::ImageFormat::Jpeg);
    let path = dir.path().join("slow.jpg");
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    // The half file looks stable but has no JPEG end marker: it waits.
    assert!(collect(&mut src, Duration::from_millis(300)).is_empty());
    assert!(logs.text().contains("no end marker yet"), "{}", logs.text());
    // When the writer finishes, the file is picked up whole.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    f.write_all(&bytes[bytes.len() / 2..]).unwrap();
    drop(f);
    let frames = collect(&mut src, Duration::from_millis(400));
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].image.dimensions(), (640, 480));
}

#[test]
fn truncated_jpeg_is_decoded_after_the_grace_period_or_skipped() {
    let (logs, _g) = capture_logs();
    let dir = tempfile::tempdir().unwrap();
    let opts = FolderOptions {
        incomplete_grace: Duration::from_millis(200),
        ..options(50)
    };
    let mut src = FolderSource::new(dir.path(), opts);
    src.open().unwrap();
    let bytes = encoded(640, 480, image::ImageFormat::Jpeg);
    // Cut inside the headers: undecodable even after the grace period.
    std::fs::write(dir.path().join("cut.jpg"), &bytes[..40]).unwrap();
    assert!(collect(&mut src, Duration::from_millis(500)).is_empty());
    assert!(
        logs.text().contains("not a readable image") && logs.text().contains("cut.jpg"),
        "{}",
        logs.text()
    );
}

#[test]
fn non_image_files_are_ignored() {
    let (logs, _g) = capture_logs();
    let dir = tempfile::tempdir().unwrap();
    let mut src = FolderSource::new(dir.path(), options(30));
    src.open().unwrap();
    std::fs::write(dir.path().join("notes.txt"), b"hello").unwrap();
    std::fs::write(dir.path().join("IMG_0002.CR3"), b"raw data").unwrap();
    std::fs::write(dir.path().join("fake.jpg"), b"this is not a jpeg").unwrap();
    std::fs::write(
        dir.path().join(".hidden.jpg"),
        encoded(10, 10, image::ImageFormat::Jpeg),
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("sub.jpg")).unwrap();
    assert!(collect(&mut src, Duration::from_millis(300)).is_empty());
    let text = logs.text();
    assert!(
        text.contains("ignoring non-image file") && text.contains("notes.txt"),
        "{text}"
    );
    assert!(text.contains("IMG_0002.CR3"), "{text}");
    assert!(
        text.contains("not a readable image") && text.contains("fake.jpg"),
        "{text}"
    );
    // Each file is logged once, not on every poll.
    assert_eq!(text.matches("notes.txt").count(), 1, "{text}");
    // A good image afterwards still works (PNG too).
    std::fs::write(
        dir.path().join("ok.png"),
        encoded(50, 40, image::ImageFormat::Png),
    )
    .unwrap();
    let frames = collect(&mut src, Duration::from_millis(300));
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].image.dimensions(), (50, 40));
}

#[test]
fn huge_images_and_files_are_refused() {
    let (logs, _g) = capture_logs();
    let dir = tempfile::tempdir().unwrap();
    let opts = FolderOptions {
        max_pixels: 1_000_000,
        max_file_bytes: 400_000,
        ..options(30)
    };
    let mut src = FolderSource::new(dir.path(), opts);
    src.open().unwrap();
    // 3000×3000 = 9 MP, but a tiny file (uniform PNG compresses well).
    let big = RgbImage::from_pixel(3000, 3000, Rgb([1, 2, 3]));
    let mut png = Vec::new();
    big.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    assert!(png.len() < 400_000);
    std::fs::write(dir.path().join("huge.png"), &png).unwrap();
    // A file over the byte limit.
    std::fs::write(dir.path().join("fat.jpg"), vec![0u8; 500_000]).unwrap();
    assert!(collect(&mut src, Duration::from_millis(300)).is_empty());
    let text = logs.text();
    assert!(
        text.contains("too many pixels") && text.contains("width=3000"),
        "{text}"
    );
    assert!(
        text.contains("file too large") && text.contains("fat.jpg"),
        "{text}"
    );
    std::fs::write(
        dir.path().join("fine.jpg"),
        encoded(1000, 1000, image::ImageFormat::Jpeg),
    )
    .unwrap();
    assert_eq!(collect(&mut src, Duration::from_millis(300)).len(), 1);
}

#[test]
fn files_deleted_before_reading_are_skipped() {
    let (_logs, _g) = capture_logs();
    let dir = tempfile::tempdir().unwrap();
    let mut src = FolderSource::new(dir.path(), options(150));
    src.open().unwrap();
    // Deleted within the stability window: never read.
    let p = dir.path().join("gone.jpg");
    std::fs::write(&p, encoded(20, 20, image::ImageFormat::Jpeg)).unwrap();
    assert!(collect(&mut src, Duration::from_millis(50)).is_empty());
    std::fs::remove_file(&p).unwrap();
    assert!(collect(&mut src, Duration::from_millis(300)).is_empty());

    // Racing deletions against immediate reads (no stability window): whatever is read is a
    // complete image, and nothing panics.
    let mut src = FolderSource::new(
        dir.path(),
        FolderOptions {
            stable_for: Duration::ZERO,
            poll_interval: Duration::from_millis(1),
            ..FolderOptions::default()
        },
    );
    src.open().unwrap();
    let d = dir.path().to_path_buf();
    let writer = std::thread::spawn(move || {
        let bytes = encoded(64, 64, image::ImageFormat::Jpeg);
        for i in 0..150 {
            let p = d.join(format!("race{i}.jpg"));
            std::fs::write(&p, &bytes).unwrap();
            std::thread::sleep(Duration::from_micros(300 + (i % 7) * 200));
            std::fs::remove_file(&p).unwrap();
        }
    });
    let mut frames = Vec::new();
    while !writer.is_finished() {
        if let Some(f) = src.next_frame(Duration::from_millis(5)).unwrap() {
            frames.push(f);
        }
    }
    writer.join().unwrap();
    assert!(frames.iter().all(|f| f.image.dimensions() == (64, 64)));
    assert!(collect(&mut src, Duration::from_millis(100)).is_empty());
}

#[test]
fn existing_files_are_not_shots_but_overwritten_ones_are() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("before.jpg"),
        encoded(30, 20, image::ImageFormat::Jpeg),
    )
    .unwrap();
    let mut src = FolderSource::new(dir.path(), options(30));
    src.open().unwrap();
    assert!(collect(&mut src, Duration::from_millis(200)).is_empty());
    // Overwriting an old file with new content counts as a new still.
    std::fs::write(
        dir.path().join("before.jpg"),
        encoded(40, 20, image::ImageFormat::Jpeg),
    )
    .unwrap();
    let frames = collect(&mut src, Duration::from_millis(300));
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].image.dimensions(), (40, 20));
}

#[test]
fn exif_orientation_of_portrait_shots_is_applied() {
    use image::ImageEncoder;
    // Minimal little-endian TIFF with Orientation = 6 (rotate 90° clockwise).
    let exif: Vec<u8> = vec![
        b'I', b'I', 0x2A, 0, 8, 0, 0, 0, // header, IFD at 8
        1, 0, // one entry
        0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, // Orientation SHORT 1 = 6
        0, 0, 0, 0, // no next IFD
    ];
    let img = RgbImage::from_pixel(60, 20, Rgb([200, 10, 10]));
    let mut jpg = Vec::new();
    let mut enc = image::codecs::jpeg::JpegEncoder::new(&mut jpg);
    enc.set_exif_metadata(exif).unwrap();
    enc.write_image(img.as_raw(), 60, 20, image::ExtendedColorType::Rgb8)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut src = FolderSource::new(dir.path(), options(30));
    src.open().unwrap();
    std::fs::write(dir.path().join("portrait.jpg"), &jpg).unwrap();
    let frames = collect(&mut src, Duration::from_millis(300));
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].image.dimensions(), (20, 60));
}
