//! Applying settings changed on the settings screen: the camera restarts off the UI thread with the new
//! source, format or thresholds, the config file is updated section by section, and the change is audited.

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver};

use super::StationApp;
use crate::camera::{CameraDevice, CameraSettings};
use crate::compliance::PhotoSpec;
use crate::controller::{LiveCamera, Notify, Request, start_camera};
use crate::i18n::{Lang, Text};

/// The settings screen's drafts and background lookups.
pub(super) struct SettingsUi {
    /// Camera settings being edited.
    pub camera: CameraSettings,
    /// Photo standard being edited (supervisor only).
    pub spec: PhotoSpec,
    /// Station name being edited.
    pub station_name: String,
    /// Hot folder being edited, as typed.
    pub folder: String,
    /// Attached cameras, once listed.
    pub devices: Option<Result<Vec<CameraDevice>, Text>>,
    /// A listing in progress.
    pub devices_rx: Option<Receiver<Result<Vec<CameraDevice>, Text>>>,
    /// A camera restart in progress.
    pub restart_rx: Option<Receiver<Result<LiveCamera, Text>>>,
    /// The last save's result.
    pub saved: Option<(bool, Text)>,
    /// Upload settings being edited.
    pub upload: crate::config::UploadSettings,
    /// A public key file to load, as typed.
    pub key_file: String,
    /// The last connection test's (or key file's) result.
    pub probe: Option<(bool, Text)>,
    /// A connection test in progress: where it wrote, or why it failed.
    pub probe_rx: Option<Receiver<Result<String, Text>>>,
}

impl SettingsUi {
    /// Drafts starting from the loaded configuration.
    pub fn new(
        camera: &CameraSettings,
        spec: &PhotoSpec,
        station_name: &str,
        upload: &crate::config::UploadSettings,
    ) -> SettingsUi {
        SettingsUi {
            folder: camera
                .folder
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            camera: camera.clone(),
            spec: spec.clone(),
            station_name: station_name.to_string(),
            devices: None,
            devices_rx: None,
            restart_rx: None,
            saved: None,
            upload: upload.clone(),
            key_file: String::new(),
            probe: None,
            probe_rx: None,
        }
    }
}

impl StationApp {
    /// Lists attached cameras on a background thread (a busy device can take a while to answer).
    pub(super) fn list_devices(&mut self) {
        let (tx, rx) = mpsc::channel();
        let ctx = self.egui_ctx.clone();
        let spawned = std::thread::Builder::new()
            .name("list-cameras".into())
            .spawn(move || {
                let _ = tx.send(crate::camera::list_cameras().map_err(|e| e.text()));
                ctx.request_repaint();
            });
        if spawned.is_ok() {
            self.settings.devices_rx = Some(rx);
        }
    }

    /// Restarts the camera with `camera` and `spec` on a background thread; the old camera keeps running
    /// until the new one is up.
    pub(super) fn restart_camera(&mut self, camera: CameraSettings, spec: PhotoSpec) {
        let (tx, rx) = mpsc::channel();
        let scanner = self.scanner.clone();
        let repaint = self.egui_ctx.clone();
        let notify: Notify = Arc::new(move || repaint.request_repaint());
        let spawned = std::thread::Builder::new()
            .name("camera-restart".into())
            .spawn(move || {
                let _ = tx.send(start_camera(&camera, &spec, scanner, notify.clone()));
                notify();
            });
        match spawned {
            Ok(_) => self.settings.restart_rx = Some(rx),
            Err(e) => {
                self.settings.saved = Some((
                    false,
                    Text::new(
                        format!("无法重启摄像头：{e}"),
                        format!("Cannot restart the camera: {e}"),
                    ),
                ))
            }
        }
    }

    /// Picks up finished device listings and camera restarts; the replaced camera is stopped off the UI thread.
    pub(super) fn poll_settings(&mut self) {
        if let Some(rx) = &self.settings.devices_rx
            && let Ok(list) = rx.try_recv()
        {
            self.settings.devices = Some(list);
            self.settings.devices_rx = None;
        }
        let Some(rx) = &self.settings.restart_rx else {
            return;
        };
        let Ok(result) = rx.try_recv() else {
            return;
        };
        self.settings.restart_rx = None;
        match result {
            Ok(cam) => {
                let old = self.camera.replace(cam);
                self.camera_error = None;
                self.preview = None;
                self.live = None;
                if let Some(old) = old {
                    let _ = std::thread::Builder::new()
                        .name("camera-stop".into())
                        .spawn(move || drop(old));
                }
            }
            Err(text) => {
                self.settings.saved = Some((false, text));
            }
        }
    }

