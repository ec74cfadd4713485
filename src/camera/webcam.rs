//! Webcam source via nokhwa (V4L2 on Linux, MediaFoundation on Windows, AVFoundation on macOS).
//!
//! Frames are dequeued and decoded on a dedicated reader thread and handed over through a
//! newest-wins mailbox, so [`FrameSource::next_frame`] can honour its timeout even though the
//! backend call blocks. All backend calls are guarded against panics.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nokhwa::Camera;
use nokhwa::pixel_format::RgbFormat;
use nokhwa::utils::{
    ApiBackend, CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType,
};

use super::settings::DeviceSelector;
use super::{CameraError, Frame, FrameSource, SourceKind};
use crate::pipeline::Mailbox;

/// One video mode a device supports.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FormatInfo {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Frames per second.
    pub fps: u32,
    /// Pixel format as a FourCC-like name: "MJPEG", "YUYV", "NV12", "GRAY", "RAWRGB", "RAWBGR".
    pub fourcc: String,
}

impl std::fmt::Display for FormatInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}×{} @ {} fps",
            self.fourcc, self.width, self.height, self.fps
        )
    }
}

impl FormatInfo {
    fn from_nokhwa(f: &CameraFormat) -> Self {
        Self {
            width: f.width(),
            height: f.height(),
            fps: f.frame_rate(),
            fourcc: f.format().to_string(),
        }
    }

    fn to_nokhwa(&self) -> Option<CameraFormat> {
        let ff = FrameFormat::from_str(&self.fourcc).ok()?;
        Some(CameraFormat::new_from(
            self.width,
            self.height,
            ff,
            self.fps,
        ))
    }
}

/// An attached video device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CameraDevice {
    /// Backend index (use it as `device = N` in the config).
    pub index: u32,
    /// Human-readable name (a substring of it can be used as `device = "name"`).
    pub name: String,
    /// Backend description (e.g. the device node).
    pub description: String,
    /// Supported modes, best first according to our negotiation; empty if unreadable.
    pub formats: Vec<FormatInfo>,
    /// Why the formats could not be read (device busy, permission denied, …).
    pub format_error: Option<String>,
}

fn backend_error(context: &'static str, e: impl std::fmt::Display) -> CameraError {
    CameraError::Backend {
        context,
        message: e.to_string(),
    }
}

/// Runs a backend call, turning a panic inside the backend into an error.
fn guarded<T>(
    context: &'static str,
    f: impl FnOnce() -> Result<T, nokhwa::NokhwaError>,
) -> Result<T, CameraError> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r.map_err(|e| backend_error(context, e)),
        Err(_) => Err(backend_error(context, "the camera backend panicked")),
    }
}

fn native_backend() -> Result<ApiBackend, CameraError> {
    nokhwa::native_api_backend().ok_or_else(|| {
        backend_error(
            "looking for a camera backend",
            "no native camera backend on this platform",
        )
    })
}

/// Lists attached video devices without their formats (cheap; does not open them).
fn query_devices() -> Result<Vec<(u32, String, String)>, CameraError> {
    let backend = native_backend()?;
    let infos = guarded("listing cameras", || nokhwa::query(backend))?;
    Ok(infos
        .into_iter()
        .enumerate()
        .map(|(i, info)| {
            let index = match info.index() {
                CameraIndex::Index(n) => *n,
                CameraIndex::String(_) => i as u32,
            };
            (index, info.human_name(), info.description().to_string())
        })
        .collect())
}

fn open_camera(index: u32) -> Result<Camera, CameraError> {
    let backend = native_backend()?;
    guarded("opening the camera", || {
        Camera::with_backend(
            CameraIndex::Index(index),
            RequestedFormat::new::<RgbFormat>(RequestedFormatType::None),
            backend,
        )
    })
}

fn camera_formats(cam: &mut Camera) -> Result<Vec<FormatInfo>, CameraError> {
    let formats = guarded("reading supported formats", || {
        cam.compatible_camera_formats()
    })?;
    let mut out: Vec<FormatInfo> = formats.iter().map(FormatInfo::from_nokhwa).collect();
    out.sort_by_key(|f| std::cmp::Reverse((f.width * f.height, f.fps)));
    out.dedup();
    Ok(out)
}

/// Names of attached video devices, without opening them (cheap; for `auto` selection).
pub fn list_device_names() -> Result<Vec<String>, CameraError> {
    Ok(query_devices()?
        .into_iter()
        .map(|(_, name, _)| name)
        .collect())
}

