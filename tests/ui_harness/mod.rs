//! The station GUI in an egui_kittest harness with the demo camera, shared by the GUI test and the frame-time
//! bench.
#![allow(dead_code)]

use std::path::Path;
use std::time::{Duration, Instant};

use capture_station::cli::Context;
use capture_station::config::Config;
use capture_station::ui::StationApp;
use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

/// The app is built on the first frame, inside the harness's egui context.
pub type App = Option<StationApp>;

/// A harness around the app whose data directory is `dir`, with the 1280×720 demo camera.
pub fn harness(dir: &Path) -> Harness<'static, App> {
    harness_with(dir, "")
}

/// [`harness`] with `extra` appended to the test config (which is also written to `<dir>/config.toml`, the
/// file the settings screen saves to).
pub fn harness_with(dir: &Path, extra: &str) -> Harness<'static, App> {
    let text = format!(
        "[camera]\nsource = \"demo\"\nwidth = 1280\nheight = 720\n[security]\nkdf_memory_kib = 19456\nkdf_iterations = 2\n{extra}"
    );
    let config = Config::parse(&text, Path::new("test.toml")).unwrap();
    std::fs::write(dir.join("config.toml"), &text).unwrap();
    let ctx = Context {
        config,
        data_dir: dir.to_path_buf(),
        config_path: dir.join("config.toml"),
    };
    Harness::builder()
        .with_size([1360.0, 860.0])
        .with_context_setup(capture_station::ui::install_fonts)
        .build_ui_state(
            move |ui, app: &mut App| {
                app.get_or_insert_with(|| StationApp::new(ctx.clone(), ui.ctx().clone()))
                    .show(ui);
            },
            None,
        )
}

/// Steps the UI until `done` holds (the controller and camera work on other threads).
pub fn wait_for(
    h: &mut Harness<'static, App>,
    what: &str,
    done: impl Fn(&Harness<'static, App>) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done(h) {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; error shown: {:?}",
            h.state().as_ref().and_then(|a| a.error_text())
        );
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Types into the field labelled `label` like a person: the keys pass the wedge detector, which hands them to
/// the field once the burst gap has passed.
pub fn type_into(h: &mut Harness<'static, App>, label: &str, text: &str) {
    h.get_by_label(label).focus();
    h.step();
    h.get_by_label(label).type_text(text);
    for _ in 0..6 {
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    let masked = "•".repeat(text.chars().count());
    let value = h.get_by_label(label).value().unwrap_or_default();
    assert!(
        value == text || value == masked,
        "{label} did not receive the typed text: {value:?}"
    );
}

/// Replaces the text of the field labelled `label` (select all, then type), like a person would.
pub fn retype_into(h: &mut Harness<'static, App>, label: &str, text: &str) {
    h.get_by_label(label).focus();
    h.step();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.step();
    h.get_by_label(label).type_text(text);
    wait_for(h, "the typed text", |h| {
        h.get_by_label(label).value().as_deref() == Some(text)
    });
}
