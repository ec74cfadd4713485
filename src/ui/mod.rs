//! The station GUI (eframe/egui). The only module that knows egui.

mod fonts;

use std::path::PathBuf;

use crate::i18n::{Lang, Msg, tr};

/// Starts the GUI window and blocks until it is closed.
pub fn run(db_path: PathBuf, lang: Lang) -> Result<(), String> {
    let options = eframe::NativeOptions {
        viewport: eframe::egui::ViewportBuilder::default()
            .with_inner_size([960.0, 600.0])
            .with_title(tr(lang, Msg::AppTitle)),
        ..Default::default()
    };
    eframe::run_native(
        "capture-station",
        options,
        Box::new(move |cc| {
            fonts::install_cjk(&cc.egui_ctx);
            Ok(Box::new(StartScreen { db_path, lang }))
        }),
    )
    .map_err(|e| format!("cannot open the window: {e}"))
}

struct StartScreen {
    db_path: PathBuf,
    lang: Lang,
}

impl eframe::App for StartScreen {
    fn ui(&mut self, ui: &mut eframe::egui::Ui, _frame: &mut eframe::Frame) {
        use eframe::egui;
        egui::CentralPanel::default().show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.label(tr(self.lang, Msg::Language));
                ui.selectable_value(&mut self.lang, Lang::Zh, "中文");
                ui.selectable_value(&mut self.lang, Lang::En, "English");
            });
            ui.add_space(24.0);
            ui.heading(tr(self.lang, Msg::Welcome));
            ui.add_space(12.0);
            if self.db_path.exists() {
                ui.label(format!(
                    "{}{}",
                    tr(self.lang, Msg::StationReady),
                    self.db_path.display()
                ));
            } else {
                ui.label(tr(self.lang, Msg::StationMissing));
            }
            ui.add_space(12.0);
            ui.label(tr(self.lang, Msg::ComingNext));
        });
    }
}
