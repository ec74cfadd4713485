//! Hot-folder source: a tethered DSLR (or any camera software) drops JPEGs into a directory;
//! each new, completely written image becomes a still. Also usable as a looping replay source.
//!
//! Polling keeps it portable. Files are only read once their size and modification time have
//! been stable for [`FolderOptions::stable_for`]; non-images, oversized images, undecodable or
//! vanished files are skipped with one log line each, never a crash.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use image::RgbImage;

use crate::imaging::{DecodeLimits, ImagingError, decode_bytes};

use super::{CameraError, Frame, FrameSource, SourceKind};

/// File extensions treated as images (case-insensitive).
pub const IMAGE_EXTENSIONS: [&str; 3] = ["jpg", "jpeg", "png"];

/// How the folder is used.
#[derive(Clone, Debug, PartialEq)]
pub enum FolderMode {
    /// Watch for new files; files present at open are ignored. Each new file is one still.
    Watch,
    /// Replay the images present at open, in file-name order, looping, as a live stream.
    Replay {
        /// Delay between frames.
        interval: Duration,
    },
}

/// Hot-folder tuning.
#[derive(Clone, Debug, PartialEq)]
pub struct FolderOptions {
    /// Watch or replay.
    pub mode: FolderMode,
    /// A file is read once its size and mtime were unchanged for this long.
    pub stable_for: Duration,
    /// How often the directory is listed.
    pub poll_interval: Duration,
    /// Largest accepted decoded image, in pixels.
    pub max_pixels: u64,
    /// Largest accepted file, in bytes.
    pub max_file_bytes: u64,
    /// A stable JPEG without its end marker is given this much longer to be completed before
    /// it is decoded anyway (some cameras append trailer data after the marker).
    pub incomplete_grace: Duration,
}

impl Default for FolderOptions {
    fn default() -> Self {
        Self {
            mode: FolderMode::Watch,
            stable_for: Duration::from_millis(500),
            poll_interval: Duration::from_millis(150),
            max_pixels: 64_000_000,
            max_file_bytes: 100 * 1024 * 1024,
            incomplete_grace: Duration::from_secs(3),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Status {
    /// Seen, waiting for the size to settle.
    Pending { since: Instant },
    /// Emitted, skipped or failed; only a change of size/mtime makes it pending again.
    Done,
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    size: u64,
    mtime: Option<SystemTime>,
    status: Status,
}

/// Why a file was skipped.
#[derive(Debug)]
enum Skip {
    Vanished,
    Changed,
    /// A JPEG without its end marker: probably still being written.
    Incomplete,
    TooLargeFile(u64),
    TooManyPixels(u32, u32),
    Undecodable(String),
    Unreadable(std::io::Error),
}

/// The hot-folder [`FrameSource`].
pub struct FolderSource {
    dir: PathBuf,
    options: FolderOptions,
    known: HashMap<PathBuf, Entry>,
    replay: Vec<PathBuf>,
    replay_pos: usize,
    next_poll: Instant,
    next_due: Instant,
    open: bool,
    /// Whether the files present at the first open were recorded.
    baseline_taken: bool,
    seq: u64,
}

fn is_image_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.iter().any(|x| e.eq_ignore_ascii_case(x)))
}

fn is_hidden_or_temp(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.starts_with('.')
        || name.starts_with('~')
        || name.ends_with(".tmp")
        || name.ends_with(".part")
}

impl FolderSource {
    /// A source over `dir` (not touched until [`open`](FrameSource::open)).
    pub fn new(dir: impl Into<PathBuf>, options: FolderOptions) -> Self {
        let now = Instant::now();
        Self {
            dir: dir.into(),
            options,
            known: HashMap::new(),
            replay: Vec::new(),
            replay_pos: 0,
            next_poll: now,
            next_due: now,
            open: false,
            baseline_taken: false,
            seq: 0,
        }
    }

    /// The watched directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn unavailable(&self, message: impl Into<String>) -> CameraError {
        CameraError::FolderUnavailable {
            path: self.dir.clone(),
            message: message.into(),
        }
    }

