//! `[camera]` configuration section and source selection.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::folder::{FolderMode, FolderOptions, FolderSource};
use super::webcam::{WebcamOptions, WebcamSource};
use super::{CameraError, DemoDefect, DemoHandle, DemoSource, FrameSource, SupervisorConfig, Text};

/// Which source to use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceSetting {
    /// A webcam if one is attached, otherwise the demo subject.
    #[default]
    Auto,
    /// A webcam (fails/reconnects if none is attached).
    Webcam,
    /// The synthetic demo subject.
    Demo,
    /// A hot folder fed by a tethered camera.
    Folder,
}

/// A device by backend index or by (case-insensitive) name substring.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum DeviceSelector {
    /// Backend index, e.g. `0` for /dev/video0.
    Index(u32),
    /// Name substring, e.g. `"C920"`.
    Name(String),
}

impl std::fmt::Display for DeviceSelector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeviceSelector::Index(i) => write!(f, "#{i}"),
            DeviceSelector::Name(n) => write!(f, "{n:?}"),
        }
    }
}

impl FromStr for DeviceSelector {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(s.trim().parse::<u32>().map_or_else(
            |_| DeviceSelector::Name(s.trim().to_string()),
            DeviceSelector::Index,
        ))
    }
}

/// The `[camera]` section of the configuration file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CameraSettings {
    /// `auto` | `webcam` | `demo` | `folder`.
    pub source: SourceSetting,
    /// Webcam index or name substring; absent = first device.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<DeviceSelector>,
    /// Wanted capture width (webcam and demo).
    pub width: u32,
    /// Wanted capture height (webcam and demo).
    pub height: u32,
    /// Wanted frame rate (webcam and demo).
    pub fps: u32,
    /// Hot folder watched when `source = "folder"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub folder: Option<PathBuf>,
    /// A new file is read once its size was stable this long (ms).
    pub stable_ms: u64,
    /// Hot-folder polling interval (ms).
    pub poll_ms: u64,
    /// Largest accepted still, in megapixels.
    pub max_still_megapixels: u32,
    /// Largest accepted still file, in megabytes.
    pub max_still_file_mb: u32,
    /// A live source without a frame for this long is reconnected (ms).
    pub stall_ms: u64,
    /// First reconnect delay (ms); doubles per failed attempt.
    pub reconnect_initial_ms: u64,
    /// Longest reconnect delay (ms).
    pub reconnect_max_ms: u64,
    /// Preview images fit within this size (integer box downscale).
    pub preview_max_width: u32,
    /// See `preview_max_width`.
    pub preview_max_height: u32,
    /// Analysis proxies fit within this size.
    pub analysis_max_width: u32,
    /// See `analysis_max_width`.
    pub analysis_max_height: u32,
    /// Defect shown by the demo source at start.
    pub demo_defect: DemoDefect,
}

impl Default for CameraSettings {
    fn default() -> Self {
        Self {
            source: SourceSetting::Auto,
            device: None,
            width: 1920,
            height: 1080,
            fps: 30,
            folder: None,
            stable_ms: 500,
            poll_ms: 150,
            max_still_megapixels: 64,
            max_still_file_mb: 100,
            stall_ms: 3000,
            reconnect_initial_ms: 250,
            reconnect_max_ms: 5000,
            preview_max_width: 1280,
            preview_max_height: 720,
            analysis_max_width: 640,
            analysis_max_height: 360,
            demo_defect: DemoDefect::Good,
        }
    }
}