/// Lists attached cameras with their supported formats. An empty list means no camera.
pub fn list_cameras() -> Result<Vec<CameraDevice>, CameraError> {
    let devices = query_devices()?;
    Ok(devices
        .into_iter()
        .map(|(index, name, description)| {
            let formats = open_camera(index).and_then(|mut cam| {
                let f = camera_formats(&mut cam);
                close_camera(cam);
                f
            });
            let (formats, format_error) = match formats {
                Ok(f) => (f, None),
                Err(e) => (Vec::new(), Some(e.to_string())),
            };
            CameraDevice {
                index,
                name,
                description,
                formats,
                format_error,
            }
        })
        .collect())
}

/// Drops a camera, containing any panic in the backend's `Drop`.
fn close_camera(cam: Camera) {
    if catch_unwind(AssertUnwindSafe(move || drop(cam))).is_err() {
        tracing::warn!("camera backend panicked while closing the device");
    }
}

fn res_class(f: &FormatInfo, want: (u32, u32)) -> u8 {
    match (f.width, f.height) {
        r if r == want => 0,
        (1920, 1080) => 1,
        (1280, 720) => 2,
        (w, h) if w >= 1280 && w * 9 == h * 16 => 3,
        (w, h) if w >= 640 && h >= 480 => 4,
        _ => 5,
    }
}

fn fourcc_rank(fourcc: &str) -> u8 {
    match fourcc {
        "MJPEG" => 0,
        "YUYV" => 1,
        "NV12" => 2,
        "RAWRGB" | "RAWBGR" => 3,
        _ => 4,
    }
}

/// Picks the best mode: the wanted size (else 1920×1080, else 1280×720, else other 16:9 ≥ 720p,
/// else ≥ 640×480) at ≥ the wanted frame rate, preferring MJPEG; modes under 15 fps come last.
pub fn negotiate(formats: &[FormatInfo], width: u32, height: u32, fps: u32) -> Option<FormatInfo> {
    formats
        .iter()
        .filter(|f| fourcc_rank(&f.fourcc) < 4 && f.width > 0 && f.height > 0)
        .min_by_key(|f| {
            let fps_tier = if f.fps >= fps {
                0
            } else if f.fps >= 15 {
                1
            } else {
                2
            };
            (
                fps_tier,
                res_class(f, (width, height)),
                fourcc_rank(&f.fourcc),
                f.fps.abs_diff(fps),
                std::cmp::Reverse(f.width * f.height),
            )
        })
        .cloned()
}

/// Resolves a device selector against the attached devices.
fn select_device(
    devices: &[(u32, String, String)],
    selector: Option<&DeviceSelector>,
) -> Result<(u32, String), CameraError> {
    let found = match selector {
        None => devices.first(),
        Some(DeviceSelector::Index(i)) => devices.iter().find(|d| d.0 == *i),
        Some(DeviceSelector::Name(n)) => {
            let n = n.to_lowercase();
            devices.iter().find(|d| d.1.to_lowercase().contains(&n))
        }
    };
    match (found, selector) {
        (Some(d), _) => Ok((d.0, d.1.clone())),
        (None, None) => Err(CameraError::NoCamera),
        (None, Some(sel)) => Err(CameraError::DeviceNotFound {
            selector: sel.to_string(),
            available: if devices.is_empty() {
                "none".to_string()
            } else {
                devices
                    .iter()
                    .map(|d| format!("{}: {}", d.0, d.1))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        }),
    }
}

/// What to open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebcamOptions {
    /// Device by index or name substring; `None` = the first one.
    pub device: Option<DeviceSelector>,
    /// Wanted width.
    pub width: u32,
    /// Wanted height.
    pub height: u32,
    /// Wanted frame rate.
    pub fps: u32,
    /// How long to wait for the device to open.
    pub open_timeout: Duration,
}

impl Default for WebcamOptions {
    fn default() -> Self {
        Self {
            device: None,
            width: 1920,
            height: 1080,
            fps: 30,
            open_timeout: Duration::from_secs(5),
        }
    }
}

/// Consecutive undecodable frames tolerated before the stream counts as broken.
const MAX_BAD_FRAMES: u32 = 30;

struct Reader {
    stop: Arc<AtomicBool>,
    frames: Arc<Mailbox<Result<Frame, CameraError>>>,
    thread: Option<JoinHandle<()>>,
}

/// The webcam [`FrameSource`].
pub struct WebcamSource {
    options: WebcamOptions,
    opened: Option<(String, FormatInfo)>,
    reader: Option<Reader>,
}

impl WebcamSource {
    /// A webcam source (the device is not touched until `open`).
    pub fn new(options: WebcamOptions) -> Self {
        Self {
            options,
            opened: None,
            reader: None,
        }
    }

    /// The negotiated device name and mode, once open.
    pub fn negotiated(&self) -> Option<&(String, FormatInfo)> {
        self.opened.as_ref()
    }
}

