//! Queue view: counts by state, and a full verification of the encrypted photos.

use eframe::egui::{self, Color32, RichText};

use super::StationApp;
use super::roster_view::photo_state_label;
use crate::controller::Request;

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
            ui.add_space(12.0);
            if ui.button(self.t("校验全部加密照片", "Verify every encrypted photo")).clicked() {
                self.verify = None;
                self.send(Request::Verify);
            }
            if let Some(report) = &self.verify {
                if report.bad.is_empty() {
                    ui.label(
                        RichText::new(format!("✔ {} {}", report.checked, self.t("张照片全部完好", "photos verified, all intact")))
                            .color(Color32::from_rgb(46, 160, 67)),
                    );
                } else {
                    for bad in &report.bad {
                        ui.label(RichText::new(format!("#{}: {}", bad.photo_id, bad.problem)).color(Color32::from_rgb(215, 50, 45)));
                    }
                }
            }
            ui.add_space(12.0);
            ui.label(self.t(
                "上传：照片保存在本机加密队列中；导出请使用命令 capture-station queue export。",
                "Upload: photos wait in the local encrypted queue; export them with `capture-station queue export`.",
            ));
        });
    }
}
