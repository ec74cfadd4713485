//! The photographer's view: live preview with guides and lights, the current student, the shot and its verdict.

use std::time::{Duration, Instant};

use eframe::egui::{self, Color32, Key, RichText, Vec2};

use super::overlay::{draw_guides, fit_image, traffic_lights, traffic_lights_of};
use super::state::{ShotPhase, StationApp, to_color_image};
use crate::camera::{DemoDefect, DemoHandle};
use crate::store::StudentStatus;

/// How long the demo subject holds up a collection code.
const DEMO_CODE_SHOWN: Duration = Duration::from_secs(5);

impl StationApp {
    pub(super) fn station_view(&mut self, ui: &mut egui::Ui) {
        self.update_preview();
        self.station_keys(ui);
        self.auto_capture_tick();
        egui::Panel::right("student")
            .exact_size(430.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| self.student_panel(ui));
            });
        egui::CentralPanel::default().show(ui, |ui| {
            self.banner_line(ui);
            let avail = ui.available_size() - Vec2::new(0.0, 60.0);
            match &self.shot {
                ShotPhase::Ready(shot, tex) => {
                    let (shot, tex) = (shot.clone(), tex.clone());
                    ui.horizontal_top(|ui| {
                        self.live_preview(ui, Vec2::new(avail.x * 0.55, avail.y));
                        ui.vertical(|ui| {
                            let rect =
                                fit_image(ui, &tex, Vec2::new(avail.x * 0.42, avail.y - 40.0));
                            let frame = if shot.verdict.pass {
                                Color32::from_rgb(46, 160, 67)
                            } else {
                                Color32::from_rgb(215, 50, 45)
                            };
                            ui.painter().rect_stroke(
                                rect.expand(3.0),
                                4.0,
                                egui::Stroke::new(6.0, frame),
                                egui::StrokeKind::Outside,
                            );
                            ui.add_space(10.0);
                            let (txt, col) = if shot.verdict.pass && self.turn.code().is_none() {
                                (
                                    self.t(
                                        "✔ 合格 — 请先扫描采集码，再按 Enter 保存",
                                        "✔ Passes — scan the code, then press Enter to save",
                                    ),
                                    Color32::from_rgb(200, 140, 0),
                                )
                            } else if shot.verdict.pass {
                                (
                                    self.t(
                                        "✔ 合格，按 Enter 保存",
                                        "✔ Passes — press Enter to save",
                                    ),
                                    Color32::from_rgb(46, 160, 67),
                                )
                            } else {
                                (
                                    self.t("✘ 不合格，按 R 重拍", "✘ Fails — press R to retake"),
                                    Color32::from_rgb(215, 50, 45),
                                )
                            };
                            ui.label(RichText::new(txt).size(20.0).color(col).strong());
                        });
                    });
                }
                _ => self.live_preview(ui, avail),
            }
            self.camera_status(ui);
        });
    }

    /// Uploads the newest preview frame into the texture in place and takes the newest live checks.
    fn update_preview(&mut self) {
        let Some(cam) = &self.camera else { return };
        if let Some(p) = cam.pipeline.latest_preview() {
            let img = to_color_image(&p.image);
            match &mut self.preview {
                Some(tex) if tex.size() == img.size => tex.set(img, Default::default()),
                _ => {
                    self.preview = Some(self.egui_ctx.load_texture(
                        "preview",
                        img,
                        Default::default(),
                    ))
                }
            }
        }
        if let Some(r) = cam.checks.take() {
            self.live = Some(r);
        }
    }

    fn live_preview(&mut self, ui: &mut egui::Ui, max: Vec2) {
        let Some(tex) = self.preview.clone() else {
            let msg = match &self.camera_error {
                Some(e) => e.get(self.lang).to_string(),
                None => self
                    .t("正在连接摄像头…", "Connecting to the camera…")
                    .to_string(),
            };
            ui.allocate_ui(max, |ui| {
                ui.centered_and_justified(|ui| ui.label(RichText::new(msg).size(20.0)))
            });
            return;
        };
        let rect = fit_image(ui, &tex, max);
        if let Some(live) = &self.live
            && let Some(g) = &live.output.geometry
        {
            draw_guides(ui, rect, g, live.output.pass);
        }
        if let Some(at) = self.flash {
            // The shutter flash: white, fading out over 250 ms.
            let age = at.elapsed().as_secs_f32();
            if age < 0.25 {
                let alpha = (200.0 * (1.0 - age / 0.25)) as u8;
                ui.painter()
                    .rect_filled(rect, 0.0, Color32::from_white_alpha(alpha));
                self.egui_ctx.request_repaint();
            } else {
                self.flash = None;
            }
        }
        if let ShotPhase::Countdown(at) = self.shot {
            let left = at.saturating_duration_since(Instant::now()).as_secs() + 1;
            ui.painter().text(
                rect.center(),
                egui::Align2::CENTER_CENTER,
                left.to_string(),
                egui::FontId::proportional(160.0),
                Color32::from_white_alpha(220),
            );
        }
    }

    fn camera_status(&mut self, ui: &mut egui::Ui) {
        let Some(cam) = &self.camera else { return };
        let stats = cam.pipeline.stats();
        let demo = cam.demo.clone();
        let notice = cam.notice.clone();
        ui.horizontal_wrapped(|ui| {
            if let Some(n) = &notice {
                ui.label(RichText::new(n.get(self.lang)).color(Color32::from_rgb(200, 140, 0)));
            }
            ui.label(
                format!(
                    "{} · {:.0} fps · {}×{} · {}",
                    stats.source,
                    stats.capture_fps,
                    stats.frame_size.0,
                    stats.frame_size.1,
                    self.t("界面", "UI")
                ) + &format!(" {:.1} ms", self.last_frame_ms),
            );
            if let Some(demo) = demo {
                let mut d = demo.defect();
                egui::ComboBox::from_id_salt("demo-defect")
                    .selected_text(d.label().zh.clone() + " / " + &d.label().en)
                    .show_ui(ui, |ui| {
                        for option in DemoDefect::ALL {
                            let l = option.label();
                            ui.selectable_value(
                                &mut d,
                                option,
                                self.lang.pick(&l.zh, &l.en).to_string(),
                            );
                        }
                    });
                if d != demo.defect() {
                    demo.set_defect(d);
                }
                self.demo_code_button(ui, &demo);
            }
        });
    }

    /// Demo camera only: the subject holds up a phone showing a new random collection code
    /// for a few seconds, so the camera scan can be tried without a student.
    fn demo_code_button(&mut self, ui: &mut egui::Ui, demo: &DemoHandle) {
        if let Some(until) = self.demo_code_until {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                demo.set_overlay(None);
                self.demo_code_until = None;
            } else {
                self.egui_ctx.request_repaint_after(left);
            }
        }
        let showing = self.demo_code_until.is_some();
        let label = self.t("演示：出示采集码", "Demo: hold up a code");
        if ui
            .add_enabled(!showing, egui::Button::new(label))
            .on_hover_text(self.t(
                "演示学生举起手机，显示一个新的随机采集码，扫到后放下（最多 5 秒）",
                "The demo student holds up a phone with a new random code and lowers it once read (5 s at most)",
            ))
            .clicked()
            && let Some(img) = crate::code::qr_image(&crate::code::demo_payload())
        {
            demo.set_overlay(Some(img));
            self.demo_code_until = Some(Instant::now() + DEMO_CODE_SHOWN);
        }
    }

    /// The banner row always takes the same height, so the preview below never moves.
    fn banner_line(&mut self, ui: &mut egui::Ui) {
        let (rect, _) =
            ui.allocate_exact_size(Vec2::new(ui.available_width(), 30.0), egui::Sense::hover());
        let mut ui = ui.new_child(egui::UiBuilder::new().max_rect(rect));
        let ui = &mut ui;
        if self.banner.is_none()
            && let Some(n) = self.turn.last_saved()
        {
            let col = match n.kind {
                crate::workflow::NoticeKind::Done => Color32::from_rgb(46, 160, 67),
                crate::workflow::NoticeKind::Refused => Color32::from_rgb(230, 140, 20),
            };
            ui.label(
                RichText::new(n.text.get(self.lang))
                    .size(22.0)
                    .color(col)
                    .strong(),
            );
            return;
        }
        if let Some(b) = &self.banner {
            if b.at.elapsed().as_secs() > 6 {
                self.banner = None;
            } else {
                let col = if b.good {
                    Color32::from_rgb(46, 160, 67)
                } else {
                    Color32::from_rgb(230, 140, 20)
                };
                ui.label(
                    RichText::new(b.text.get(self.lang))
                        .size(22.0)
                        .color(col)
                        .strong(),
                );
                self.egui_ctx
                    .request_repaint_after(std::time::Duration::from_millis(500));
            }
        }
    }

    fn student_panel(&mut self, ui: &mut egui::Ui) {
        ui.add_space(6.0);
        match self.current_entry().cloned() {
            Some(s) => {
                ui.label(RichText::new(&s.name).size(34.0).strong());
                ui.label(RichText::new(format!("{} · {}", s.student_no, s.class)).size(18.0));
                ui.horizontal(|ui| {
                    if let Some(m) = &s.id_no_masked {
                        ui.label(format!("{} {m}", self.t("身份证", "ID")));
                    }
                    if s.status != StudentStatus::Normal {
                        let word = self.lang.pick(s.status.zh(), s.status.as_str());
                        ui.label(
                            RichText::new(word)
                                .color(Color32::from_rgb(200, 100, 0))
                                .strong(),
                        );
                    }
                    if let Some(st) = s.photo_state {
                        let word = super::roster_view::photo_state_label(Some(st), self.lang);
                        let col = if crate::workflow::reshoot(&s) {
                            Color32::from_rgb(215, 50, 45)
                        } else {
                            Color32::GRAY
                        };
                        ui.label(RichText::new(word).color(col).strong());
                    }
                });
            }
            None => {
                ui.label(RichText::new(self.t("没有待拍学生", "No student waiting")).size(24.0));
                ui.label(self.t(
                    "请在“名单”页导入班级名单。",
                    "Import a class list on the Roster tab.",
                ));
            }
        }
        self.notice_line(ui);
        ui.separator();
        self.code_panel(ui);
        ui.separator();
        self.shot_controls(ui);
        ui.separator();
        ui.label(RichText::new(self.t("实时检查", "Live checks")).strong());
        match &self.live {
            Some(live) => {
                // Two columns, so the whole panel fits a 1280×720 screen.
                let checks = &live.output.checks;
                let half = checks.len().div_ceil(2);
                ui.columns(2, |cols| {
                    traffic_lights_of(&mut cols[0], checks, &checks[..half], self.lang);
                    traffic_lights_of(&mut cols[1], checks, &checks[half..], self.lang);
                });
            }
            None => {
                ui.label(self.t("等待画面…", "Waiting for frames…"));
            }
        }
        ui.separator();
        self.up_next(ui);
    }

    /// The turn's notice (refusals, saved), beside the student card, in a fixed two-line slot.
    fn notice_line(&mut self, ui: &mut egui::Ui) {
        let (rect, _) =
            ui.allocate_exact_size(Vec2::new(ui.available_width(), 46.0), egui::Sense::hover());
        let Some(n) = self.turn.notice().cloned() else {
            return;
        };
        let mut child = ui.new_child(egui::UiBuilder::new().max_rect(rect));
        let (bg, fg) = match n.kind {
            crate::workflow::NoticeKind::Refused => (
                Color32::from_rgb(253, 232, 230),
                Color32::from_rgb(180, 30, 25),
            ),
            crate::workflow::NoticeKind::Done => (
                Color32::from_rgb(228, 245, 230),
                Color32::from_rgb(30, 120, 50),
            ),
        };
        child.painter().rect_filled(rect, 4.0, bg);
        child.horizontal_wrapped(|ui| {
            ui.add_space(4.0);
            ui.label(RichText::new(n.text.get(self.lang)).size(16.0).color(fg));
        });
    }

    fn code_panel(&mut self, ui: &mut egui::Ui) {
        match self.turn.code().map(crate::code::short_form) {
            Some(shown) => {
                ui.horizontal(|ui| {
                    ui.label(
                        RichText::new(format!(
                            "✔ {} {shown}",
                            self.t("已扫描采集码", "Code scanned")
                        ))
                        .color(Color32::from_rgb(46, 160, 67))
                        .size(18.0),
                    );
                    if ui
                        .button(self.t("清除采集码 (Esc)", "Clear code (Esc)"))
                        .clicked()
                    {
                        self.turn.clear_code();
                    }
                });
            }
            None => {
                ui.label(
                    RichText::new(
                        self.t("○ 等待扫描图像采集码", "○ Waiting for the collection code"),
                    )
                    .color(Color32::from_rgb(200, 140, 0))
                    .size(18.0),
                );
            }
        }
        ui.horizontal(|ui| {
            let label = ui.label(self.t("手动输入", "Type code"));
            let field = ui
                .add(egui::TextEdit::singleline(&mut self.code_input).desired_width(230.0))
                .labelled_by(label.id);
            let entered = field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
            if (ui.button(self.t("使用", "Use")).clicked() || entered)
                && !self.code_input.trim().is_empty()
            {
                let payload = std::mem::take(&mut self.code_input).trim().to_string();
                self.submit_code(payload, std::time::Instant::now());
            }
        });
    }

    fn shot_controls(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            let busy = matches!(
                self.shot,
                ShotPhase::Waiting(_)
                    | ShotPhase::Checking
                    | ShotPhase::Countdown(_)
                    | ShotPhase::BlinkRetry(_)
            );
            if ui
                .add_enabled(
                    matches!(self.shot, ShotPhase::Idle) && self.camera.is_some(),
                    egui::Button::new(
                        RichText::new(self.t("拍摄 (空格)", "Shoot (Space)")).size(18.0),
                    ),
                )
                .clicked()
            {
                self.shoot();
            }
            let ready = matches!(self.shot, ShotPhase::Ready(..));
            if ui
                .add_enabled(
                    ready,
                    egui::Button::new(
                        RichText::new(self.t("保存 (Enter)", "Accept (Enter)")).size(18.0),
                    ),
                )
                .clicked()
            {
                self.accept();
            }
            if ui
                .add_enabled(
                    ready,
                    egui::Button::new(RichText::new(self.t("重拍 (R)", "Retake (R)")).size(18.0)),
                )
                .clicked()
            {
                self.retake();
            }
            if busy {
                ui.spinner();
            }
        });
        ui.horizontal(|ui| {
            let label = self.t("3-2-1 倒计时", "3-2-1 countdown");
            ui.checkbox(&mut self.countdown_enabled, label);
            let label = self.t("自动拍摄（全绿即拍）", "Auto-capture (all green)");
            ui.checkbox(&mut self.auto_capture, label).on_hover_text(self.t(
                "扫码后，所有实时检查保持绿色片刻即自动拍摄",
                "Once the code is scanned, shoots by itself when every live check stays green for a moment",
            ));
            if ui.button(self.t("缺席 (A)", "Absent (A)")).clicked() {
                self.mark_absent();
            }
        });
        if let ShotPhase::Ready(shot, _) = &self.shot {
            let failed = !shot.verdict.pass;
            let checks = shot
                .verdict
                .checks
                .iter()
                .filter(|c| c.outcome != crate::compliance::Outcome::Pass)
                .cloned();
            let checks: Vec<_> = checks.collect();
            traffic_lights(ui, &checks, self.lang);
            if failed {
                let label = ui.label(self.t(
                    "仍要保存？填写原因，照片将交主管审核：",
                    "Keep it anyway? Give a reason; it goes to the supervisor:",
                ));
                let field = ui
                    .text_edit_singleline(&mut self.override_reason)
                    .labelled_by(label.id);
                if field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter)) {
                    self.accept();
                }
            }
            if self
                .current_entry()
                .is_some_and(|e| e.photo_state.is_some_and(|s| s.is_accepted()))
            {
                let label = self.t(
                    "替换该生已通过的照片",
                    "Replace this student's accepted photo",
                );
                ui.checkbox(&mut self.supersede, label);
            }
        }
    }

    fn up_next(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.label(RichText::new(self.t("接下来", "Up next")).strong());
            if ui.button(self.t("上一个 (P)", "Previous (P)")).clicked() {
                self.select_next(false);
            }
            if ui.button(self.t("下一个 (N)", "Next (N)")).clicked() {
                self.select_next(true);
            }
        });
        let upcoming: Vec<_> = self.turn.up_next(5).into_iter().cloned().collect();
        for e in upcoming {
            let mut line = format!("{}  {}  {}", e.student_no, e.name, e.class);
            if e.status != StudentStatus::Normal {
                line += "  ";
                line += self.lang.pick(e.status.zh(), e.status.as_str());
            }
            let text = if crate::workflow::reshoot(&e) {
                RichText::new(format!("{line}  [{}]", self.t("重拍", "re-shoot")))
                    .color(Color32::from_rgb(215, 50, 45))
            } else {
                RichText::new(line)
            };
            if ui.selectable_label(false, text).clicked() {
                self.select(e.student_no.clone());
            }
        }
        let absent: Vec<_> = self.turn.absent().into_iter().cloned().collect();
        if !absent.is_empty() {
            ui.separator();
            ui.label(
                RichText::new(format!("{}（{}）", self.t("缺席", "Absent"), absent.len())).strong(),
            );
            for e in absent {
                ui.horizontal(|ui| {
                    ui.label(format!("{}  {}", e.student_no, e.name));
                    if ui.small_button(self.t("召回", "Recall")).clicked() {
                        self.select(e.student_no.clone());
                    }
                });
            }
        }
    }

    /// Space = shoot, Enter = accept, R = retake, N/P = next/previous, A = absent, Esc = clear the code —
    /// only while no text field has focus.
    fn station_keys(&mut self, ui: &mut egui::Ui) {
        if ui.ctx().memory(|m| m.focused().is_some()) {
            return;
        }
        let (space, enter, r, n, p, a, esc) = ui.input(|i| {
            (
                i.key_pressed(Key::Space),
                i.key_pressed(Key::Enter),
                i.key_pressed(Key::R),
                i.key_pressed(Key::N),
                i.key_pressed(Key::P),
                i.key_pressed(Key::A),
                i.key_pressed(Key::Escape),
            )
        });
        if a {
            self.mark_absent();
        }
        if esc {
            self.turn.clear_code();
        }
        if space {
            self.shoot();
        }
        if enter {
            self.accept();
        }
        if r {
            self.retake();
        }
        if n {
            self.select_next(true);
        }
        if p {
            self.select_next(false);
        }
    }
}
