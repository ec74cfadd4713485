//! Queue view: counts by state, upload status, a full verification of the encrypted photos and the
//! decrypted export.

use eframe::egui::{self, Color32, RichText};

use super::StationApp;
use super::file_dialog::Purpose;
use super::roster_view::photo_state_label;
use crate::controller::Job;

impl StationApp {
    pub(super) fn queue_view(&mut self, ui: &mut egui::Ui) {
        egui::CentralPanel::default().show(ui, |ui| {
            ui.heading(self.t("照片队列", "Photo queue"));
            if let Some(stats) = &self.stats {
                egui::Grid::new("stats").num_columns(2).striped(true).show(ui, |ui| {
                    for (state, n) in &stats.by_state {
                        ui.label(photo_state_label(Some(*state), self.lang));
                        ui.label(n.to_string());
                        ui.end_row();
                    }
                    ui.label(self.t("被替换（历史）", "superseded (history)"));
                    ui.label(stats.superseded.to_string());
                    ui.end_row();
                });
                ui.label(format!(
                    "{} {} / {}",
                    self.t("已有通过照片的学生：", "Students with an accepted photo: "),
                    stats.students_done,
                    stats.students
                ));
            }
            ui.separator();
            self.upload_panel(ui);
            ui.separator();
            let idle = !self.job_running();
            if ui
                .add_enabled(idle, egui::Button::new(self.t("校验全部加密照片", "Verify every encrypted photo")))
                .clicked()
            {
                self.verify = None;
                self.start_job(Job::Verify);
            }
            if let Some(report) = &self.verify {
                if report.bad.is_empty() {
                    ui.label(
                        RichText::new(format!("✔ {} {}", report.checked, self.t("张照片全部完好", "photos verified, all intact")))
                            .color(Color32::from_rgb(46, 160, 67)),
                    );
                } else {
                    for bad in &report.bad {
                        ui.label(RichText::new(format!("{}: {}", bad.record, bad.problem)).color(Color32::from_rgb(215, 50, 45)));
                    }
                }
            }
            ui.add_space(12.0);
            ui.heading(self.t("导出解密照片", "Export decrypted photos"));
            ui.label(self.t(
                "把所有已通过的照片解密写入所选文件夹（明文！仅在交给学籍管理员时使用）。",
                "Decrypts every accepted photo into the chosen folder (plaintext! only for handing over to the registrar).",
            ));
            if ui
                .add_enabled(idle, egui::Button::new(self.t("导出照片…", "Export photos…")))
                .clicked()
            {
                self.open_dialog(Purpose::Photos);
            }
            let replace = self.t("替换文件夹中已有的同名文件", "Replace files of the same name already in the folder");
            ui.checkbox(&mut self.export_replace, replace);
            if let Some((path, files)) = &self.last_export {
                ui.label(format!("{} {} ({files})", self.t("上次导出：", "Last export: "), path.display()));
            }
        });
    }
}
