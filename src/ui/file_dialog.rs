//! An in-app file dialog (open a file, save a file, pick a folder): a modal list of the current folder
//! with the matching files, parent navigation, shortcuts to home and removable media, and a name field.
//! Drawn with egui, so it works the same on every desktop and under Xvfb, with no portal or GTK needed.

use std::path::{Path, PathBuf};

use eframe::egui::{self, RichText};

use crate::i18n::{Lang, Text};

/// What the dialog is choosing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Mode {
    /// An existing file with one of these extensions (lower case, without the dot).
    Open(Vec<&'static str>),
    /// A new or existing file; the extension is added when missing.
    Save(&'static str),
    /// A folder.
    Folder,
}

/// What the chosen path is for, so the caller knows what to do with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Purpose {
    /// Roster file to check and import.
    Roster,
    /// Follow-up list (.xlsx) to write.
    FollowUp,
    /// Folder for decrypted photos.
    Photos,
}

/// The dialog's result for this frame.
pub(super) enum Outcome {
    /// Still open.
    Open,
    /// Closed without a choice.
    Cancelled,
    /// A path was chosen.
    Chosen(PathBuf),
}

struct Entry {
    name: String,
    is_dir: bool,
}

/// An open file dialog.
pub(super) struct FileDialog {
    pub purpose: Purpose,
    mode: Mode,
    dir: PathBuf,
    entries: Vec<Entry>,
    name: String,
    error: Option<Text>,
    media: Vec<PathBuf>,
}

impl FileDialog {
    /// Opens the dialog in `start` (or the home folder, or `/`) with `name` pre-filled.
    pub fn new(purpose: Purpose, mode: Mode, start: Option<&Path>, name: &str) -> FileDialog {
        let dir = start
            .filter(|p| p.is_dir())
            .map(Path::to_path_buf)
            .or_else(home)
            .unwrap_or_else(|| PathBuf::from("/"));
        let mut d = FileDialog {
            purpose,
            mode,
            dir: PathBuf::new(),
            entries: Vec::new(),
            name: name.to_string(),
            error: None,
            media: removable_media(),
        };
        d.enter(dir);
        d
    }

    /// Reads `dir` (folders first, then files that match the mode, both by name).
    fn enter(&mut self, dir: PathBuf) {
        match std::fs::read_dir(&dir) {
            Ok(read) => {
                let mut entries: Vec<Entry> = read
                    .filter_map(Result::ok)
                    .filter_map(|e| {
                        let name = e.file_name().to_string_lossy().into_owned();
                        let is_dir = e.path().is_dir();
                        (!name.starts_with('.') && (is_dir || self.shows_file(&name)))
                            .then_some(Entry { name, is_dir })
                    })
                    .collect();
                entries.sort_by(|a, b| b.is_dir.cmp(&a.is_dir).then(a.name.cmp(&b.name)));
                self.entries = entries;
                self.dir = dir;
                self.error = None;
            }
            Err(e) => {
                self.error = Some(Text::new(
                    format!("无法打开文件夹 {}：{e}", dir.display()),
                    format!("Cannot open folder {}: {e}", dir.display()),
                ));
            }
        }
    }

    fn shows_file(&self, name: &str) -> bool {
        let ext = Path::new(name)
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        match &self.mode {
            Mode::Open(exts) => exts.contains(&ext.as_str()),
            Mode::Save(want) => ext == *want,
            Mode::Folder => false,
        }
    }

    /// The path the OK button would return, or why there is none.
    fn chosen(&self) -> Result<PathBuf, Text> {
        let name = self.name.trim();
        match &self.mode {
            Mode::Folder if name.is_empty() => Ok(self.dir.clone()),
            Mode::Folder => Ok(self.dir.join(name)),
            Mode::Open(_) => {
                let path = self.dir.join(name);
                if name.is_empty() || !path.is_file() {
                    Err(Text::new("请选择一个文件。", "Choose a file."))
                } else {
                    Ok(path)
                }
            }
            Mode::Save(ext) => {
                if name.is_empty() {
                    return Err(Text::new("请输入文件名。", "Type a file name."));
                }
                let mut path = self.dir.join(name);
                if !self.shows_file(name) {
                    path.set_extension(ext);
                }
                Ok(path)
            }
        }
    }

