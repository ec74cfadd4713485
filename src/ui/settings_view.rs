//! Settings: language, station, camera and the active photo standard (read from the config file).

use eframe::egui::{self, RichText};

use super::StationApp;
use crate::i18n::Lang;

impl StationApp {
    pub(super) fn settings_view(&mut self, ui: &mut egui::Ui) {
        egui::CentralPanel::default().show(ui, |ui| {
            ui.heading(self.t("设置", "Settings"));
            ui.horizontal(|ui| {
                ui.label(self.t("界面语言", "Language"));
                ui.selectable_value(&mut self.lang, Lang::Zh, "中文");
                ui.selectable_value(&mut self.lang, Lang::En, "English");
            });
            ui.add_space(8.0);
            let cfg = &self.config.config;
            egui::Grid::new("settings").num_columns(2).striped(true).show(ui, |ui| {
                ui.label(self.t("站点", "Station"));
                ui.label(format!("{} ({})", cfg.station.name, cfg.station.id));
                ui.end_row();
                ui.label(self.t("数据目录", "Data directory"));
                ui.label(self.config.data_dir.display().to_string());
                ui.end_row();
                ui.label(self.t("摄像头", "Camera"));
                let source = self.camera.as_ref().map(|c| c.pipeline.stats().source).unwrap_or_default();
                ui.label(format!("{source} · {}×{} @ {} fps", cfg.camera.width, cfg.camera.height, cfg.camera.fps));
                ui.end_row();
                ui.label(self.t("照片规格", "Photo standard"));
                ui.label(format!(
                    "{}×{} · {} dpi · {}–{} KB · {} {:.0}–{:.0} px · {} {:.0}–{:.0} px",
                    cfg.spec.width,
                    cfg.spec.height,
                    cfg.spec.dpi,
                    cfg.spec.min_kb,
                    cfg.spec.max_kb,
                    self.t("头顶距上边", "crown margin"),
                    cfg.spec.crown_margin_px.min,
                    cfg.spec.crown_margin_px.max,
                    self.t("眼线", "eye line"),
                    cfg.spec.eye_line_px.min,
                    cfg.spec.eye_line_px.max
                ));
                ui.end_row();
            });
            ui.add_space(8.0);
            ui.label(RichText::new(self.t(
                "阈值与摄像头在配置文件中修改（见 config.example.toml），修改后重启程序。",
                "Thresholds and the camera are set in the config file (see config.example.toml); restart after editing.",
            )));
        });
    }
}
