//! The application state, event handling and the frame loop shared by every view.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use eframe::egui::{self, Color32, RichText, TextureHandle};
use zeroize::Zeroize;

use super::file_dialog::FileDialog;
use super::settings_apply::SettingsUi;
use crate::cli::Context;
use crate::code::{CodeEvent, Scanner, WedgeDetector};
use crate::compliance::LiveAnalysis;
use crate::controller::{
    Controller, ControllerConfig, Event, JobHandle, LiveCamera, Request, ReviewItem, StationInfo,
    start_camera, start_scanner,
};
use crate::i18n::{Lang, Text};
use crate::pipeline::{AnalysisResult, PendingShot};
use crate::roster::ImportReport;
use crate::shot::PreparedShot;
use crate::sound::{Cue, SoundPlayer};
use crate::store::{PhotoState, Progress, QueueEntry, QueueStats, VerifyReport};

/// The views of the station.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    /// Photographer.
    Station,
    /// Roster staff.
    Roster,
    /// Supervisor (PIN).
    Review,
    /// Queue and upload.
    Queue,
    /// Settings.
    Settings,
}

/// Where the current shot is.
pub(super) enum ShotPhase {
    /// Live preview; nothing taken.
    Idle,
    /// Countdown running until the instant.
    Countdown(Instant),
    /// Waiting for the full-resolution frame.
    Waiting(PendingShot),
    /// The final check runs.
    Checking,
    /// The crop with its verdict, awaiting accept/retake.
    Ready(Arc<PreparedShot>, TextureHandle),
}

/// A short message at the top of the station view.
pub(super) struct Banner {
    pub text: Text,
    pub good: bool,
    pub at: Instant,
}

/// Roster view state.
#[derive(Default)]
pub(super) struct RosterUi {
    pub path: String,
    pub report: Option<(PathBuf, bool, ImportReport)>,
    pub search: String,
}

/// Review view state.
#[derive(Default)]
pub(super) struct ReviewUi {
    pub unlocked: bool,
    pub pin: String,
    pub items: Vec<ReviewItem>,
    pub textures: HashMap<i64, TextureHandle>,
    pub reasons: HashMap<i64, String>,
}

/// The whole GUI state. Construct with [`StationApp::new`], draw with [`StationApp::show`].
pub struct StationApp {
    pub(super) lang: Lang,
    pub(super) config: Context,
    pub(super) egui_ctx: egui::Context,
    pub(super) ctl: Controller,
    pub(super) camera: Option<LiveCamera>,
    pub(super) camera_error: Option<Text>,
    pub(super) scanner: Option<Arc<Scanner>>,
    pub(super) code_events: Option<std::sync::mpsc::Receiver<CodeEvent>>,
    pub(super) wedge: WedgeDetector,
    pub(super) wedge_frame: Option<Instant>,
    pub(super) scan_cue: Option<Instant>,
    pub(super) flash: Option<Instant>,
    pub(super) sound: SoundPlayer,
    pub(super) station: Option<StationInfo>,
    pub(super) tab: Tab,
    pub(super) queue: Vec<QueueEntry>,
    pub(super) progress: Option<Progress>,
    pub(super) stats: Option<QueueStats>,
    pub(super) current: Option<String>,
    pub(super) code: Option<String>,
    pub(super) code_input: String,
    pub(super) shot: ShotPhase,
    pub(super) countdown_enabled: bool,
    pub(super) override_reason: String,
    pub(super) supersede: bool,
    pub(super) banner: Option<Banner>,
    pub(super) error: Option<Text>,
    pub(super) preview: Option<TextureHandle>,
    pub(super) live: Option<Arc<AnalysisResult<LiveAnalysis>>>,
    pub(super) pass: String,
    pub(super) pass2: String,
    pub(super) pin: String,
    pub(super) station_id: String,
    pub(super) station_name: String,
    pub(super) busy: bool,
    pub(super) demo_roster: bool,
    pub(super) roster: RosterUi,
    pub(super) review: ReviewUi,
    pub(super) verify: Option<VerifyReport>,
    pub(super) job: Option<JobHandle>,
    pub(super) upload: Option<crate::upload::UploadWorker>,
    pub(super) upload_error: Option<Text>,
    pub(super) upload_seen: u64,
    pub(super) settings: SettingsUi,
    pub(super) dialog: Option<FileDialog>,
    pub(super) last_dir: Option<PathBuf>,
    pub(super) last_export: Option<(PathBuf, usize)>,
    pub(super) last_frame_ms: f32,
    /// The demo subject holds up a phone with a collection code until then.
    pub(super) demo_code_until: Option<Instant>,
}