    fn title(&self) -> Text {
        match &self.mode {
            Mode::Open(_) => Text::new("选择名单文件", "Choose a roster file"),
            Mode::Save(_) => Text::new("保存为", "Save as"),
            Mode::Folder => Text::new("选择导出文件夹", "Choose the export folder"),
        }
    }

    /// Draws the dialog; call every frame while it is open.
    pub fn show(&mut self, ctx: &egui::Context, lang: Lang) -> Outcome {
        let mut outcome = Outcome::Open;
        let mut go: Option<PathBuf> = None;
        let response = egui::Modal::new(egui::Id::unique("file-dialog")).show(ctx, |ui| {
            ui.set_width(620.0);
            ui.heading(self.title().get(lang));
            ui.horizontal(|ui| {
                if ui.button(lang.pick("上一级", "Up")).clicked()
                    && let Some(parent) = self.dir.parent()
                {
                    go = Some(parent.to_path_buf());
                }
                if let Some(h) = home()
                    && ui.button(lang.pick("主目录", "Home")).clicked()
                {
                    go = Some(h);
                }
                for media in &self.media {
                    let label = media
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    if ui.button(label).clicked() {
                        go = Some(media.clone());
                    }
                }
            });
            ui.label(RichText::new(self.dir.display().to_string()).monospace());
            egui::ScrollArea::vertical()
                .max_height(320.0)
                .auto_shrink([false, false])
                .show(ui, |ui| {
                    if self.entries.is_empty() {
                        ui.weak(lang.pick("（没有可选的项目）", "(nothing to choose here)"));
                    }
                    for e in &self.entries {
                        let label = if e.is_dir {
                            RichText::new(format!("{}/", e.name)).strong()
                        } else {
                            RichText::new(&e.name)
                        };
                        let selected = !e.is_dir && self.name == e.name;
                        let resp = ui.selectable_label(selected, label);
                        if e.is_dir && resp.clicked() {
                            go = Some(self.dir.join(&e.name));
                        } else if resp.double_clicked() {
                            self.name = e.name.clone();
                            match self.chosen() {
                                Ok(p) => outcome = Outcome::Chosen(p),
                                Err(t) => self.error = Some(t),
                            }
                        } else if resp.clicked() {
                            self.name = e.name.clone();
                        }
                    }
                });
            ui.horizontal(|ui| {
                let label = ui.label(match self.mode {
                    Mode::Folder => lang.pick("新文件夹名（可留空）", "New folder (optional)"),
                    _ => lang.pick("文件名", "File name"),
                });
                ui.add(egui::TextEdit::singleline(&mut self.name).desired_width(360.0))
                    .labelled_by(label.id);
            });
            if let Some(err) = &self.error {
                ui.colored_label(egui::Color32::from_rgb(215, 50, 45), err.get(lang));
            }
            ui.horizontal(|ui| {
                let ok = match self.mode {
                    Mode::Open(_) => lang.pick("打开", "Open"),
                    Mode::Save(_) => lang.pick("保存", "Save"),
                    Mode::Folder => lang.pick("选择此文件夹", "Use this folder"),
                };
                if ui.button(RichText::new(ok).strong()).clicked() {
                    match self.chosen() {
                        Ok(p) => outcome = Outcome::Chosen(p),
                        Err(t) => self.error = Some(t),
                    }
                }
                if ui.button(lang.pick("取消", "Cancel")).clicked() {
                    outcome = Outcome::Cancelled;
                }
            });
        });
        if response.should_close() && matches!(outcome, Outcome::Open) {
            outcome = Outcome::Cancelled;
        }
        if let Some(dir) = go {
            self.enter(dir);
        }
        outcome
    }
}

fn home() -> Option<PathBuf> {
    directories::UserDirs::new().map(|d| d.home_dir().to_path_buf())
}

/// Mounted USB drives and the like (`/media/<user>/*`, `/run/media/<user>/*`, `/mnt/*`).
fn removable_media() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let user = std::env::var("USER").unwrap_or_default();
    let roots = [
        PathBuf::from("/media").join(&user),
        PathBuf::from("/run/media").join(&user),
        PathBuf::from("/mnt"),
    ];
    for root in roots {
        if let Ok(read) = std::fs::read_dir(&root) {
            out.extend(
                read.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.is_dir()),
            );
        }
    }
    out.sort();
    out.truncate(4);
    out
}