fn reader_loop(
    index: u32,
    want: (u32, u32, u32),
    stop: Arc<AtomicBool>,
    frames: Arc<Mailbox<Result<Frame, CameraError>>>,
    opened: mpsc::SyncSender<Result<FormatInfo, CameraError>>,
) {
    let setup = (|| {
        let mut cam = open_camera(index)?;
        let formats = camera_formats(&mut cam)?;
        let chosen = negotiate(&formats, want.0, want.1, want.2).ok_or_else(|| {
            CameraError::NoUsableFormat {
                device: format!("#{index}"),
            }
        })?;
        let nf = chosen
            .to_nokhwa()
            .ok_or_else(|| CameraError::NoUsableFormat {
                device: format!("#{index}"),
            })?;
        guarded("setting the video format", || {
            cam.set_camera_requset(RequestedFormat::with_formats(
                RequestedFormatType::Exact(nf),
                &[nf.format()],
            ))
        })?;
        guarded("starting the stream", || cam.open_stream())?;
        let actual = FormatInfo::from_nokhwa(&cam.camera_format());
        Ok::<_, CameraError>((cam, actual))
    })();
    let mut cam = match setup {
        Ok((cam, actual)) => {
            // The opener may have given up waiting; then nobody is listening and we just stop.
            if opened.send(Ok(actual)).is_err() {
                close_camera(cam);
                return;
            }
            cam
        }
        Err(e) => {
            let _ = opened.send(Err(e));
            return;
        }
    };
    let mut seq = 0u64;
    let mut bad = 0u32;
    while !stop.load(Ordering::Relaxed) {
        let buffer = match guarded("reading a frame", || cam.frame()) {
            Ok(b) => b,
            Err(e) => {
                frames.put(Err(CameraError::Disconnected(e.to_string())));
                break;
            }
        };
        let captured_at = Instant::now();
        match guarded("decoding a frame", || buffer.decode_image::<RgbFormat>()) {
            Ok(img) => {
                bad = 0;
                frames.put(Ok(Frame {
                    seq,
                    captured_at,
                    image: Arc::new(img),
                }));
                seq += 1;
            }
            Err(e) => {
                bad += 1;
                tracing::debug!(error = %e, "webcam: dropped an undecodable frame");
                if bad >= MAX_BAD_FRAMES {
                    frames.put(Err(CameraError::Decode(e.to_string())));
                    break;
                }
            }
        }
    }
    let _ = guarded("stopping the stream", || cam.stop_stream());
    close_camera(cam);
}

impl FrameSource for WebcamSource {
    fn describe(&self) -> String {
        match &self.opened {
            Some((name, f)) => format!("webcam {name} ({f})"),
            None => match &self.options.device {
                Some(d) => format!("webcam {d}"),
                None => "webcam (first device)".to_string(),
            },
        }
    }

    fn kind(&self) -> SourceKind {
        SourceKind::Live
    }

    fn open(&mut self) -> Result<(), CameraError> {
        self.close();
        let devices = query_devices()?;
        let (index, name) = select_device(&devices, self.options.device.as_ref())?;
        let stop = Arc::new(AtomicBool::new(false));
        let frames = Arc::new(Mailbox::new());
        let (tx, rx) = mpsc::sync_channel(1);
        let want = (self.options.width, self.options.height, self.options.fps);
        let thread = std::thread::Builder::new()
            .name(format!("webcam-{index}"))
            .spawn({
                let (stop, frames) = (Arc::clone(&stop), Arc::clone(&frames));
                move || reader_loop(index, want, stop, frames, tx)
            })
            .map_err(|e| backend_error("starting the capture thread", e))?;
        let mut reader = Reader {
            stop,
            frames,
            thread: Some(thread),
        };
        match rx.recv_timeout(self.options.open_timeout) {
            Ok(Ok(format)) => {
                tracing::info!(device = %name, index, format = %format, "webcam opened");
                self.opened = Some((name, format));
                self.reader = Some(reader);
                Ok(())
            }
            Ok(Err(e)) => {
                reader.thread.take().map(JoinHandle::join);
                Err(e)
            }
            Err(_) => {
                reader.stop.store(true, Ordering::Relaxed);
                Err(backend_error(
                    "opening the camera",
                    format!("no answer within {:?}", self.options.open_timeout),
                ))
            }
        }
    }

    fn next_frame(&mut self, timeout: Duration) -> Result<Option<Frame>, CameraError> {
        let reader = self.reader.as_ref().ok_or(CameraError::Closed)?;
        match reader.frames.wait_take(timeout) {
            Some(r) => r.map(Some),
            None if reader.thread.as_ref().is_some_and(|t| t.is_finished()) => Err(
                CameraError::Disconnected("capture thread ended".to_string()),
            ),
            None => Ok(None),
        }
    }

