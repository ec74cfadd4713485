//! The running long task's progress bar with its cancel button (shown on every view), the result line of the
//! last task outside the station view, and the dispatch of file-dialog choices to the task they start.

use std::path::PathBuf;
use std::time::Duration;

use eframe::egui::{self, Color32, RichText};

use super::StationApp;
use super::file_dialog::{FileDialog, Mode, Outcome, Purpose};
use super::state::Tab;
use crate::controller::{Job, Request};
use crate::roster::CsvEncoding;

impl StationApp {
    /// Starts a long task (the controller refuses a second one while one runs).
    pub(super) fn start_job(&mut self, job: Job) {
        if self.job_running() {
            return;
        }
        self.send(Request::Start(job));
    }

    /// True while a long task runs.
    pub(super) fn job_running(&self) -> bool {
        self.job.as_ref().is_some_and(|j| !j.finished())
    }

    /// Opens the file dialog for `purpose`.
    pub(super) fn open_dialog(&mut self, purpose: Purpose) {
        let (mode, name) = match purpose {
            Purpose::Roster => (
                Mode::Open(vec!["xlsx", "xls", "xlsm", "ods", "csv", "txt"]),
                "",
            ),
            Purpose::FollowUp => (Mode::Save("xlsx"), "待拍名单.xlsx"),
            Purpose::Photos => (Mode::Folder, ""),
        };
        self.dialog = Some(FileDialog::new(
            purpose,
            mode,
            self.last_dir.as_deref(),
            name,
        ));
    }

    /// Draws the open file dialog and starts the task for a chosen path.
    pub(super) fn dialog_pass(&mut self, ui: &mut egui::Ui) {
        let Some(dialog) = self.dialog.as_mut() else {
            return;
        };
        let purpose = dialog.purpose;
        match dialog.show(ui.ctx(), self.lang) {
            Outcome::Open => {}
            Outcome::Cancelled => self.dialog = None,
            Outcome::Chosen(path) => {
                self.dialog = None;
                self.chosen(purpose, path);
            }
        }
    }

    fn chosen(&mut self, purpose: Purpose, path: PathBuf) {
        self.last_dir = if purpose == Purpose::Photos {
            Some(path.clone())
        } else {
            path.parent().map(std::path::Path::to_path_buf)
        };
        match purpose {
            Purpose::Roster => {
                self.roster.path = path.display().to_string();
                self.start_job(Job::ImportRoster {
                    path,
                    dry_run: true,
                    encoding: CsvEncoding::Auto,
                    confirm_identity: false,
                });
            }
            Purpose::FollowUp => self.start_job(Job::ExportMissing { path }),
            Purpose::Photos => self.start_job(Job::ExportPhotos {
                dir: path,
                replace: self.export_replace,
            }),
        }
    }

    /// The progress bar of the running task with its cancel button; the last result on views other than the
    /// station's (which shows it in its banner).
    pub(super) fn job_bar(&mut self, ui: &mut egui::Ui) {
        if let Some(job) = self.job.clone().filter(|j| !j.finished()) {
            egui::Panel::bottom("job").show(ui, |ui| {
                ui.horizontal(|ui| {
                    let (done, total) = job.progress();
                    ui.label(RichText::new(job.job().label().get(self.lang)).strong());
                    let bar = if total == 0 {
                        egui::ProgressBar::new(0.0).animate(true)
                    } else {
                        egui::ProgressBar::new(done as f32 / total as f32)
                            .text(format!("{done}/{total}"))
                    };
                    ui.add(bar.desired_width(420.0));
                    if job.cancelling() {
                        ui.label(self.t("正在取消…", "Cancelling…"));
                    } else if ui.button(self.t("取消", "Cancel")).clicked() {
                        job.cancel();
                    }
                });
            });
            self.egui_ctx
                .request_repaint_after(Duration::from_millis(100));
        } else if self.tab != Tab::Station
            && let Some(b) = &self.banner
            && b.at.elapsed() < Duration::from_secs(8)
        {
            let col = if b.good {
                Color32::from_rgb(46, 160, 67)
            } else {
                Color32::from_rgb(230, 140, 20)
            };
            let text = b.text.get(self.lang).to_string();
            egui::Panel::bottom("job").show(ui, |ui| {
                ui.label(RichText::new(text).color(col).strong());
            });
            self.egui_ctx
                .request_repaint_after(Duration::from_millis(500));
        }
    }
}