    /// Lists regular files with their size and mtime.
    fn list(&self) -> Result<Vec<(PathBuf, u64, Option<SystemTime>)>, CameraError> {
        let rd = std::fs::read_dir(&self.dir).map_err(|e| self.unavailable(e.to_string()))?;
        let mut out = Vec::new();
        for entry in rd.flatten() {
            let path = entry.path();
            // A file may vanish between listing and stat; that is not an error.
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            if meta.is_file() && !is_hidden_or_temp(&path) {
                out.push((path, meta.len(), meta.modified().ok()));
            }
        }
        Ok(out)
    }

    fn scan(&mut self) -> Result<(), CameraError> {
        let now = Instant::now();
        let listed = self.list()?;
        let present: std::collections::HashSet<&PathBuf> =
            listed.iter().map(|(p, _, _)| p).collect();
        self.known.retain(|p, _| present.contains(p));
        for (path, size, mtime) in listed {
            match self.known.get_mut(&path) {
                Some(e) if e.size == size && e.mtime == mtime => {}
                Some(e) => {
                    // Still being written, or overwritten by the camera software: wait again.
                    e.size = size;
                    e.mtime = mtime;
                    e.status = Status::Pending { since: now };
                }
                None => {
                    let status = if is_image_name(&path) {
                        Status::Pending { since: now }
                    } else {
                        tracing::info!(file = %path.display(), "hot folder: ignoring non-image file");
                        Status::Done
                    };
                    self.known.insert(
                        path,
                        Entry {
                            size,
                            mtime,
                            status,
                        },
                    );
                }
            }
        }
        Ok(())
    }

    fn ready_candidates(&self) -> Vec<PathBuf> {
        let now = Instant::now();
        let mut ready: Vec<(Instant, PathBuf)> = self
            .known
            .iter()
            .filter_map(|(p, e)| match e.status {
                Status::Pending { since }
                    if e.size > 0 && now.duration_since(since) >= self.options.stable_for =>
                {
                    Some((since, p.clone()))
                }
                _ => None,
            })
            .collect();
        ready.sort();
        ready.into_iter().map(|(_, p)| p).collect()
    }

    /// Reads and decodes one file, enforcing the size limits.
    fn load(
        &self,
        path: &Path,
        expected_size: Option<u64>,
        allow_incomplete: bool,
    ) -> Result<RgbImage, Skip> {
        let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Skip::Vanished,
            _ => Skip::Unreadable(e),
        })?;
        if meta.len() > self.options.max_file_bytes {
            return Err(Skip::TooLargeFile(meta.len()));
        }
        let bytes = std::fs::read(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Skip::Vanished,
            _ => Skip::Unreadable(e),
        })?;
        if expected_size.is_some_and(|s| s != bytes.len() as u64) {
            return Err(Skip::Changed);
        }
        if !allow_incomplete && jpeg_lacks_end_marker(&bytes) {
            return Err(Skip::Incomplete);
        }
        decode_limited(&bytes, self.options.max_pixels)
    }

    fn next_still(&mut self) -> Result<Option<Frame>, CameraError> {
        for path in self.ready_candidates() {
            let Some(entry) = self.known.get(&path).copied() else {
                continue;
            };
            let Status::Pending { since } = entry.status else {
                continue;
            };
            let waited = since.elapsed();
            let allow_incomplete =
                waited >= self.options.stable_for + self.options.incomplete_grace;
            let result = self.load(&path, Some(entry.size), allow_incomplete);
            match result {
                Ok(img) => {
                    if let Some(e) = self.known.get_mut(&path) {
                        e.status = Status::Done;
                    }
                    tracing::info!(file = %path.display(), width = img.width(), height = img.height(), "hot folder: new still");
                    let frame = Frame::new(self.seq, img);
                    self.seq += 1;
                    return Ok(Some(frame));
                }
                Err(Skip::Changed) => {
                    if let Some(e) = self.known.get_mut(&path) {
                        e.status = Status::Pending {
                            since: Instant::now(),
                        };
                    }
                }
                Err(Skip::Incomplete) => {
                    // Stays pending; decoded anyway once the grace period is over.
                    tracing::debug!(file = %path.display(), waited_ms = waited.as_millis() as u64, "hot folder: JPEG has no end marker yet; waiting");
                }
                Err(Skip::Vanished) => {
                    tracing::warn!(file = %path.display(), "hot folder: file was deleted before it could be read; skipped");
                    self.known.remove(&path);
                }
                Err(skip) => {
                    log_skip(&path, &skip);
                    if let Some(e) = self.known.get_mut(&path) {
                        e.status = Status::Done;
                    }
                }
            }
        }
        Ok(None)
    }

    fn next_replay(&mut self) -> Result<Option<Frame>, CameraError> {
        for _ in 0..self.replay.len() {
            let path = self.replay[self.replay_pos % self.replay.len()].clone();
            self.replay_pos = (self.replay_pos + 1) % self.replay.len();
            match self.load(&path, None, true) {
                Ok(img) => {
                    let frame = Frame::new(self.seq, img);
                    self.seq += 1;
                    return Ok(Some(frame));
                }
                Err(skip) => log_skip(&path, &skip),
            }
        }
        Err(self.unavailable("no readable image to replay"))
    }
}