    fn close(&mut self) {
        if let Some(mut reader) = self.reader.take() {
            reader.stop.store(true, Ordering::Relaxed);
            reader.frames.close();
            if let Some(t) = reader.thread.take() {
                // The reader notices the flag after its current (blocking) frame read. A device
                // that hangs inside the driver is left behind rather than freezing the caller.
                let deadline = Instant::now() + Duration::from_millis(500);
                while !t.is_finished() && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(5));
                }
                if t.is_finished() {
                    let _ = t.join();
                } else {
                    tracing::warn!("webcam: capture thread did not stop in time; detached");
                }
            }
        }
        self.opened = None;
    }
}

impl Drop for WebcamSource {
    fn drop(&mut self) {
        self.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(fourcc: &str, width: u32, height: u32, fps: u32) -> FormatInfo {
        FormatInfo {
            width,
            height,
            fps,
            fourcc: fourcc.to_string(),
        }
    }

    #[test]
    fn prefers_mjpeg_at_the_wanted_size_and_rate() {
        let formats = [
            f("YUYV", 1920, 1080, 5),
            f("YUYV", 1280, 720, 10),
            f("MJPEG", 1920, 1080, 30),
            f("MJPEG", 1280, 720, 30),
            f("MJPEG", 640, 480, 30),
        ];
        assert_eq!(
            negotiate(&formats, 1920, 1080, 30),
            Some(f("MJPEG", 1920, 1080, 30))
        );
        assert_eq!(
            negotiate(&formats, 1280, 720, 30),
            Some(f("MJPEG", 1280, 720, 30))
        );
    }

    #[test]
    fn falls_back_to_a_usable_rate_then_size() {
        // 1080p only at 5 fps in YUYV: take 720p MJPEG at 30 instead.
        let formats = [
            f("YUYV", 1920, 1080, 5),
            f("MJPEG", 1280, 720, 30),
            f("YUYV", 640, 480, 30),
        ];
        assert_eq!(
            negotiate(&formats, 1920, 1080, 30),
            Some(f("MJPEG", 1280, 720, 30))
        );
        // Only YUYV: 720p@30 beats 1080p@5.
        let formats = [f("YUYV", 1920, 1080, 5), f("YUYV", 1280, 720, 30)];
        assert_eq!(
            negotiate(&formats, 1920, 1080, 30),
            Some(f("YUYV", 1280, 720, 30))
        );
        // A 4:3 camera: largest usable mode.
        let formats = [
            f("MJPEG", 640, 480, 30),
            f("MJPEG", 1600, 1200, 30),
            f("MJPEG", 320, 240, 30),
        ];
        assert_eq!(
            negotiate(&formats, 1920, 1080, 30),
            Some(f("MJPEG", 1600, 1200, 30))
        );
        // 15 fps is acceptable when nothing faster exists; unknown formats are ignored.
        let formats = [
            f("H264", 1920, 1080, 30),
            f("MJPEG", 1920, 1080, 15),
            f("MJPEG", 1920, 1080, 5),
        ];
        assert_eq!(
            negotiate(&formats, 1920, 1080, 30),
            Some(f("MJPEG", 1920, 1080, 15))
        );
        assert_eq!(
            negotiate(&[f("H264", 1920, 1080, 30)], 1920, 1080, 30),
            None
        );
    }

    #[test]
    fn selects_devices_by_index_and_name() {
        let devs = vec![
            (0, "Integrated Camera".to_string(), String::new()),
            (2, "Logitech C920".to_string(), String::new()),
        ];
        assert_eq!(select_device(&devs, None).unwrap().0, 0);
        assert_eq!(
            select_device(&devs, Some(&DeviceSelector::Index(2)))
                .unwrap()
                .0,
            2
        );
        assert_eq!(
            select_device(&devs, Some(&DeviceSelector::Name("c920".into())))
                .unwrap()
                .0,
            2
        );
        let err = select_device(&devs, Some(&DeviceSelector::Name("canon".into()))).unwrap_err();
        assert!(err.to_string().contains("Logitech C920"), "{err}");
        assert!(matches!(
            select_device(&[], None),
            Err(CameraError::NoCamera)
        ));
    }

    #[test]
    fn format_round_trips_to_nokhwa() {
        let fi = f("MJPEG", 1280, 720, 30);
        assert_eq!(FormatInfo::from_nokhwa(&fi.to_nokhwa().unwrap()), fi);
        assert!(f("H264", 1, 1, 1).to_nokhwa().is_none());
    }
}
