//! The upload part of the settings screen: target (folder or S3), the registrar's public key (pasted or
//! loaded from a file), S3 details, a connection test off the UI thread, and applying it all without a
//! restart.

use std::sync::mpsc;

use eframe::egui::{self, Color32, RichText};

use super::StationApp;
use crate::controller::Request;
use crate::i18n::Text;

impl StationApp {
    pub(super) fn upload_section(&mut self, ui: &mut egui::Ui) {
        ui.label(RichText::new(self.t("上传", "Upload")).strong());
        if let Some(rx) = &self.settings.probe_rx
            && let Ok(result) = rx.try_recv()
        {
            self.settings.probe = Some(match result {
                Ok(where_) => (
                    true,
                    Text::new(
                        format!("连接正常：已写入并读回测试文件（{where_}）。"),
                        format!(
                            "Connection works: a test file was written and read back ({where_})."
                        ),
                    ),
                ),
                Err(t) => (false, t),
            });
            self.settings.probe_rx = None;
        }
        let lang = self.lang;
        let t = |zh: &'static str, en: &'static str| lang.pick(zh, en);
        let u = &mut self.settings.upload;
        egui::Grid::new("upload-settings")
            .num_columns(2)
            .show(ui, |ui| {
                ui.label(t("上传目标", "Target"));
                ui.horizontal(|ui| {
                    ui.radio_value(
                        &mut u.target,
                        "folder".into(),
                        t("文件夹（U 盘等）", "Folder (USB drive, …)"),
                    );
                    ui.radio_value(
                        &mut u.target,
                        "s3".into(),
                        t("S3 对象存储", "S3 object store"),
                    );
                });
                ui.end_row();
                let label = ui.label(t("导出公钥（学籍管理员）", "Registrar's public key"));
                ui.add(
                    egui::TextEdit::singleline(&mut u.export_public_key)
                        .hint_text(t("64 位十六进制，可粘贴", "64 hex digits; paste it"))
                        .desired_width(420.0),
                )
                .labelled_by(label.id);
                ui.end_row();
                let label = ui.label(t("公钥文件", "Key file"));
                ui.horizontal(|ui| {
                    ui.add(
                        egui::TextEdit::singleline(&mut self.settings.key_file)
                            .desired_width(300.0),
                    )
                    .labelled_by(label.id);
                    if ui.button(t("载入", "Load")).clicked() {
                        match read_public_key(&self.settings.key_file) {
                            Ok(hex) => u.export_public_key = hex,
                            Err(e) => self.settings.probe = Some((false, e)),
                        }
                    }
                });
                ui.end_row();
                if u.target == "folder" {
                    let label = ui.label(t("文件夹", "Folder"));
                    ui.add(
                        egui::TextEdit::singleline(&mut u.folder)
                            .hint_text(t(
                                "留空：数据目录下的 outbox",
                                "empty: outbox in the data directory",
                            ))
                            .desired_width(420.0),
                    )
                    .labelled_by(label.id);
                    ui.end_row();
                } else {
                    let s3 = &mut u.s3;
                    for (zh, en, value, secret) in [
                        ("端点 URL", "Endpoint URL", &mut s3.endpoint, false),
                        ("存储桶", "Bucket", &mut s3.bucket, false),
                        ("前缀", "Prefix", &mut s3.prefix, false),
                        ("区域", "Region", &mut s3.region, false),
                        (
                            "Access Key ID",
                            "Access key id",
                            &mut s3.access_key_id,
                            false,
                        ),
                        (
                            "Secret Access Key",
                            "Secret access key",
                            &mut s3.secret_access_key,
                            true,
                        ),
                    ] {
                        let label = ui.label(t(zh, en));
                        ui.add(
                            egui::TextEdit::singleline(value)
                                .password(secret)
                                .desired_width(420.0),
                        )
                        .labelled_by(label.id);
                        ui.end_row();
                    }
                    ui.label("");
                    ui.horizontal(|ui| {
                        ui.checkbox(
                            &mut s3.path_style,
                            t("路径式地址（MinIO、Ceph）", "Path-style (MinIO, Ceph)"),
                        );
                        ui.checkbox(&mut s3.allow_http, t("允许远程 http", "Allow remote http"));
                    });
                    ui.end_row();
                }
            });
        ui.horizontal(|ui| {
            let testing = self.settings.probe_rx.is_some();
            if ui
                .add_enabled(
                    !testing,
                    egui::Button::new(self.t("测试连接", "Test connection")),
                )
                .clicked()
            {
                self.test_upload_connection();
            }
            if testing {
                ui.spinner();
            }
            if ui
                .button(self.t("应用上传设置", "Apply upload settings"))
                .clicked()
            {
                self.apply_upload();
            }
        });
        if let Some((ok, text)) = &self.settings.probe {
            let col = if *ok {
                Color32::from_rgb(46, 160, 67)
            } else {
                Color32::from_rgb(215, 50, 45)
            };
            ui.label(RichText::new(text.get(self.lang)).color(col));
        }
    }

    /// Writes and reads back a small test file at the drafted target, on a background thread.
    fn test_upload_connection(&mut self) {
        let settings = self.settings.upload.clone();
        let data_dir = self.config.data_dir.clone();
        let station = self
            .station
            .as_ref()
            .map(|s| s.id.clone())
            .unwrap_or_default();
        let ctx = self.egui_ctx.clone();
        let (tx, rx) = mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("upload-test".into())
            .spawn(move || {
                let r = crate::upload::test_connection(&settings, &data_dir, &station)
                    .map_err(|e| e.text());
                let _ = tx.send(r);
                ctx.request_repaint();
            });
        if spawned.is_ok() {
            self.settings.probe = None;
            self.settings.probe_rx = Some(rx);
        }
    }

    /// Validates the draft, writes `[upload]` to the config file, and restarts the upload worker with it.
    fn apply_upload(&mut self) {
        let draft = self.settings.upload.clone();
        let key = draft.export_public_key.trim();
        if !key.is_empty()
            && let Err(e) = crate::upload::ExportPublicKey::from_hex(key)
        {
            self.settings.probe = Some((false, e.text()));
            return;
        }
        if let Err(e) = crate::upload::Target::from_settings(&draft, &self.config.data_dir, None) {
            self.settings.probe = Some((false, e.text()));
            return;
        }
        self.config.config.upload = draft.clone();
        let summary = format!(
            "upload: target {}, key {}",
            draft.target,
            if key.is_empty() { "none" } else { "set" }
        );
        self.save_config(&["upload"], summary);
        self.send(Request::SetUpload {
            settings: Box::new(draft),
        });
        self.restart_upload();
    }
}

/// The 64-hex-digit public key in a text file (the line `capture-station export-key` printed, or the bare key).
fn read_public_key(path: &str) -> Result<String, Text> {
    let path = path.trim();
    let text = std::fs::read_to_string(path).map_err(|e| {
        Text::new(
            format!("无法读取公钥文件 {path}：{e}"),
            format!("Cannot read the key file {path}: {e}"),
        )
    })?;
    text.split(|c: char| !c.is_ascii_hexdigit())
        .find(|w| w.len() == 64)
        .map(str::to_ascii_lowercase)
        .ok_or_else(|| {
            Text::new(
                format!("{path} 中没有 64 位十六进制公钥。"),
                format!("{path} holds no 64-hex-digit public key."),
            )
        })
}