impl StationApp {
    /// Builds the app: starts the controller and the camera (demo when no webcam is found).
    pub fn new(config: Context, egui_ctx: egui::Context) -> StationApp {
        let repaint_ctx = egui_ctx.clone();
        let notify: crate::controller::Notify = Arc::new(move || repaint_ctx.request_repaint());
        let ctl = Controller::start(
            ControllerConfig {
                db_path: config.db_path(),
                kdf: config.kdf(),
                spec: config.config.spec.clone(),
                roster: config.config.roster.clone(),
                actor: format!("gui:{}", config.config.station.id),
                export_template: config.config.export.file_name.clone(),
                data_dir: config.data_dir.clone(),
                upload: config.config.upload.clone(),
            },
            notify.clone(),
        );
        let (scanner, code_events, scanner_error) = match start_scanner(&config.config.code) {
            Ok((s, rx)) => (Some(s), Some(rx), None),
            Err(e) => (None, None, Some(e)),
        };
        let (camera, camera_error) = match start_camera(
            &config.config.camera,
            &config.config.spec,
            scanner.clone(),
            notify,
        ) {
            Ok(c) => (Some(c), None),
            Err(e) => (None, Some(e)),
        };
        let demo_camera = camera.as_ref().is_some_and(|c| c.demo.is_some());
        let sound = SoundPlayer::start(config.config.ui.sounds);
        let settings = SettingsUi::new(
            &config.config.camera,
            &config.config.spec,
            &config.config.station.name,
        );
        StationApp {
            lang: Lang::from_config(&config.config.ui.language),
            station_id: config.config.station.id.clone(),
            station_name: config.config.station.name.clone(),
            config,
            egui_ctx,
            ctl,
            camera,
            camera_error: camera_error.or(scanner_error),
            scanner,
            code_events,
            wedge: WedgeDetector::default(),
            wedge_frame: None,
            scan_cue: None,
            flash: None,
            sound,
            station: None,
            tab: Tab::Station,
            queue: Vec::new(),
            progress: None,
            stats: None,
            current: None,
            code: None,
            code_input: String::new(),
            shot: ShotPhase::Idle,
            countdown_enabled: false,
            override_reason: String::new(),
            supersede: false,
            banner: None,
            error: None,
            preview: None,
            live: None,
            pass: String::new(),
            pass2: String::new(),
            pin: String::new(),
            busy: false,
            demo_roster: demo_camera,
            roster: RosterUi::default(),
            review: ReviewUi::default(),
            verify: None,
            job: None,
            upload: None,
            upload_error: None,
            upload_seen: 0,
            settings,
            dialog: None,
            last_dir: None,
            last_export: None,
            last_frame_ms: 0.0,
            demo_code_until: None,
        }
    }