    /// Saves the camera draft: restarts the camera and writes `[camera]` to the config file.
    pub(super) fn apply_camera(&mut self) {
        let folder = self.settings.folder.trim();
        self.settings.camera.folder = (!folder.is_empty()).then(|| folder.into());
        let camera = self.settings.camera.clone();
        if let Err(e) = camera.validate() {
            self.settings.saved = Some((false, e.text()));
            return;
        }
        self.config.config.camera = camera.clone();
        let spec = self.config.config.spec.clone();
        self.restart_camera(camera.clone(), spec);
        let summary = format!(
            "camera: {:?} {}x{} @ {} fps{}",
            camera.source,
            camera.width,
            camera.height,
            camera.fps,
            camera
                .device
                .as_ref()
                .map(|d| format!(", device {d}"))
                .unwrap_or_default()
        );
        self.save_config(&["camera"], summary);
    }

    /// Saves the supervisor's thresholds: validates, restarts live checks, updates final checks, writes
    /// `[spec]`, audits.
    pub(super) fn apply_spec(&mut self) {
        let spec = self.settings.spec.clone();
        if let Err(e) = spec.validate() {
            self.settings.saved = Some((
                false,
                Text::new(
                    format!("阈值无效：spec.{} {}", e.field, e.problem),
                    format!("Invalid threshold: spec.{} {}", e.field, e.problem),
                ),
            ));
            return;
        }
        let summary = spec_changes(&self.config.config.spec, &spec);
        if summary.is_empty() {
            self.settings.saved = Some((true, Text::new("没有更改。", "Nothing changed.")));
            return;
        }
        self.config.config.spec = spec.clone();
        self.restart_camera(self.config.config.camera.clone(), spec.clone());
        if self.save_file(&["spec"]) {
            self.send(Request::SetSpec {
                spec: Box::new(spec),
                summary: format!("thresholds: {summary}"),
            });
        }
    }

    /// Saves the current language as the default.
    pub(super) fn save_language(&mut self) {
        self.config.config.ui.language = match self.lang {
            Lang::Zh => "zh-CN".into(),
            Lang::En => "en".into(),
        };
        let summary = format!("language: {}", self.config.config.ui.language);
        self.save_config(&["ui"], summary);
    }

    /// Turns the cues on or off and saves the choice.
    pub(super) fn set_sounds(&mut self, on: bool) {
        self.config.config.ui.sounds = on;
        self.sound = crate::sound::SoundPlayer::start(on);
        self.save_config(&["ui"], format!("sounds: {on}"));
    }

    pub(super) fn save_config(&mut self, sections: &[&str], summary: String) {
        if self.save_file(sections) {
            self.send(Request::RecordSettings { summary });
        }
    }

    fn save_file(&mut self, sections: &[&str]) -> bool {
        let path = self.config.config_path.clone();
        match crate::config::save_sections(&path, &self.config.config, sections) {
            Ok(()) => {
                self.settings.saved = Some((
                    true,
                    Text::new(
                        format!("已保存到 {}", path.display()),
                        format!("Saved to {}", path.display()),
                    ),
                ));
                true
            }
            Err(e) => {
                self.settings.saved = Some((
                    false,
                    Text::new(format!("无法保存设置：{e}"), format!("Cannot save: {e}")),
                ));
                false
            }
        }
    }
}

/// "name warn a→b" for each changed threshold and range, for the audit log.
fn spec_changes(old: &PhotoSpec, new: &PhotoSpec) -> String {
    let mut out = Vec::new();
    for ((name, o), (_, n)) in super::settings_view::limits(old)
        .into_iter()
        .zip(super::settings_view::limits(new))
    {
        if o.warn != n.warn {
            out.push(format!("{name}.warn {}→{}", o.warn, n.warn));
        }
        if o.fail != n.fail {
            out.push(format!("{name}.fail {}→{}", o.fail, n.fail));
        }
    }
    for (name, o, n) in [
        ("crown_margin_px", old.crown_margin_px, new.crown_margin_px),
        ("eye_line_px", old.eye_line_px, new.eye_line_px),
    ] {
        if o != n {
            out.push(format!("{name} {}–{}→{}–{}", o.min, o.max, n.min, n.max));
        }
    }
    out.join(", ")
}