impl CameraSettings {
    /// Checks ranges and required fields.
    pub fn validate(&self) -> Result<(), CameraError> {
        let bad = |m: &str| Err(CameraError::InvalidSettings(m.to_string()));
        if !(160..=8192).contains(&self.width) || !(120..=8192).contains(&self.height) {
            return bad("width/height must be within 160×120 … 8192×8192");
        }
        if !(1..=120).contains(&self.fps) {
            return bad("fps must be within 1 … 120");
        }
        if self.source == SourceSetting::Folder && self.folder.is_none() {
            return bad("source = \"folder\" needs `folder = \"/path/to/hot/folder\"`");
        }
        if self.stable_ms == 0 || self.poll_ms == 0 {
            return bad("stable_ms and poll_ms must be > 0");
        }
        if self.max_still_megapixels == 0 || self.max_still_file_mb == 0 {
            return bad("max_still_megapixels and max_still_file_mb must be > 0");
        }
        if self.stall_ms < 100
            || self.reconnect_initial_ms == 0
            || self.reconnect_max_ms < self.reconnect_initial_ms
        {
            return bad("need stall_ms ≥ 100 and 0 < reconnect_initial_ms ≤ reconnect_max_ms");
        }
        if self.preview_max_width < 64
            || self.preview_max_height < 64
            || self.analysis_max_width < 64
            || self.analysis_max_height < 64
        {
            return bad("preview and analysis sizes must be at least 64×64");
        }
        Ok(())
    }

    /// Supervisor timing from these settings.
    pub fn supervisor_config(&self) -> SupervisorConfig {
        SupervisorConfig {
            stall_after: Duration::from_millis(self.stall_ms),
            backoff_initial: Duration::from_millis(self.reconnect_initial_ms),
            backoff_max: Duration::from_millis(self.reconnect_max_ms),
            ..SupervisorConfig::default()
        }
    }

    /// Pipeline configuration from these settings.
    pub fn pipeline_config(&self) -> crate::pipeline::PipelineConfig {
        crate::pipeline::PipelineConfig {
            preview_max: (self.preview_max_width, self.preview_max_height),
            analysis_max: (self.analysis_max_width, self.analysis_max_height),
            supervisor: self.supervisor_config(),
        }
    }

    /// Hot-folder options from these settings.
    pub fn folder_options(&self) -> FolderOptions {
        FolderOptions {
            mode: FolderMode::Watch,
            stable_for: Duration::from_millis(self.stable_ms),
            poll_interval: Duration::from_millis(self.poll_ms),
            max_pixels: u64::from(self.max_still_megapixels) * 1_000_000,
            max_file_bytes: u64::from(self.max_still_file_mb) * 1024 * 1024,
            ..FolderOptions::default()
        }
    }

    /// Webcam options from these settings.
    pub fn webcam_options(&self) -> WebcamOptions {
        WebcamOptions {
            device: self.device.clone(),
            width: self.width,
            height: self.height,
            fps: self.fps,
            ..WebcamOptions::default()
        }
    }
}

/// Which source [`open_source`] chose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceChoice {
    /// A webcam.
    Webcam,
    /// The demo subject; `fallback` is true when `auto` found no camera.
    Demo {
        /// Chosen because no camera was found.
        fallback: bool,
    },
    /// A hot folder.
    Folder,
}

/// A constructed (not yet opened) source and how it was chosen.
pub struct OpenedSource {
    /// The source, ready to hand to a supervisor or pipeline.
    pub source: Box<dyn FrameSource>,
    /// What was chosen.
    pub choice: SourceChoice,
    /// Controls of the demo source, if that is what was chosen.
    pub demo: Option<DemoHandle>,
    /// A notice for the user, e.g. "no camera found, showing the demo".
    pub notice: Option<Text>,
}

fn demo(settings: &CameraSettings, fallback: bool, notice: Option<Text>) -> OpenedSource {
    let source = DemoSource::new(settings.width, settings.height, settings.fps);
    let handle = source.handle();
    handle.set_defect(settings.demo_defect);
    OpenedSource {
        source: Box::new(source),
        choice: SourceChoice::Demo { fallback },
        demo: Some(handle),
        notice,
    }
}