fn log_skip(path: &Path, skip: &Skip) {
    let file = path.display();
    match skip {
        Skip::Vanished => {
            tracing::warn!(file = %file, "hot folder: file was deleted before it could be read; skipped")
        }
        Skip::Changed => {
            tracing::debug!(file = %file, "hot folder: file changed while reading; will retry")
        }
        Skip::Incomplete => {
            tracing::debug!(file = %file, "hot folder: JPEG has no end marker yet; waiting")
        }
        Skip::TooLargeFile(n) => {
            tracing::warn!(file = %file, bytes = n, "hot folder: file too large; skipped")
        }
        Skip::TooManyPixels(w, h) => {
            tracing::warn!(file = %file, width = w, height = h, "hot folder: image has too many pixels; skipped")
        }
        Skip::Undecodable(e) => {
            tracing::warn!(file = %file, error = %e, "hot folder: not a readable image (partial or corrupt?); skipped")
        }
        Skip::Unreadable(e) => {
            tracing::warn!(file = %file, error = %e, "hot folder: could not read file; skipped")
        }
    }
}

/// True for JPEG data that does not end with the EOI marker (trailing padding allowed).
fn jpeg_lacks_end_marker(bytes: &[u8]) -> bool {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return false;
    }
    let end = bytes.iter().rposition(|&b| b != 0x00).map_or(0, |i| i + 1);
    !bytes[..end].ends_with(&[0xFF, 0xD9])
}

/// Decodes an in-memory JPEG/PNG to RGB8 with the shared decoder: refuses images above `max_pixels` before
/// allocating them and applies the EXIF orientation (portrait shots from DSLRs).
fn decode_limited(bytes: &[u8], max_pixels: u64) -> Result<RgbImage, Skip> {
    let limits = DecodeLimits {
        max_side: u32::try_from(max_pixels).unwrap_or(u32::MAX),
        max_pixels,
    };
    decode_bytes(bytes, "hot-folder file", limits).map_err(|e| match e {
        ImagingError::TooLarge { width, height, .. } => Skip::TooManyPixels(width, height),
        other => Skip::Undecodable(other.to_string()),
    })
}

impl FrameSource for FolderSource {
    fn describe(&self) -> String {
        match self.options.mode {
            FolderMode::Watch => format!("hot folder {}", self.dir.display()),
            FolderMode::Replay { .. } => format!("replay of {}", self.dir.display()),
        }
    }

    fn kind(&self) -> SourceKind {
        match self.options.mode {
            FolderMode::Watch => SourceKind::Stills,
            FolderMode::Replay { .. } => SourceKind::Live,
        }
    }

