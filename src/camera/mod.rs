//! Camera sources: webcam (nokhwa), hot folder, and a synthetic demo subject, behind one
//! [`FrameSource`] trait, plus a [`supervisor`] that keeps a source connected.

pub mod cli;
pub mod demo;
mod error;
pub mod folder;
mod frame;
mod raster;
pub mod settings;
pub mod supervisor;
#[doc(hidden)]
pub mod testing;
pub mod webcam;

use std::time::Duration;

pub use demo::{DemoDefect, DemoHandle, DemoScene, DemoSource, SubjectGeometry};
pub use error::{CameraError, Text};
pub use folder::{FolderOptions, FolderSource};
pub use frame::Frame;
pub use settings::{
    CameraSettings, DeviceSelector, OpenedSource, SourceChoice, SourceSetting, open_source,
};
pub use supervisor::{SourceState, Supervisor, SupervisorConfig};
pub use webcam::{CameraDevice, FormatInfo, WebcamOptions, WebcamSource, list_cameras};

/// Whether a source delivers a continuous stream or occasional stills.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceKind {
    /// Continuous video (webcam, demo): silence means a stall.
    Live,
    /// Occasional stills (hot folder): silence is normal; every frame is a new shot.
    Stills,
}

/// A source of full-resolution RGB frames.
///
/// Implementations are driven from one capture thread: `open`, then `next_frame` repeatedly,
/// then `close`. After `close` (or an error) the supervisor may call `open` again to reconnect.
pub trait FrameSource: Send {
    /// Human-readable description (device name and format, folder path, …).
    fn describe(&self) -> String;
    /// Live stream or stills.
    fn kind(&self) -> SourceKind;
    /// Opens (or reopens) the source.
    fn open(&mut self) -> Result<(), CameraError>;
    /// Waits at most about `timeout` for the next frame; `Ok(None)` if none arrived in time.
    fn next_frame(&mut self, timeout: Duration) -> Result<Option<Frame>, CameraError>;
    /// Releases the device. Safe to call when not open.
    fn close(&mut self);
}

impl<S: FrameSource + ?Sized> FrameSource for Box<S> {
    fn describe(&self) -> String {
        (**self).describe()
    }
    fn kind(&self) -> SourceKind {
        (**self).kind()
    }
    fn open(&mut self) -> Result<(), CameraError> {
        (**self).open()
    }
    fn next_frame(&mut self, timeout: Duration) -> Result<Option<Frame>, CameraError> {
        (**self).next_frame(timeout)
    }
    fn close(&mut self) {
        (**self).close()
    }
}
