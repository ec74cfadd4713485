//! The roster staff's view: import with a validation report first, progress per class, the class list in
//! shooting order with search, and the follow-up export.

use std::path::PathBuf;

use eframe::egui::{self, Color32, RichText};

use super::StationApp;
use super::file_dialog::Purpose;
use crate::controller::{Job, Request};
use crate::roster::{CsvEncoding, Severity};

impl StationApp {
    pub(super) fn roster_view(&mut self, ui: &mut egui::Ui) {
        if let Some(dropped) = ui.input(|i| {
            i.raw
                .dropped_files
                .first()
                .map(|f| f.path().to_path_buf())
                .filter(|p| !p.as_os_str().is_empty())
        }) {
            self.roster.path = dropped.display().to_string();
            self.check_roster(true);
        }
        egui::Panel::left("roster-left")
            .exact_size(520.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical()
                    .id_salt("roster-left-scroll")
                    .show(ui, |ui| {
                        self.import_panel(ui);
                        ui.separator();
                        self.progress_panel(ui);
                        self.group_progress_panel(ui);
                    });
            });
        egui::CentralPanel::default().show(ui, |ui| self.student_list(ui));
    }

    fn check_roster(&mut self, dry_run: bool) {
        self.import_roster(dry_run, false);
    }

    fn import_roster(&mut self, dry_run: bool, confirm_identity: bool) {
        let path = PathBuf::from(self.roster.path.trim());
        self.start_job(Job::ImportRoster {
            path,
            dry_run,
            encoding: CsvEncoding::Auto,
            confirm_identity,
        });
    }

    fn import_panel(&mut self, ui: &mut egui::Ui) {
        ui.heading(self.t("导入名单", "Import a class list"));
        ui.label(self.t(
            "选择或拖入 Excel（.xlsx/.xls）或 CSV 文件，也可输入路径。先检查，无错误后再导入。",
            "Choose or drop an Excel (.xlsx/.xls) or CSV file, or type its path. Check first, then import.",
        ));
        ui.horizontal(|ui| {
            let label = ui.label(self.t("名单文件", "Roster file"));
            let field = ui
                .add(egui::TextEdit::singleline(&mut self.roster.path).desired_width(250.0))
                .labelled_by(label.id);
            let idle = !self.job_running();
            // Enter in the path field checks the file, like the button.
            if field.lost_focus()
                && ui.input(|i| i.key_pressed(egui::Key::Enter))
                && idle
                && !self.roster.path.trim().is_empty()
            {
                self.check_roster(true);
            }
            if ui
                .add_enabled(idle, egui::Button::new(self.t("浏览…", "Browse…")))
                .clicked()
            {
                self.open_dialog(Purpose::Roster);
            }
            let can = !self.roster.path.trim().is_empty() && idle;
            if ui
                .add_enabled(can, egui::Button::new(self.t("检查", "Check")))
                .clicked()
            {
                self.check_roster(true);
            }
        });
        let Some((path, dry_run, report)) = &self.roster.report else {
            return;
        };
        let lang = self.lang;
        ui.add_space(6.0);
        ui.label(RichText::new(format!("{} — {}", path.display(), report.file)).strong());
        ui.label(format!(
            "{} {} · {} {} · {} {} · {} {}",
            self.t("行数", "rows"),
            report.rows,
            self.t("新增", "new"),
            report.added.len(),
            self.t("变更", "changed"),
            report.changed.len(),
            self.t("未变", "unchanged"),
            report.unchanged
        ));
        // What was detected, before anything is committed: encoding and which column is which field.
        if let Some(enc) = &report.encoding {
            ui.label(format!("{}{enc}", self.t("文件编码：", "Encoding: ")));
        }
        for sheet in &report.sheets {
            let mapping: Vec<String> = sheet
                .columns
                .iter()
                .map(|c| {
                    let field = self.lang.pick(c.field.zh(), c.field.key());
                    format!("{field} ← {} ({})", c.header, c.letter)
                })
                .collect();
            let at = match &sheet.sheet {
                Some(name) => format!("「{name}」"),
                None => String::new(),
            };
            ui.label(format!(
                "{}{at} {} {}：{}",
                self.t("列对应", "Columns"),
                self.t("标题行", "header row"),
                sheet.header_row,
                mapping.join("，")
            ));
        }
        if !report.changed.is_empty() {
            let title = format!(
                "{}（{}）",
                self.t("变更的学生", "Changed students"),
                report.changed.len()
            );
            egui::CollapsingHeader::new(title)
                .id_salt("roster-changed")
                .default_open(report.changed.len() <= 10)
                .show(ui, |ui| {
                    for c in &report.changed {
                        let what: Vec<String> = c
                            .changes
                            .iter()
                            .map(|f| format!("{}: {} → {}", f.field, f.old, f.new))
                            .collect();
                        ui.label(format!(
                            "{} {} · {}",
                            c.student.student_no,
                            c.student.name,
                            what.join("；")
                        ));
                    }
                });
        }
        if !report.missing_from_file.is_empty() {
            let title = format!(
                "{}（{}）",
                self.t(
                    "文件中缺少的已有学生（保留不删）",
                    "Students missing from the file (kept)"
                ),
                report.missing_from_file.len()
            );
            egui::CollapsingHeader::new(title)
                .id_salt("roster-missing")
                .default_open(report.missing_from_file.len() <= 10)
                .show(ui, |ui| {
                    for m in &report.missing_from_file {
                        ui.label(format!("{} {} · {}", m.student_no, m.name, m.class));
                    }
                });
        }
        for p in &report.problems {
            let col = if p.severity == Severity::Error {
                Color32::from_rgb(215, 50, 45)
            } else {
                Color32::from_rgb(200, 140, 0)
            };
            ui.label(
                RichText::new(format!("{} {}", p.location(lang), p.message.get(lang))).color(col),
            );
        }
        let (has_errors, written, dry) = (report.has_errors(), report.written, *dry_run);
        // The only errors are changes to photographed students' names or ID numbers: the operator may confirm.
        let only_identity = has_errors
            && report
                .problems
                .iter()
                .filter(|p| p.severity == crate::roster::Severity::Error)
                .all(|p| p.kind == crate::roster::ProblemKind::IdentityOfPhotographed);
        if only_identity {
            ui.label(
                RichText::new(self.t(
                    "本次导入会更改已有通过照片的学生的姓名或身份证号（见上）。核对无误后才能确认。",
                    "This import changes the name or ID number of students who already have an accepted photo (see above). Confirm only after checking.",
                ))
                .color(Color32::from_rgb(215, 140, 0)),
            );
            if ui
                .button(
                    RichText::new(self.t("确认更改并导入", "Confirm the changes and import"))
                        .size(18.0),
                )
                .clicked()
            {
                self.import_roster(false, true);
            }
        } else if has_errors {
            ui.label(
                RichText::new(self.t(
                    "有错误：未导入任何数据。请修改文件后重新检查。",
                    "Errors found: nothing was imported. Fix the file and check again.",
                ))
                .color(Color32::from_rgb(215, 50, 45)),
            );
        } else if written {
            ui.label(
                RichText::new(self.t("✔ 已导入。", "✔ Imported."))
                    .color(Color32::from_rgb(46, 160, 67)),
            );
        } else if dry
            && ui
                .button(RichText::new(self.t("确认导入", "Import now")).size(18.0))
                .clicked()
        {
            self.check_roster(false);
        }
    }

    fn progress_panel(&mut self, ui: &mut egui::Ui) {
        ui.heading(self.t("拍摄进度", "Progress"));
        let Some(progress) = &self.progress else {
            return;
        };
        let o = &progress.overall;
        ui.label(format!(
            "{} {} · {} {} · {} {} · {} {} · {} {}",
            self.t("共", "total"),
            o.total,
            self.t("已通过", "accepted"),
            o.accepted,
            self.t("待审核", "in review"),
            o.awaiting_review,
            self.t("需重拍", "re-shoot"),
            o.reshoot_requested,
            self.t("未拍", "not yet"),
            o.not_photographed
        ));
        let names: Vec<String> = progress.classes.iter().map(|c| c.class.clone()).collect();
        let mut move_up: Option<usize> = None;
        egui::Grid::new("progress")
            .num_columns(3)
            .striped(true)
            .show(ui, |ui| {
                for (i, c) in progress.classes.iter().enumerate() {
                    if ui
                        .add_enabled(i > 0, egui::Button::new("↑").small())
                        .on_hover_text(self.lang.pick("提前拍摄该班", "shoot this class earlier"))
                        .clicked()
                    {
                        move_up = Some(i);
                    }
                    ui.label(&c.class);
                    let frac = if c.counts.total == 0 {
                        0.0
                    } else {
                        c.counts.accepted as f32 / c.counts.total as f32
                    };
                    ui.add(
                        egui::ProgressBar::new(frac)
                            .desired_width(300.0)
                            .text(format!("{}/{}", c.counts.accepted, c.counts.total)),
                    );
                    ui.end_row();
                }
            });
        if let Some(i) = move_up {
            let mut order = names;
            order.swap(i - 1, i);
            self.send(Request::SetClassOrder { classes: order });
        }
        let demo = crate::controller::demo_students();
        let has_demo = self.turn.queue().iter().any(|e| {
            demo.iter()
                .any(|(no, name)| *no == e.student_no && *name == e.name)
        });
        if has_demo
            && ui
                .button(self.t("删除演示数据", "Remove the demo data"))
                .on_hover_text(self.t(
                    "删除内置演示名单中的学生及其空班级（已有照片的学生不能删除）",
                    "Removes the bundled demo students and their empty classes (refused once any has a photo)",
                ))
                .clicked()
        {
            self.send(Request::RemoveDemoData);
        }
        ui.add_space(8.0);
        ui.label(self.t(
            "导出未拍与需重拍名单（.xlsx）：",
            "Export not-yet-photographed and re-shoot lists (.xlsx):",
        ));
        if ui
            .add_enabled(
                !self.job_running(),
                egui::Button::new(self.t("导出待拍名单…", "Export follow-up list…")),
            )
            .clicked()
        {
            self.open_dialog(Purpose::FollowUp);
        }
    }

    fn student_list(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.heading(self.t("拍摄顺序", "Shooting order"));
            let hint = self.t("搜索姓名或学号", "Search name or student no.");
            ui.add(
                egui::TextEdit::singleline(&mut self.roster.search)
                    .hint_text(hint)
                    .desired_width(260.0),
            );
        });
        let needle = self.roster.search.trim().to_string();
        let rows: Vec<_> = self
            .turn
            .queue()
            .iter()
            .filter(|e| {
                needle.is_empty() || e.name.contains(&needle) || e.student_no.contains(&needle)
            })
            .cloned()
            .collect();
        egui::ScrollArea::vertical()
            .id_salt("roster-list")
            .show(ui, |ui| {
                egui::Grid::new("students")
                    .num_columns(6)
                    .striped(true)
                    .show(ui, |ui| {
                        for h in [
                            self.t("序", "#"),
                            self.t("学号", "No."),
                            self.t("姓名", "Name"),
                            self.t("班级", "Class"),
                            self.t("类别", "Status"),
                            self.t("照片", "Photo"),
                        ] {
                            ui.label(RichText::new(h).strong());
                        }
                        ui.end_row();
                        for e in rows {
                            ui.label(e.position.to_string());
                            ui.label(&e.student_no);
                            if ui.link(&e.name).clicked() {
                                self.select(e.student_no.clone());
                                self.tab = super::Tab::Station;
                            }
                            ui.label(&e.class);
                            ui.label(self.lang.pick(e.status.zh(), e.status.as_str()));
                            if let Some(w) = &e.elsewhere {
                                ui.label(super::group_view::elsewhere_label(w, self.lang));
                            } else if e.absent && e.needs_photo {
                                ui.label(self.t("缺席", "absent"));
                            } else {
                                ui.label(photo_state_label(e.photo_state, self.lang));
                            }
                            ui.end_row();
                        }
                    });
            });
    }
}

/// A photo state in the operator's words.
pub(super) fn photo_state_label(
    s: Option<crate::store::PhotoState>,
    lang: crate::i18n::Lang,
) -> &'static str {
    use crate::store::PhotoState::*;
    match s {
        None => lang.pick("未拍", "not yet"),
        Some(Captured) => lang.pick("已拍待定", "captured"),
        Some(Accepted) => lang.pick("已通过", "accepted"),
        Some(Rejected) => lang.pick("待审核", "in review"),
        Some(OverrideAccepted) => lang.pick("主管通过", "approved"),
        Some(ReshootRequested) => lang.pick("需重拍", "re-shoot"),
        Some(Uploaded) => lang.pick("已上传", "uploaded"),
        Some(Purged) => lang.pick("已清理", "purged"),
    }
}
