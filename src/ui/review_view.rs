//! The supervisor's view (PIN): rejected and override-accepted shots with their failed checks; approve or
//! order a re-shoot. Every decision is audited by the store.

use eframe::egui::{self, Color32, RichText, Vec2};
use zeroize::Zeroizing;

use super::StationApp;
use super::overlay::{draw_guides, draw_spec_bands, fit_image};
use super::roster_view::photo_state_label;
use crate::controller::Request;
use crate::store::PhotoState;

impl StationApp {
    pub(super) fn review_view(&mut self, ui: &mut egui::Ui) {
        egui::CentralPanel::default().show(ui, |ui| {
            if !self.review.unlocked {
                self.pin_form(ui);
                return;
            }
            ui.horizontal(|ui| {
                ui.heading(self.t("主管审核", "Supervisor review"));
                if ui.button(self.t("锁定", "Lock")).clicked() {
                    self.review.unlocked = false;
                    self.review.items.clear();
                    self.review.textures.clear();
                }
            });
            ui.label(self.t(
                "照片上：黄色带为头顶应在的范围，蓝色带为眼线应在的范围；椭圆与横线为测得的头部与眼线。",
                "On each photo: the yellow band is where the crown may be, the blue band where the eye line may be; \
                 the oval and line are the measured head and eyes.",
            ));
            self.group_conflicts_panel(ui);
            if self.review.items.is_empty() {
                ui.label(self.t("没有待审核的照片。", "Nothing to review."));
                return;
            }
            let items: Vec<_> = self
                .review
                .items
                .iter()
                .map(|i| {
                    (
                        i.summary.clone(),
                        i.findings.clone(),
                        i.operator_reason.clone(),
                        i.supervisor_reason.clone(),
                        i.geometry,
                    )
                })
                .collect();
            egui::ScrollArea::vertical().show(ui, |ui| {
                for (summary, findings, operator_reason, supervisor_reason, geometry) in items {
                    ui.group(|ui| {
                        ui.horizontal_top(|ui| {
                            if let Some(tex) = self.review.textures.get(&summary.id).cloned() {
                                let rect = fit_image(ui, &tex, Vec2::new(240.0, 320.0));
                                draw_spec_bands(ui, rect, &self.config.config.spec);
                                if let Some(g) = &geometry {
                                    let ok = !findings.iter().any(|(_, o, _)| o == "fail");
                                    draw_guides(ui, rect, g, ok);
                                }
                            }
                            ui.vertical(|ui| {
                                ui.label(
                                    RichText::new(format!(
                                        "#{} {} {} · {}",
                                        summary.id, summary.student_no, summary.name, summary.class
                                    ))
                                    .size(18.0)
                                    .strong(),
                                );
                                ui.label(format!(
                                    "{} · {}",
                                    photo_state_label(Some(summary.state), self.lang),
                                    crate::i18n::local_time(&summary.captured_at)
                                ));
                                if let Some(r) = &operator_reason {
                                    ui.label(format!(
                                        "{}{r}",
                                        self.t("拍摄员说明：", "Operator's reason: ")
                                    ));
                                }
                                if let Some(r) = &supervisor_reason {
                                    ui.label(format!(
                                        "{}{r}",
                                        self.t("主管意见：", "Supervisor's comment: ")
                                    ));
                                }
                                for (id, outcome, reason) in &findings {
                                    let (zh, en) = crate::compliance::ids::label(id);
                                    let name = self.lang.pick(zh, en);
                                    let col = if outcome == "fail" {
                                        Color32::from_rgb(215, 50, 45)
                                    } else {
                                        Color32::from_rgb(200, 140, 0)
                                    };
                                    ui.label(
                                        RichText::new(format!("{name}：{}", reason.get(self.lang)))
                                            .color(col),
                                    );
                                }
                                if matches!(
                                    summary.state,
                                    PhotoState::Rejected | PhotoState::Captured
                                ) {
                                    let reason = self.review.reasons.entry(summary.id).or_default();
                                    ui.add(
                                        egui::TextEdit::singleline(reason)
                                            .hint_text(self.lang.pick("审核意见", "Reason")),
                                    );
                                    ui.horizontal(|ui| {
                                        let reason = self
                                            .review
                                            .reasons
                                            .get(&summary.id)
                                            .cloned()
                                            .unwrap_or_default();
                                        if ui.button(self.t("批准", "Approve")).clicked() {
                                            self.send(Request::Review {
                                                photo_id: summary.id,
                                                approve: true,
                                                reason: reason.clone(),
                                            });
                                        }
                                        if ui
                                            .button(self.t("要求重拍", "Order a re-shoot"))
                                            .clicked()
                                        {
                                            self.send(Request::Review {
                                                photo_id: summary.id,
                                                approve: false,
                                                reason,
                                            });
                                        }
                                    });
                                }
                            });
                        });
                    });
                }
            });
        });
    }

    fn pin_form(&mut self, ui: &mut egui::Ui) {
        ui.vertical_centered(|ui| {
            ui.add_space(80.0);
            ui.heading(self.t("主管审核需要 PIN", "Supervisor review needs the PIN"));
            self.pin_prompt(ui, self.t("进入审核", "Enter review"));
        });
    }

    /// The supervisor PIN field with its button (review and threshold settings share the unlock).
    pub(super) fn pin_prompt(&mut self, ui: &mut egui::Ui, button: &str) {
        let label = ui.label("PIN");
        let r = ui
            .add(
                egui::TextEdit::singleline(&mut self.review.pin)
                    .password(true)
                    .desired_width(200.0),
            )
            .labelled_by(label.id);
        let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if ui.button(button).clicked() || enter {
            let pin = Zeroizing::new(std::mem::take(&mut self.review.pin));
            self.send(Request::CheckPin { pin });
        }
    }
}