/// Builds the source the settings ask for. `auto` picks a webcam when one is attached,
/// otherwise the demo subject with a notice.
pub fn open_source(settings: &CameraSettings) -> Result<OpenedSource, CameraError> {
    settings.validate()?;
    let webcam = || OpenedSource {
        source: Box::new(WebcamSource::new(settings.webcam_options())),
        choice: SourceChoice::Webcam,
        demo: None,
        notice: None,
    };
    Ok(match settings.source {
        SourceSetting::Webcam => webcam(),
        SourceSetting::Demo => demo(settings, false, None),
        SourceSetting::Folder => {
            let dir = settings
                .folder
                .clone()
                .ok_or_else(|| CameraError::InvalidSettings("folder path missing".into()))?;
            OpenedSource {
                source: Box::new(FolderSource::new(dir, settings.folder_options())),
                choice: SourceChoice::Folder,
                demo: None,
                notice: None,
            }
        }
        SourceSetting::Auto => match super::webcam::list_device_names() {
            Ok(names) if !names.is_empty() => webcam(),
            Ok(_) => demo(
                settings,
                true,
                Some(Text::new(
                    "未检测到摄像头，正在显示演示画面（模拟学生）。",
                    "No camera found — showing the demo subject.",
                )),
            ),
            Err(e) => {
                let t = e.text();
                demo(
                    settings,
                    true,
                    Some(Text::new(
                        format!("无法查询摄像头（{}），正在显示演示画面。", t.zh),
                        format!(
                            "Could not look for cameras ({}) — showing the demo subject.",
                            t.en
                        ),
                    )),
                )
            }
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate_and_round_trip_through_json() {
        let s = CameraSettings::default();
        s.validate().unwrap();
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<CameraSettings>(&json).unwrap(), s);
    }

    #[test]
    fn parses_a_config_section() {
        let s: CameraSettings = serde_json::from_str(
            r#"{"source":"folder","folder":"/tmp/x","device":"C920","stable_ms":800}"#,
        )
        .unwrap();
        assert_eq!(s.source, SourceSetting::Folder);
        assert_eq!(s.device, Some(DeviceSelector::Name("C920".into())));
        assert_eq!(s.stable_ms, 800);
        assert_eq!(s.width, 1920);
        let s: CameraSettings =
            serde_json::from_str(r#"{"device":2,"demo_defect":"too_dark"}"#).unwrap();
        assert_eq!(s.device, Some(DeviceSelector::Index(2)));
        assert_eq!(s.demo_defect, DemoDefect::TooDark);
        assert!(serde_json::from_str::<CameraSettings>(r#"{"sauce":"demo"}"#).is_err());
    }

    #[test]
    fn validation_catches_mistakes() {
        let s = CameraSettings {
            source: SourceSetting::Folder,
            ..Default::default()
        };
        assert!(matches!(s.validate(), Err(CameraError::InvalidSettings(_))));
        let s = CameraSettings {
            fps: 0,
            ..Default::default()
        };
        assert!(s.validate().is_err());
        let s = CameraSettings {
            reconnect_max_ms: 10,
            reconnect_initial_ms: 100,
            ..Default::default()
        };
        assert!(s.validate().is_err());
        assert!(!CameraError::InvalidSettings(String::new()).is_retryable());
    }

    #[test]
    fn device_selector_parses_numbers_and_names() {
        assert_eq!(
            "1".parse::<DeviceSelector>().unwrap(),
            DeviceSelector::Index(1)
        );
        assert_eq!(
            " Logi ".parse::<DeviceSelector>().unwrap(),
            DeviceSelector::Name("Logi".into())
        );
    }

    #[test]
    fn explicit_sources_are_chosen() {
        let o = open_source(&CameraSettings {
            source: SourceSetting::Demo,
            ..Default::default()
        })
        .unwrap();
        assert_eq!(o.choice, SourceChoice::Demo { fallback: false });
        assert!(o.demo.is_some() && o.notice.is_none());
        let o = open_source(&CameraSettings {
            source: SourceSetting::Folder,
            folder: Some("/nonexistent".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(o.choice, SourceChoice::Folder);
        assert!(o.source.describe().contains("/nonexistent"));
    }
}