    /// Text in the current language.
    pub(super) fn t(&self, zh: &'static str, en: &'static str) -> &'static str {
        self.lang.pick(zh, en)
    }

    /// Sends a request to the controller.
    pub(super) fn send(&self, r: Request) {
        self.ctl.send(r);
    }

    /// True once the station is unlocked.
    pub fn is_unlocked(&self) -> bool {
        self.station.is_some()
    }

    /// The demo camera's controls, when the demo source runs (tests and trade-show use).
    pub fn demo_controls(&self) -> Option<crate::camera::DemoHandle> {
        self.camera.as_ref().and_then(|c| c.demo.clone())
    }

    /// The error currently shown to the operator, if any (in the UI language).
    pub fn error_text(&self) -> Option<String> {
        self.error.as_ref().map(|e| e.get(self.lang).to_string())
    }

    /// The selected student's number.
    pub fn current_student(&self) -> Option<&str> {
        self.current.as_deref()
    }

    /// The current queue entry.
    pub(super) fn current_entry(&self) -> Option<&QueueEntry> {
        let no = self.current.as_deref()?;
        self.queue.iter().find(|e| e.student_no == no)
    }

    /// Moves the selection to the first student after the current one who still needs a photo.
    pub(super) fn select_next(&mut self, forward: bool) {
        let pos = self
            .current
            .as_deref()
            .and_then(|no| self.queue.iter().position(|e| e.student_no == no));
        let next = if forward {
            let start = pos.map(|p| p + 1).unwrap_or(0);
            self.queue[start.min(self.queue.len())..]
                .iter()
                .find(|e| e.needs_photo)
        } else {
            self.queue[..pos.unwrap_or(0)].iter().next_back()
        };
        if let Some(e) = next {
            let no = e.student_no.clone();
            self.select(no);
        }
    }

    /// Selects a student; clears the scanned code and any shot.
    pub(super) fn select(&mut self, student_no: String) {
        if self.current.as_deref() != Some(&student_no) {
            self.code = None;
            self.shot = ShotPhase::Idle;
            self.override_reason.clear();
            self.supersede = false;
        }
        self.current = Some(student_no);
    }

    /// Handles the scanner's results: a valid code is looked up (and then bound), a non-code is refused
    /// with its reason.
    fn poll_codes(&mut self) {
        let Some(rx) = &self.code_events else { return };
        let events: Vec<CodeEvent> = rx.try_iter().collect();
        for e in events {
            match e {
                CodeEvent::Scanned {
                    payload,
                    digest_hint,
                    ..
                } => {
                    tracing::info!(code = %digest_hint, "collection code scanned");
                    self.scan_cue = Some(Instant::now());
                    self.sound.play(Cue::Scanned);
                    self.send(Request::ResolveCode { payload });
                    self.lower_demo_code();
                }
                CodeEvent::Rejected { reason, .. } => {
                    self.error = Some(reason);
                }
            }
        }
    }

    /// Once read, the demo student lowers the phone (a real one does too).
    fn lower_demo_code(&mut self) {
        if self.demo_code_until.take().is_some()
            && let Some(demo) = self.demo_controls()
        {
            demo.set_overlay(None);
        }
    }

    /// Handles every event the controller sent since the last frame.
    fn poll(&mut self) {
        self.poll_codes();
        for event in self.ctl.drain() {
            match event {
                Event::Unlocked(info) => {
                    self.start_upload();
                    self.settings.station_name = info.name.clone();
                    self.station = Some(info);
                    self.busy = false;
                    self.error = None;
                    self.pass.zeroize();
                    self.pass2.zeroize();
                    self.pin.zeroize();
                }
                Event::Failed(text) => {
                    self.busy = false;
                    if matches!(self.shot, ShotPhase::Checking) {
                        self.shot = ShotPhase::Idle;
                    }
                    self.error = Some(text);
                }
                Event::Queue(q) => {
                    self.queue = q;
                    let still_needed = self.current_entry().is_some_and(|e| e.needs_photo);
                    if !still_needed && matches!(self.shot, ShotPhase::Idle) {
                        self.select_next(true);
                    }
                }
                Event::Progress(p) => self.progress = Some(p),
                Event::Stats(s) => self.stats = Some(s),
                Event::ShotReady(ready) => {
                    if !ready.shot.verdict.pass {
                        self.sound.play(Cue::Rejected);
                    }
                    let tex = self.egui_ctx.load_texture(
                        "shot",
                        to_color_image(&ready.shot.crop),
                        Default::default(),
                    );
                    self.shot = ShotPhase::Ready(ready.shot, tex);
                }
                Event::Stored {
                    photo_id,
                    student_no,
                    state,
                } => {
                    let (zh, en) = if state == PhotoState::Accepted {
                        (
                            format!("已保存 {student_no}（照片 #{photo_id}）"),
                            format!("Saved {student_no} (photo #{photo_id})"),
                        )
                    } else {
                        (
                            format!("{student_no} 的照片 #{photo_id} 已交主管审核"),
                            format!("Photo #{photo_id} of {student_no} sent to the supervisor"),
                        )
                    };
                    if let Some(up) = &self.upload {
                        up.wake();
                    }
                    self.sound.play(if state == PhotoState::Accepted {
                        Cue::Accepted
                    } else {
                        Cue::Rejected
                    });
                    self.banner = Some(Banner {
                        text: Text::new(zh, en),
                        good: state == PhotoState::Accepted,
                        at: Instant::now(),
                    });
                    self.shot = ShotPhase::Idle;
                    self.code = None;
                    self.override_reason.clear();
                    self.supersede = false;
                    self.error = None;
                    if self.current.as_deref() == Some(&student_no) {
                        self.current = None;
                    }
                }
                Event::CodeResolved { payload, owner } => self.code_resolved(payload, owner),
                Event::PinChecked(ok) => {
                    self.review.unlocked = ok;
                    self.review.pin.clear();
                    if ok {
                        self.error = None;
                        self.send(Request::LoadReview);
                    } else {
                        self.error = Some(Text::new("PIN 不正确。", "Wrong PIN."));
                    }
                }
                Event::ReviewItems(items) => {
                    self.review.textures.clear();
                    for item in &items {
                        let tex = self.egui_ctx.load_texture(
                            format!("review-{}", item.summary.id),
                            to_color_image(&item.image),
                            Default::default(),
                        );
                        self.review.textures.insert(item.summary.id, tex);
                    }
                    self.review.items = items;
                }
                Event::Reviewed { .. } => {}
                Event::Imported {
                    path,
                    dry_run,
                    report,
                } => self.roster.report = Some((path, dry_run, report)),
                Event::Exported { path, files } => {
                    self.banner = Some(Banner {
                        text: Text::new(
                            format!("已导出到 {}（{files} 个文件）", path.display()),
                            format!("Exported to {} ({files} files)", path.display()),
                        ),
                        good: true,
                        at: Instant::now(),
                    });
                    self.last_export = Some((path, files));
                }
                Event::JobStarted(handle) => self.job = Some(handle),
                Event::Upload(result) => match result {
                    Ok(worker) => {
                        self.upload = Some(worker);
                        self.upload_error = None;
                    }
                    Err(text) => self.upload_error = Some(text),
                },
                Event::StationRenamed(name) => {
                    if let Some(st) = self.station.as_mut() {
                        st.name = name.clone();
                    }
                    self.settings.station_name = name;
                }
                Event::SettingsApplied(text) => self.settings.saved = Some((true, text)),
                Event::JobEnded { job, cancelled } => {
                    if self.job.as_ref().is_some_and(|j| *j.job() == job) {
                        self.job = None;
                    }
                    if cancelled {
                        let label = job.label();
                        self.banner = Some(Banner {
                            text: Text::new(
                                format!("已取消“{}”，未做任何更改。", label.zh),
                                format!("“{}” cancelled; nothing was changed.", label.en),
                            ),
                            good: false,
                            at: Instant::now(),
                        });
                    }
                }
                Event::Verified(report) => self.verify = Some(report),
            }
        }
    }

    /// A scanned code: select its owner if the roster knows it, else bind to the current student.
    pub(super) fn code_resolved(&mut self, payload: String, owner: Option<(String, String)>) {
        match owner {
            Some((no, _)) if self.current.as_deref() != Some(&no) => {
                let entry = self.queue.iter().find(|e| e.student_no == no);
                if entry.is_some_and(|e| !e.needs_photo) {
                    let name = entry.map(|e| e.name.clone()).unwrap_or_default();
                    self.error = Some(Text::new(
                        format!("该采集码属于 {no} {name}，其照片已通过。"),
                        format!(
                            "This code belongs to {no} {name}, who already has an accepted photo."
                        ),
                    ));
                    return;
                }
                self.select(no);
                self.code = Some(payload);
            }
            _ => self.code = Some(payload),
        }
        self.error = None;
    }

    /// Starts a shot: countdown first if enabled.
    pub(super) fn shoot(&mut self) {
        if !matches!(self.shot, ShotPhase::Idle) {
            return;
        }
        self.shot = if self.countdown_enabled {
            ShotPhase::Countdown(Instant::now() + Duration::from_secs(3))
        } else {
            self.take()
        };
    }

    fn take(&mut self) -> ShotPhase {
        match &self.camera {
            Some(cam) => {
                self.flash = Some(Instant::now());
                self.sound.play(Cue::Shutter);
                ShotPhase::Waiting(cam.pipeline.shoot())
            }
            None => ShotPhase::Idle,
        }
    }

    /// Advances countdown and pending shots.
    fn advance_shot(&mut self) {
        match &self.shot {
            ShotPhase::Countdown(at) if Instant::now() >= *at => self.shot = self.take(),
            ShotPhase::Countdown(_) => self
                .egui_ctx
                .request_repaint_after(Duration::from_millis(100)),
            ShotPhase::Waiting(pending) => match pending.try_take() {
                Ok(Some(frame)) => {
                    self.send(Request::PrepareShot {
                        frame: frame.image.clone(),
                    });
                    self.shot = ShotPhase::Checking;
                }
                Ok(None) => self
                    .egui_ctx
                    .request_repaint_after(Duration::from_millis(30)),
                Err(e) => {
                    self.error = Some(e.text());
                    self.shot = ShotPhase::Idle;
                }
            },
            _ => {}
        }
    }

    /// Stores the ready shot: accepted when it passed, sent to review with the operator's reason otherwise.
    pub(super) fn accept(&mut self) {
        let ShotPhase::Ready(shot, _) = &self.shot else {
            return;
        };
        let Some(student_no) = self.current.clone() else {
            self.error = Some(Text::new("请先选择学生。", "Select a student first."));
            return;
        };
        let Some(code) = self.code.clone() else {
            self.error = Some(Text::new(
                "请先扫描学生的图像采集码。",
                "Scan the student's collection code first.",
            ));
            return;
        };
        let decision = if shot.verdict.pass {
            crate::store::Decision::Accept
        } else if self.override_reason.trim().is_empty() {
            self.error = Some(Text::new(
                "照片不合格：请重拍，或填写原因后提交主管审核。",
                "The photo fails the checks: retake it, or give a reason to send it to the supervisor.",
            ));
            return;
        } else {
            crate::store::Decision::Reject {
                reason: self.override_reason.trim().to_string(),
            }
        };
        self.send(Request::StoreShot {
            student_no,
            code,
            shot: shot.clone(),
            decision,
            supersede: self.supersede,
        });
    }

    /// Discards the shot and returns to the live view.
    pub(super) fn retake(&mut self) {
        self.shot = ShotPhase::Idle;
        self.override_reason.clear();
    }

    /// Draws one frame of the whole app.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let started = Instant::now();
        if self.station.is_some() {
            self.wedge_pass(ui);
        }
        self.poll();
        self.advance_shot();
        if self.station.is_none() {
            egui::CentralPanel::default().show(ui, |ui| self.unlock_view(ui));
            return;
        }
        egui::Panel::top("tabs").show(ui, |ui| self.tab_bar(ui));
        self.job_bar(ui);
        self.dialog_pass(ui);
        if let Some(err) = self.error.clone() {
            egui::Panel::bottom("error").show(ui, |ui| {
                ui.horizontal(|ui| {
                    ui.label(
                        RichText::new(err.get(self.lang).to_string())
                            .color(Color32::from_rgb(220, 60, 50)),
                    );
                    if ui.button(self.t("知道了", "Dismiss")).clicked() {
                        self.error = None;
                    }
                });
            });
        }
        match self.tab {
            Tab::Station => self.station_view(ui),
            Tab::Roster => self.roster_view(ui),
            Tab::Review => self.review_view(ui),
            Tab::Queue => self.queue_view(ui),
            Tab::Settings => self.settings_view(ui),
        }
        self.last_frame_ms = started.elapsed().as_secs_f32() * 1000.0;
    }

    fn tab_bar(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            let tabs = [
                (Tab::Station, self.t("拍摄", "Station")),
                (Tab::Roster, self.t("名单", "Roster")),
                (Tab::Review, self.t("审核", "Review")),
                (Tab::Queue, self.t("队列与上传", "Queue & upload")),
                (Tab::Settings, self.t("设置", "Settings")),
            ];
            for (tab, label) in tabs {
                if ui
                    .selectable_label(self.tab == tab, RichText::new(label).size(17.0))
                    .clicked()
                {
                    self.tab = tab;
                    if tab == Tab::Review && self.review.unlocked {
                        self.send(Request::LoadReview);
                    }
                }
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                ui.selectable_value(&mut self.lang, Lang::En, "English");
                ui.selectable_value(&mut self.lang, Lang::Zh, "中文");
                if let Some(st) = &self.station {
                    ui.label(format!("{} · {}", st.name, st.id));
                }
            });
        });
    }
}

/// Converts an RGB image into an egui image.
pub(super) fn to_color_image(img: &image::RgbImage) -> egui::ColorImage {
    egui::ColorImage::from_rgb([img.width() as usize, img.height() as usize], img.as_raw())
}
