//! The station GUI (eframe/egui). The only module that knows egui: it sends requests to the controller,
//! drains its events each frame, and renders the live camera's newest preview and checks.

mod file_dialog;
mod fonts;
mod group_view;
mod jobs_bar;
mod overlay;
mod queue_view;
mod review_view;
mod roster_view;
mod settings_apply;
mod settings_upload;
mod settings_view;
mod state;
mod station_view;
mod unlock_view;
mod upload_panel;
mod wedge_input;

use eframe::egui;

use crate::cli::Context;
use crate::i18n::Lang;

pub use state::{StationApp, Tab};

/// Starts the GUI window and blocks until it is closed.
pub fn run(ctx: Context) -> Result<(), String> {
    let lang = Lang::from_config(&ctx.config.ui.language);
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_inner_size([1360.0, 820.0])
            .with_min_inner_size([1024.0, 640.0])
            .with_title(lang.pick("学历照片采集站", "Capture Station")),
        ..Default::default()
    };
    eframe::run_native(
        "capture-station",
        options,
        Box::new(move |cc| {
            fonts::install_cjk(&cc.egui_ctx);
            Ok(Box::new(AppWindow(StationApp::new(
                ctx,
                cc.egui_ctx.clone(),
            ))))
        }),
    )
    .map_err(|e| format!("cannot open the window: {e}"))
}

/// Installs the CJK font into a context (used by tests that render the app headless).
pub fn install_fonts(ctx: &egui::Context) {
    fonts::install_cjk(ctx);
}

struct AppWindow(StationApp);

impl eframe::App for AppWindow {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.0.show(ui);
    }
}
