//! Start-up: unlock the station with its passphrase, or create it on first run.

use eframe::egui::{self, RichText};
use zeroize::Zeroizing;

use super::StationApp;
use crate::controller::Request;
use crate::i18n::Lang;

impl StationApp {
    pub(super) fn unlock_view(&mut self, ui: &mut egui::Ui) {
        let exists = self.config.db_path().exists();
        ui.horizontal(|ui| {
            ui.selectable_value(&mut self.lang, Lang::Zh, "中文");
            ui.selectable_value(&mut self.lang, Lang::En, "English");
        });
        ui.vertical_centered(|ui| {
            ui.add_space(60.0);
            ui.heading(
                RichText::new(self.t(
                    "学历证书电子注册图像采集",
                    "Diploma e-registration photo capture",
                ))
                .size(28.0),
            );
            ui.add_space(8.0);
            if let Some(notice) = self.camera.as_ref().and_then(|c| c.notice.clone()) {
                ui.label(
                    RichText::new(notice.get(self.lang))
                        .color(egui::Color32::from_rgb(200, 140, 0)),
                );
            }
            ui.add_space(24.0);
            let enter = if exists {
                self.unlock_form(ui)
            } else {
                self.create_form(ui)
            };
            if let Some(err) = &self.error {
                ui.add_space(8.0);
                ui.label(
                    RichText::new(err.get(self.lang)).color(egui::Color32::from_rgb(220, 60, 50)),
                );
            }
            if self.busy {
                ui.add_space(8.0);
                ui.spinner();
            }
            if enter && !self.busy {
                self.submit_unlock(exists);
            }
        });
    }

    fn unlock_form(&mut self, ui: &mut egui::Ui) -> bool {
        ui.label(self.t(
            "请输入站点口令解锁",
            "Enter the station passphrase to unlock",
        ));
        let label = ui.label(self.t("站点口令", "Station passphrase"));
        let r = ui
            .add(
                egui::TextEdit::singleline(&mut self.pass)
                    .password(true)
                    .desired_width(320.0),
            )
            .labelled_by(label.id);
        let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        // The passphrase field takes the keyboard at start, so the operator can just type and press Enter.
        if !enter && !self.busy && ui.memory(|m| m.focused().is_none()) {
            r.request_focus();
        }
        ui.add_space(6.0);
        ui.button(RichText::new(self.t("解锁", "Unlock")).size(18.0))
            .clicked()
            || enter
    }

    fn create_form(&mut self, ui: &mut egui::Ui) -> bool {
        ui.label(self.t("首次使用：创建站点", "First run: create the station"));
        let mut enter = false;
        // The grid keeps its natural width; centre it by hand.
        let margin = ((ui.available_width() - 480.0) / 2.0).max(0.0);
        ui.horizontal(|ui| {
            ui.add_space(margin);
            egui::Grid::new("create")
                .num_columns(2)
                .spacing([12.0, 8.0])
                .show(ui, |ui| {
                    let rows: [(&str, &str, &mut String, bool); 5] = [
                        ("站点编号", "Station id", &mut self.station_id, false),
                        ("站点名称", "Station name", &mut self.station_name, false),
                        ("站点口令", "Passphrase", &mut self.pass, true),
                        ("再输入一次", "Repeat passphrase", &mut self.pass2, true),
                        (
                            "主管 PIN（4–12 位数字）",
                            "Supervisor PIN (4–12 digits)",
                            &mut self.pin,
                            true,
                        ),
                    ];
                    for (zh, en, value, secret) in rows {
                        let label = ui.label(self.lang.pick(zh, en));
                        let r = ui
                            .add(
                                egui::TextEdit::singleline(value)
                                    .password(secret)
                                    .desired_width(300.0),
                            )
                            .labelled_by(label.id);
                        // Enter in the last field submits the form.
                        if zh.starts_with("主管 PIN")
                            && r.lost_focus()
                            && ui.input(|i| i.key_pressed(egui::Key::Enter))
                        {
                            enter = true;
                        }
                        ui.end_row();
                    }
                });
        });
        let label = self.t(
            "导入演示名单（36 名虚构学生）",
            "Import the demo roster (36 made-up students)",
        );
        ui.checkbox(&mut self.demo_roster, label);
        ui.add_space(6.0);
        ui.button(RichText::new(self.t("创建站点", "Create station")).size(18.0))
            .clicked()
            || enter
    }

    fn submit_unlock(&mut self, exists: bool) {
        if exists {
            self.busy = true;
            self.send(Request::Unlock {
                passphrase: Zeroizing::new(self.pass.clone()),
            });
            return;
        }
        let min = self.config.config.security.min_passphrase_chars;
        let problem = if self.pass != self.pass2 {
            Some(crate::i18n::Text::new(
                "两次输入的口令不一致。",
                "The two passphrases differ.",
            ))
        } else if self.pass.chars().count() < min {
            Some(crate::i18n::Text::new(
                format!("口令至少 {min} 个字符。"),
                format!("The passphrase needs at least {min} characters."),
            ))
        } else if !(4..=12).contains(&self.pin.len())
            || !self.pin.chars().all(|c| c.is_ascii_digit())
        {
            Some(crate::i18n::Text::new(
                "主管 PIN 须为 4–12 位数字。",
                "The supervisor PIN must be 4–12 digits.",
            ))
        } else {
            None
        };
        if let Some(p) = problem {
            self.error = Some(p);
            return;
        }
        self.busy = true;
        self.send(Request::CreateStation {
            id: self.station_id.trim().to_string(),
            name: self.station_name.trim().to_string(),
            passphrase: Zeroizing::new(self.pass.clone()),
            pin: Zeroizing::new(self.pin.clone()),
            demo_roster: self.demo_roster,
        });
    }
}