    fn open(&mut self) -> Result<(), CameraError> {
        let meta = std::fs::metadata(&self.dir).map_err(|e| self.unavailable(e.to_string()))?;
        if !meta.is_dir() {
            return Err(self.unavailable("not a directory"));
        }
        let listed = self.list()?;
        let now = Instant::now();
        match self.options.mode {
            FolderMode::Watch => {
                // Files already there belong to earlier shots; only new ones count. On reconnect
                // keep what we knew so a file dropped during the outage is still picked up.
                if !self.baseline_taken {
                    self.baseline_taken = true;
                    for (path, size, mtime) in listed {
                        self.known.insert(
                            path,
                            Entry {
                                size,
                                mtime,
                                status: Status::Done,
                            },
                        );
                    }
                }
                tracing::info!(dir = %self.dir.display(), existing = self.known.len(), "hot folder: watching");
            }
            FolderMode::Replay { .. } => {
                let mut images: Vec<PathBuf> = listed
                    .into_iter()
                    .map(|(p, _, _)| p)
                    .filter(|p| is_image_name(p))
                    .collect();
                images.sort();
                if images.is_empty() {
                    return Err(self.unavailable("no images to replay"));
                }
                self.replay = images;
                self.replay_pos = 0;
            }
        }
        self.next_poll = now;
        self.next_due = now;
        self.open = true;
        Ok(())
    }

    fn next_frame(&mut self, timeout: Duration) -> Result<Option<Frame>, CameraError> {
        if !self.open {
            return Err(CameraError::Closed);
        }
        let deadline = Instant::now() + timeout;
        if let FolderMode::Replay { interval } = self.options.mode {
            let now = Instant::now();
            if self.next_due > deadline {
                std::thread::sleep(deadline.saturating_duration_since(now));
                return Ok(None);
            }
            std::thread::sleep(self.next_due.saturating_duration_since(now));
            let frame = self.next_replay()?;
            self.next_due = (self.next_due + interval).max(Instant::now());
            return Ok(frame);
        }
        loop {
            let now = Instant::now();
            if now >= self.next_poll {
                self.scan()?;
                self.next_poll = now + self.options.poll_interval;
                if let Some(frame) = self.next_still()? {
                    return Ok(Some(frame));
                }
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(None);
            }
            std::thread::sleep(self.next_poll.min(deadline).saturating_duration_since(now));
        }
    }

    fn close(&mut self) {
        self.open = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn recognises_image_names() {
        assert!(is_image_name(Path::new("a/IMG_0001.JPG")));
        assert!(is_image_name(Path::new("x.jpeg")));
        assert!(is_image_name(Path::new("x.png")));
        assert!(!is_image_name(Path::new("x.CR3")));
        assert!(!is_image_name(Path::new("notes")));
        assert!(is_hidden_or_temp(Path::new(".IMG_1.JPG")));
        assert!(is_hidden_or_temp(Path::new("IMG_1.JPG.part")));
    }

    #[test]
    fn detects_jpegs_without_end_marker() {
        let img = RgbImage::new(64, 64);
        let mut jpg = Vec::new();
        img.write_to(&mut Cursor::new(&mut jpg), image::ImageFormat::Jpeg)
            .unwrap();
        assert!(!jpeg_lacks_end_marker(&jpg));
        assert!(jpeg_lacks_end_marker(&jpg[..jpg.len() - 10]));
        let mut padded = jpg.clone();
        padded.extend_from_slice(&[0, 0, 0]);
        assert!(!jpeg_lacks_end_marker(&padded));
        assert!(!jpeg_lacks_end_marker(b"\x89PNG not a jpeg"));
    }

    #[test]
    fn decode_refuses_too_many_pixels_before_decoding() {
        let img = RgbImage::new(400, 300);
        let mut png = Vec::new();
        img.write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        assert!(matches!(
            decode_limited(&png, 100_000),
            Err(Skip::TooManyPixels(400, 300))
        ));
        assert_eq!(
            decode_limited(&png, 120_000).unwrap().dimensions(),
            (400, 300)
        );
        assert!(matches!(
            decode_limited(b"hello", 1000),
            Err(Skip::Undecodable(_))
        ));
        assert!(matches!(
            decode_limited(&png[..png.len() / 2], 1_000_000),
            Err(Skip::Undecodable(_))
        ));
    }
}
