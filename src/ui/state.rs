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
use crate::workflow::{AutoCapture, Effect, Turn};

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
    /// The eyes were shut on the last frame: another one is taken at the instant, without a cue.
    BlinkRetry(Instant),
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
    pub(super) progress: Option<Progress>,
    pub(super) stats: Option<QueueStats>,
    /// Who is being photographed, their code and pending shot (the workflow rules live in the core).
    pub(super) turn: Turn,
    pub(super) auto: AutoCapture,
    pub(super) auto_capture: bool,
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
    /// The photo export may replace files of the same name in the chosen folder.
    pub(super) export_replace: bool,
    /// The station group as last synced (`None` for a station on its own).
    pub(super) group: Option<crate::controller::GroupView>,
    /// The student last announced to the group as being photographed here.
    pub(super) claimed: Option<String>,
    pub(super) last_frame_ms: f32,
    /// The demo subject holds up a phone with a collection code until then.
    pub(super) demo_code_until: Option<Instant>,
    /// A close was requested while a shot was pending: ask first.
    pub(super) confirm_quit: bool,
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
                code_max_len: config.config.code.max_len,
                group_interval: std::time::Duration::from_secs(2),
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
        let auto = AutoCapture::new(Duration::from_millis(config.config.ui.auto_capture_ms));
        let auto_capture = config.config.ui.auto_capture;
        let sound = SoundPlayer::start(config.config.ui.sounds);
        let settings = SettingsUi::new(
            &config.config.camera,
            &config.config.spec,
            &config.config.station.name,
            &config.config.upload,
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
            progress: None,
            stats: None,
            turn: Turn::new(),
            auto,
            auto_capture,
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
            export_replace: false,
            group: None,
            claimed: None,
            last_frame_ms: 0.0,
            demo_code_until: None,
            confirm_quit: false,
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
        self.turn.current()
    }

    /// The student turn (current student, code, pending shot, notice), for tests and status displays.
    pub fn turn(&self) -> &Turn {
        &self.turn
    }

    /// The current queue entry.
    pub(super) fn current_entry(&self) -> Option<&QueueEntry> {
        self.turn.current_entry()
    }

    /// Next (forward) or previous student.
    pub(super) fn select_next(&mut self, forward: bool) {
        let fx = self.turn.step(forward);
        self.apply(fx);
    }

    /// Selects a student (refused while a shot is pending; recalls an absent one).
    pub(super) fn select(&mut self, student_no: String) {
        let fx = self.turn.select(&student_no);
        self.apply(fx);
    }

    /// Marks the current student absent.
    pub(super) fn mark_absent(&mut self) {
        let fx = self.turn.mark_absent();
        self.apply(fx);
    }

    /// Carries out what the student turn asks for.
    pub(super) fn apply(&mut self, effects: Vec<Effect>) {
        for e in effects {
            match e {
                Effect::Resolve(payload) => self.send(Request::ResolveCode { payload }),
                Effect::Store {
                    student_no,
                    code,
                    shot,
                    decision,
                    supersede,
                } => self.send(Request::StoreShot {
                    student_no,
                    code,
                    shot,
                    decision,
                    supersede,
                }),
                Effect::MarkAbsent(student_no) => self.send(Request::MarkAbsent { student_no }),
                Effect::Recall(student_no) => self.send(Request::RecallAbsent { student_no }),
                Effect::RetryAfterBlink => {
                    self.shot =
                        ShotPhase::BlinkRetry(Instant::now() + crate::workflow::BLINK_RETRY_DELAY);
                }
                Effect::Cue(cue) => self.sound.play(cue),
            }
        }
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
                    let fx = self.turn.scanned(&payload);
                    self.apply(fx);
                    self.lower_demo_code();
                }
                CodeEvent::Rejected { reason, .. } => {
                    tracing::info!(reason = %reason, "scan refused");
                    let fx = self.turn.scan_refused(reason);
                    self.apply(fx);
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

    /// Tells the group who is being photographed here, whenever that changes, so the other stations do
    /// not call the same student.
    fn claim_current(&mut self) {
        if self.group.is_none() {
            return;
        }
        let current = self.turn.current().map(str::to_string);
        if current != self.claimed {
            if let Some(no) = &current {
                self.send(Request::Claim {
                    student_no: no.clone(),
                });
            }
            self.claimed = current;
        }
    }

    /// Handles every event the controller sent since the last frame.
    fn poll(&mut self) {
        self.poll_codes();
        self.claim_current();
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
                        self.turn.shot_failed(text);
                    } else {
                        self.error = Some(text);
                    }
                }
                Event::DemoRemoved(n) => {
                    self.banner = Some(Banner {
                        text: Text::new(
                            format!("已删除 {n} 名演示学生。"),
                            format!("{n} demo students removed."),
                        ),
                        good: true,
                        at: Instant::now(),
                    });
                }
                Event::StoreFailed { student_no, text } => {
                    let fx = self.turn.store_failed(&student_no, text);
                    self.apply(fx);
                }
                Event::Queue(q) => self.turn.set_queue(q),
                Event::Progress(p) => self.progress = Some(p),
                Event::Stats(s) => self.stats = Some(s),
                Event::ShotReady(ready) => {
                    if !matches!(self.shot, ShotPhase::Checking) {
                        continue;
                    }
                    let tex = self.egui_ctx.load_texture(
                        "shot",
                        to_color_image(&ready.shot.crop),
                        Default::default(),
                    );
                    let fx = self.turn.shot_ready(ready.shot.clone());
                    self.shot = ShotPhase::Ready(ready.shot, tex);
                    self.apply(fx);
                }
                Event::Stored {
                    photo_id,
                    student_no,
                    state,
                } => {
                    if let Some(up) = &self.upload {
                        up.wake();
                    }
                    let fx = self.turn.stored(&student_no, photo_id, state);
                    self.apply(fx);
                }
                Event::CodeResolved {
                    payload,
                    owner,
                    elsewhere,
                } => {
                    let fx = match elsewhere {
                        Some((station, student_no)) => {
                            self.turn.code_elsewhere(&payload, &station, &student_no)
                        }
                        None => self.turn.code_resolved(&payload, owner),
                    };
                    self.apply(fx);
                }
                Event::Group(view) => self.group = Some(view),
                Event::PinChecked(attempt) => {
                    use crate::store::Attempt;
                    self.review.unlocked = attempt == Attempt::Correct;
                    self.review.pin.clear();
                    self.error = match attempt {
                        Attempt::Correct => {
                            self.send(Request::LoadReview);
                            None
                        }
                        Attempt::Wrong { failures, wait } if wait.is_zero() => Some(Text::new(
                            format!("PIN 不正确（连续第 {failures} 次）。"),
                            format!("Wrong PIN ({failures} in a row)."),
                        )),
                        Attempt::Wrong { failures, wait } => Some(Text::new(
                            format!(
                                "PIN 不正确（连续第 {failures} 次）。请等 {} 秒再试；每次错误都已记录。",
                                wait.as_secs()
                            ),
                            format!(
                                "Wrong PIN ({failures} in a row). Wait {} s before the next try; every wrong PIN is recorded.",
                                wait.as_secs()
                            ),
                        )),
                        Attempt::TooSoon { wait } => Some(Text::new(
                            format!("连续输错 PIN，请等 {} 秒再试。", wait.as_secs().max(1)),
                            format!(
                                "Too many wrong PINs: wait {} s before the next try.",
                                wait.as_secs().max(1)
                            ),
                        )),
                        Attempt::NotSet => Some(Text::new(
                            "本站尚未设置主管 PIN；请用命令 capture-station pin 设置。",
                            "This station has no supervisor PIN yet; set one with `capture-station pin`.",
                        )),
                    };
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

    /// Starts a shot: countdown first if enabled.
    pub(super) fn shoot(&mut self) {
        if !matches!(self.shot, ShotPhase::Idle) || self.camera.is_none() || !self.turn.shutter() {
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
            None => {
                self.turn
                    .shot_failed(Text::new("没有摄像头。", "No camera."));
                ShotPhase::Idle
            }
        }
    }

    /// Another frame for the same press (after a blink): no flash, no cue.
    fn take_quietly(&mut self) -> ShotPhase {
        match &self.camera {
            Some(cam) => ShotPhase::Waiting(cam.pipeline.shoot()),
            None => {
                self.turn
                    .shot_failed(Text::new("没有摄像头。", "No camera."));
                ShotPhase::Idle
            }
        }
    }

    /// Advances countdown and pending shots.
    fn advance_shot(&mut self) {
        match &self.shot {
            ShotPhase::Countdown(at) if Instant::now() >= *at => self.shot = self.take(),
            ShotPhase::BlinkRetry(at) if Instant::now() >= *at => self.shot = self.take_quietly(),
            ShotPhase::BlinkRetry(_) => self
                .egui_ctx
                .request_repaint_after(Duration::from_millis(20)),
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
                    self.turn.shot_failed(e.text());
                    self.shot = ShotPhase::Idle;
                }
            },
            _ => {}
        }
    }

    /// Stores the ready shot: accepted when it passed, sent to review with the operator's reason otherwise;
    /// the next student comes up at once.
    pub(super) fn accept(&mut self) {
        if !matches!(self.shot, ShotPhase::Ready(..)) {
            return;
        }
        let fx = self.turn.accept(&self.override_reason, self.supersede);
        if fx.iter().any(|e| matches!(e, Effect::Store { .. })) {
            self.shot = ShotPhase::Idle;
            self.override_reason.clear();
            self.supersede = false;
        }
        self.apply(fx);
    }

    /// Discards the shot and returns to the live view (the code stays).
    pub(super) fn retake(&mut self) {
        self.turn.retake();
        if matches!(self.shot, ShotPhase::Ready(..)) {
            self.shot = ShotPhase::Idle;
            self.override_reason.clear();
        }
    }

    /// Auto-capture: shoots once every live check has been green for the hold time and a code is bound.
    pub(super) fn auto_capture_tick(&mut self) {
        let now = Instant::now();
        let ready = self.auto_capture
            && matches!(self.shot, ShotPhase::Idle)
            && self.turn.current().is_some()
            && self.turn.code().is_some();
        let green = self.live.as_ref().is_some_and(|l| {
            !l.output.checks.is_empty()
                && l.output
                    .checks
                    .iter()
                    .all(|c| c.outcome == crate::compliance::Outcome::Pass)
        });
        if self.auto.update(now, ready, green) {
            tracing::info!("auto-capture");
            self.shoot();
        } else if ready && green {
            self.egui_ctx
                .request_repaint_after(Duration::from_millis(50));
        }
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
        self.quit_guard(ui);
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

    /// True while a shot is being taken, checked, shown or saved.
    pub fn shot_pending(&self) -> bool {
        !matches!(self.shot, ShotPhase::Idle) || self.turn.is_saving()
    }

    /// Ctrl+Q or the window's close button: quits at once, unless a shot is pending; then asks.
    fn quit_guard(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        let ctrl_q = ctx.input(|i| i.modifiers.command && i.key_pressed(egui::Key::Q));
        let close = ctx.input(|i| i.viewport().close_requested());
        if (ctrl_q || close) && self.shot_pending() && !self.confirm_quit {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.confirm_quit = true;
        } else if ctrl_q && !self.confirm_quit {
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
        if !self.confirm_quit {
            return;
        }
        egui::Window::new(self.t("退出？", "Quit?"))
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_CENTER, egui::Vec2::ZERO)
            .show(&ctx, |ui| {
                ui.label(self.t(
                    "当前照片尚未保存，退出将丢弃它。",
                    "The current photo is not saved; quitting discards it.",
                ));
                ui.horizontal(|ui| {
                    if ui.button(self.t("返回", "Go back")).clicked() {
                        self.confirm_quit = false;
                    }
                    if ui.button(self.t("仍然退出", "Quit anyway")).clicked() {
                        self.shot = ShotPhase::Idle;
                        self.turn.retake();
                        ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                    }
                });
            });
    }

    /// How many photos wait for the supervisor, as a red badge beside the review tab.
    fn review_badge(&self, ui: &mut egui::Ui) {
        let waiting: u64 = self.stats.as_ref().map_or(0, |s| {
            s.by_state
                .iter()
                .filter(|(st, _)| matches!(st, PhotoState::Rejected | PhotoState::Captured))
                .map(|(_, n)| n)
                .sum()
        });
        if waiting > 0 {
            ui.label(
                RichText::new(format!(" {waiting} "))
                    .color(Color32::WHITE)
                    .background_color(Color32::from_rgb(215, 50, 45))
                    .strong(),
            )
            .on_hover_text(self.t("等待主管审核的照片", "photos waiting for the supervisor"));
        }
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
                if tab == Tab::Review {
                    self.review_badge(ui);
                }
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                ui.selectable_value(&mut self.lang, Lang::En, "English");
                ui.selectable_value(&mut self.lang, Lang::Zh, "中文");
                if let Some(st) = &self.station {
                    ui.label(format!("{} · {}", st.name, st.id));
                }
                self.group_status(ui);
            });
        });
    }
}

/// Converts an RGB image into an egui image.
pub(super) fn to_color_image(img: &image::RgbImage) -> egui::ColorImage {
    egui::ColorImage::from_rgb([img.width() as usize, img.height() as usize], img.as_raw())
}
