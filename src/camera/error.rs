//! Camera errors and bilingual user-facing text.

use std::path::PathBuf;
use std::time::Duration;

pub use crate::i18n::Text;

/// Everything that can go wrong in the camera layer.
#[derive(Debug, thiserror::Error)]
pub enum CameraError {
    /// No video device is attached.
    #[error("no camera found")]
    NoCamera,
    /// The configured device index or name matches no attached device.
    #[error("camera {selector:?} not found (available: {available})")]
    DeviceNotFound {
        /// What was asked for.
        selector: String,
        /// Comma-separated list of attached device names.
        available: String,
    },
    /// The capture backend (nokhwa/V4L2/MediaFoundation/AVFoundation) reported an error.
    #[error("camera backend error while {context}: {message}")]
    Backend {
        /// What we were doing.
        context: &'static str,
        /// The backend's message.
        message: String,
    },
    /// The device offers no format we can decode.
    #[error("camera {device:?} offers no usable video format")]
    NoUsableFormat {
        /// Device name.
        device: String,
    },
    /// A frame could not be decoded.
    #[error("could not decode a frame: {0}")]
    Decode(String),
    /// The source went away (unplugged, stream ended).
    #[error("source disconnected: {0}")]
    Disconnected(String),
    /// No frame arrived for too long.
    #[error("no frame for {} ms", waited.as_millis())]
    Stalled {
        /// How long we waited.
        waited: Duration,
    },
    /// The hot folder is missing or unreadable.
    #[error("hot folder {path} unavailable: {message}")]
    FolderUnavailable {
        /// The folder.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// Camera settings are inconsistent.
    #[error("invalid camera settings: {0}")]
    InvalidSettings(String),
    /// Reading or writing a file failed.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Encoding an output image failed.
    #[error("could not write image {path}: {message}")]
    Encode {
        /// The file.
        path: PathBuf,
        /// The cause.
        message: String,
    },
    /// The output file extension is neither JPEG nor PNG.
    #[error("unsupported output format for {0} (use .jpg, .jpeg or .png)")]
    UnsupportedOutputFormat(PathBuf),
    /// No frame became available in time for a shot.
    #[error("no frame within {} ms", waited.as_millis())]
    Timeout {
        /// How long we waited.
        waited: Duration,
    },
    /// The source or pipeline has been stopped.
    #[error("the source is closed")]
    Closed,
}

impl CameraError {
    /// Whether reconnecting later may help (false for configuration mistakes).
    pub fn is_retryable(&self) -> bool {
        !matches!(
            self,
            CameraError::InvalidSettings(_) | CameraError::UnsupportedOutputFormat(_)
        )
    }

    /// The message for people, in both languages.
    pub fn text(&self) -> Text {
        let en = self.to_string();
        let zh = match self {
            CameraError::NoCamera => "未检测到摄像头".to_string(),
            CameraError::DeviceNotFound {
                selector,
                available,
            } => format!("找不到摄像头 {selector:?}（已连接：{available}）"),
            CameraError::Backend { message, .. } => format!("摄像头驱动出错：{message}"),
            CameraError::NoUsableFormat { device } => {
                format!("摄像头 {device:?} 没有可用的视频格式")
            }
            CameraError::Decode(m) => format!("画面解码失败：{m}"),
            CameraError::Disconnected(m) => format!("视频源已断开：{m}"),
            CameraError::Stalled { waited } => {
                format!("{} 毫秒内没有收到画面", waited.as_millis())
            }
            CameraError::FolderUnavailable { path, message } => {
                format!("热文件夹 {} 不可用：{message}", path.display())
            }
            CameraError::InvalidSettings(m) => format!("摄像头设置无效：{m}"),
            CameraError::Io { path, source } => {
                format!("读写文件 {} 出错：{source}", path.display())
            }
            CameraError::Encode { path, message } => {
                format!("无法保存图像 {}：{message}", path.display())
            }
            CameraError::UnsupportedOutputFormat(p) => {
                format!(
                    "不支持的输出格式：{}（请使用 .jpg、.jpeg 或 .png）",
                    p.display()
                )
            }
            CameraError::Timeout { waited } => {
                format!("{} 毫秒内没有可用画面", waited.as_millis())
            }
            CameraError::Closed => "视频源已关闭".to_string(),
        };
        Text { zh, en }
    }
}
