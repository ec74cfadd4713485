//! `capture-station cameras` and `capture-station snapshot` (the lead wires them into main).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, Instant};

use image::RgbImage;
use image::codecs::jpeg::JpegEncoder;

use super::settings::{CameraSettings, DeviceSelector, SourceSetting, open_source};
use super::webcam::{CameraDevice, list_cameras};
use super::{CameraError, DemoDefect, Frame, SourceKind, Text};

/// Arguments of `capture-station cameras`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct CamerasArgs {}

/// Where `snapshot` takes its frame from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SnapshotSource {
    /// Webcam if present, else demo.
    Auto,
    /// A webcam.
    Webcam,
    /// The demo subject.
    Demo,
    /// The next new still dropped into this folder.
    Folder(PathBuf),
}

impl FromStr for SnapshotSource {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(Self::Auto),
            "webcam" => Ok(Self::Webcam),
            "demo" => Ok(Self::Demo),
            _ => match s.strip_prefix("folder:") {
                Some(dir) if !dir.is_empty() => Ok(Self::Folder(PathBuf::from(dir))),
                _ => Err(format!(
                    "unknown source {s:?}: use webcam, demo, auto or folder:DIR"
                )),
            },
        }
    }
}

fn parse_defect(s: &str) -> Result<DemoDefect, String> {
    serde_json::from_value(serde_json::Value::String(s.to_string())).map_err(|_| {
        format!("unknown defect {s:?}: good, off_centre, too_dark, wrong_background, tilted, eyes_closed, glasses, too_far, too_close")
    })
}

/// Arguments of `capture-station snapshot`.
#[derive(clap::Args, Debug, Clone)]
pub struct SnapshotArgs {
    /// Output file; .jpg/.jpeg writes JPEG, .png writes PNG.
    #[arg(long)]
    pub out: PathBuf,
    /// webcam | demo | auto | folder:DIR
    #[arg(long, default_value = "auto", value_parser = SnapshotSource::from_str)]
    pub source: SnapshotSource,
    /// Webcam index or name substring.
    #[arg(long)]
    pub device: Option<String>,
    /// Demo defect to render (good, too_dark, tilted, …).
    #[arg(long, value_parser = parse_defect)]
    pub defect: Option<DemoDefect>,
    /// Give up after this many seconds without a frame.
    #[arg(long, default_value_t = 15)]
    pub timeout_secs: u64,
    /// Frames of a live source are discarded for this long first (auto exposure settles).
    #[arg(long, default_value_t = 700)]
    pub warmup_ms: u64,
}

/// Human-readable camera list; says plainly when there is none.
pub fn format_camera_list(devices: &[CameraDevice]) -> String {
    if devices.is_empty() {
        let t = Text::new(
            "未检测到摄像头。可以使用演示画面（source = \"demo\"）或热文件夹（source = \"folder\"）。",
            "No camera found. Use the demo subject (source = \"demo\") or a hot folder (source = \"folder\").",
        );
        return format!("{}\n{}\n", t.en, t.zh);
    }
    let mut s = String::new();
    for d in devices {
        s.push_str(&format!("[{}] {}  ({})\n", d.index, d.name, d.description));
        match &d.format_error {
            Some(e) => s.push_str(&format!("    formats unavailable: {e}\n")),
            None if d.formats.is_empty() => s.push_str("    no formats reported\n"),
            None => {
                for f in &d.formats {
                    s.push_str(&format!("    {f}\n"));
                }
            }
        }
    }
    s
}

/// `capture-station cameras`: lists devices and their formats on stdout (exit 0 with none).
pub fn run_cameras(_args: &CamerasArgs) -> Result<(), CameraError> {
    let devices = list_cameras()?;
    let text = format_camera_list(&devices);
    std::io::stdout()
        .write_all(text.as_bytes())
        .map_err(|source| CameraError::Io {
            path: PathBuf::from("<stdout>"),
            source,
        })
}

/// Image formats `snapshot` can write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OutFormat {
    Jpeg,
    Png,
}

fn out_format(path: &Path) -> Result<OutFormat, CameraError> {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("jpg" | "jpeg") => Ok(OutFormat::Jpeg),
        Some("png") => Ok(OutFormat::Png),
        _ => Err(CameraError::UnsupportedOutputFormat(path.to_path_buf())),
    }
}

/// Writes `img` as JPEG (quality 95) or PNG according to the extension of `path`.
pub fn save_image(img: &RgbImage, path: &Path) -> Result<(), CameraError> {
    let format = out_format(path)?;
    let io = |source| CameraError::Io {
        path: path.to_path_buf(),
        source,
    };
    let enc = |e: image::ImageError| CameraError::Encode {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut w = BufWriter::new(File::create(path).map_err(io)?);
    match format {
        OutFormat::Jpeg => JpegEncoder::new_with_quality(&mut w, 95)
            .encode_image(img)
            .map_err(enc)?,
        OutFormat::Png => img.write_to(&mut w, image::ImageFormat::Png).map_err(enc)?,
    }
    w.flush().map_err(io)
}

/// Grabs one full-resolution frame as `snapshot` would, starting from `base` settings.
pub fn grab_frame(
    args: &SnapshotArgs,
    base: &CameraSettings,
) -> Result<(Frame, String, Option<Text>), CameraError> {
    let mut settings = base.clone();
    match &args.source {
        SnapshotSource::Auto => settings.source = SourceSetting::Auto,
        SnapshotSource::Webcam => settings.source = SourceSetting::Webcam,
        SnapshotSource::Demo => settings.source = SourceSetting::Demo,
        SnapshotSource::Folder(dir) => {
            settings.source = SourceSetting::Folder;
            settings.folder = Some(dir.clone());
        }
    }
    if let Some(d) = &args.device {
        settings.device = d.parse::<DeviceSelector>().ok();
    }
    if let Some(d) = args.defect {
        settings.demo_defect = d;
    }
    let opened = open_source(&settings)?;
    let mut source = opened.source;
    source.open()?;
    let start = Instant::now();
    let timeout = Duration::from_secs(args.timeout_secs);
    let warm_until = start + Duration::from_millis(args.warmup_ms);
    let result = loop {
        let now = Instant::now();
        if now >= start + timeout {
            break Err(CameraError::Timeout { waited: timeout });
        }
        let wait = (start + timeout - now).min(Duration::from_millis(200));
        match source.next_frame(wait) {
            Ok(Some(f)) if source.kind() == SourceKind::Stills || Instant::now() >= warm_until => {
                break Ok(f);
            }
            Ok(_) => {}
            Err(e) => break Err(e),
        }
    };
    let description = source.describe();
    source.close();
    result.map(|f| (f, description, opened.notice))
}

/// `capture-station snapshot --out FILE [--source …]`: saves one full-resolution frame.
pub fn run_snapshot(args: &SnapshotArgs) -> Result<(), CameraError> {
    run_snapshot_with(args, &CameraSettings::default())
}

/// Like [`run_snapshot`], starting from the `[camera]` settings of the config file.
pub fn run_snapshot_with(args: &SnapshotArgs, base: &CameraSettings) -> Result<(), CameraError> {
    // Fail on a bad extension before touching the camera.
    out_format(&args.out)?;
    let (frame, description, notice) = grab_frame(args, base)?;
    if let Some(n) = notice {
        eprintln!("{}", n.both());
    }
    save_image(&frame.image, &args.out)?;
    println!(
        "saved {}×{} frame from {description} to {}",
        frame.width(),
        frame.height(),
        args.out.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sources_and_defects() {
        assert_eq!(
            "demo".parse::<SnapshotSource>().unwrap(),
            SnapshotSource::Demo
        );
        assert_eq!(
            "folder:/a b".parse::<SnapshotSource>().unwrap(),
            SnapshotSource::Folder("/a b".into())
        );
        assert!("folder:".parse::<SnapshotSource>().is_err());
        assert!("usb".parse::<SnapshotSource>().is_err());
        assert_eq!(parse_defect("too_dark").unwrap(), DemoDefect::TooDark);
        assert!(parse_defect("blurry").is_err());
    }

    #[test]
    fn output_format_by_extension() {
        assert_eq!(out_format(Path::new("a.JPG")).unwrap(), OutFormat::Jpeg);
        assert_eq!(out_format(Path::new("a.png")).unwrap(), OutFormat::Png);
        assert!(matches!(
            out_format(Path::new("a.bmp")),
            Err(CameraError::UnsupportedOutputFormat(_))
        ));
    }

    #[test]
    fn camera_list_says_plainly_when_empty() {
        let s = format_camera_list(&[]);
        assert!(s.contains("No camera found") && s.contains("未检测到摄像头"));
        let d = CameraDevice {
            index: 0,
            name: "Cam".into(),
            description: "/dev/video0".into(),
            formats: vec![super::super::FormatInfo {
                width: 1280,
                height: 720,
                fps: 30,
                fourcc: "MJPEG".into(),
            }],
            format_error: None,
        };
        let s = format_camera_list(&[d]);
        assert!(
            s.contains("[0] Cam") && s.contains("MJPEG 1280×720 @ 30 fps"),
            "{s}"
        );
    }
}
