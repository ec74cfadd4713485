//! The upload part of the queue view: where photos go, what is queued, sent and failing, the progress of
//! this session, the last successful delivery and the current error; pause, resume and retry now.

use std::time::Duration;

use eframe::egui::{self, Color32, RichText};

use super::StationApp;
use crate::controller::Request;
use crate::upload::WorkerPhase;

impl StationApp {
    /// Asks the controller to start the background upload (needs the registrar's export key in the config).
    pub(super) fn start_upload(&mut self) {
        if self.upload.is_some() {
            return;
        }
        if self
            .config
            .config
            .upload
            .export_public_key
            .trim()
            .is_empty()
        {
            self.upload_error = Some(crate::i18n::Text::new(
                "未配置学籍管理员的导出公钥，照片暂存本机加密队列。请让管理员运行 `capture-station export-key new --out 私钥文件`，\
                 把显示的公钥填入“设置”页的“导出公钥”并点“应用上传设置”。",
                "No registrar export key is configured, so photos wait in the local encrypted queue. Ask the registrar to run \
                 `capture-station export-key new --out KEYFILE` and paste the public key it prints into Settings → \
                 \"Registrar's public key\" and press \"Apply upload settings\".",
            ));
            return;
        }
        self.send(Request::StartUpload);
    }

    /// Stops the upload worker and starts it again with the current settings.
    pub(super) fn restart_upload(&mut self) {
        self.pause_upload();
        self.upload_error = None;
        self.start_upload();
    }

    /// Stops the upload worker off the UI thread (it finishes or abandons the current request first).
    fn pause_upload(&mut self) {
        if let Some(worker) = self.upload.take() {
            let _ = std::thread::Builder::new()
                .name("upload-stop".into())
                .spawn(move || worker.stop());
        }
    }

    pub(super) fn upload_panel(&mut self, ui: &mut egui::Ui) {
        ui.heading(self.t("上传", "Upload"));
        let Some(worker) = &self.upload else {
            if let Some(err) = &self.upload_error {
                ui.label(RichText::new(err.get(self.lang)).color(Color32::from_rgb(200, 140, 0)));
            }
            let configured = !self
                .config
                .config
                .upload
                .export_public_key
                .trim()
                .is_empty();
            if configured && ui.button(self.t("开始上传", "Start uploading")).clicked() {
                self.upload_error = None;
                self.start_upload();
            }
            return;
        };
        let st = worker.status();
        if st.counts.uploaded != self.upload_seen {
            // Photos changed state behind the store worker's back: refresh the counts above.
            self.upload_seen = st.counts.uploaded;
            self.send(Request::Refresh);
        }
        let lang = self.lang;
        let phase = match st.phase {
            WorkerPhase::Starting => lang.pick("正在启动", "starting"),
            WorkerPhase::Idle => lang.pick(
                "已全部送达，等待新照片",
                "all delivered; waiting for new photos",
            ),
            WorkerPhase::Uploading => lang.pick("正在上传", "uploading"),
            WorkerPhase::Waiting => lang.pick("稍后重试", "waiting to retry"),
            WorkerPhase::Stopped => lang.pick("已停止", "stopped"),
        };
        egui::Grid::new("upload")
            .num_columns(2)
            .striped(true)
            .show(ui, |ui| {
                ui.label(lang.pick("目标", "Target"));
                ui.label(&st.target);
                ui.end_row();
                ui.label(lang.pick("状态", "State"));
                ui.label(RichText::new(phase).strong());
                ui.end_row();
                ui.label(lang.pick("待上传", "Queued"));
                ui.label(format!(
                    "{} ({:.1} MB){}",
                    st.counts.queued,
                    st.counts.queued_bytes as f64 / 1e6,
                    if st.counts.failed > 0 {
                        format!(
                            " · {} {}",
                            st.counts.failed,
                            lang.pick("张上次失败", "failed last time")
                        )
                    } else {
                        String::new()
                    }
                ));
                ui.end_row();
                ui.label(lang.pick("已确认送达", "Confirmed delivered"));
                ui.label(format!(
                    "{} ({:.1} MB)",
                    st.counts.uploaded,
                    st.counts.uploaded_bytes as f64 / 1e6
                ));
                ui.end_row();
                ui.label(lang.pick("已清理（超过保留期）", "Purged after retention"));
                ui.label(st.counts.purged.to_string());
                ui.end_row();
                ui.label(lang.pick("最近一次成功", "Last successful delivery"));
                ui.label(
                    st.last_success_at
                        .clone()
                        .or(st.counts.last_confirmed_at.clone())
                        .unwrap_or_else(|| lang.pick("尚无", "none yet").to_string()),
                );
                ui.end_row();
            });
        let total = st.session_confirmed + st.counts.queued;
        if total > 0 {
            let frac = st.session_confirmed as f32 / total as f32;
            ui.add(
                egui::ProgressBar::new(frac)
                    .desired_width(480.0)
                    .text(format!(
                        "{} {}/{}{}",
                        lang.pick("本次已送达", "this session"),
                        st.session_confirmed,
                        total,
                        st.current_photo
                            .map(|id| format!(" · #{id}"))
                            .unwrap_or_default()
                    )),
            );
        }
        if let Some(err) = &st.error {
            ui.label(RichText::new(err.get(lang)).color(Color32::from_rgb(215, 50, 45)));
        }
        if let Some(ms) = st.retry_in_ms {
            ui.label(format!(
                "{} {:.0} s",
                lang.pick("下次重试：", "Next retry in"),
                ms as f64 / 1000.0
            ));
        }
        ui.horizontal(|ui| {
            if ui.button(lang.pick("立即重试", "Retry now")).clicked()
                && let Some(w) = &self.upload
            {
                w.wake();
            }
            if ui
                .button(lang.pick("暂停上传", "Pause uploading"))
                .clicked()
            {
                self.pause_upload();
            }
        });
        ui.weak(lang.pick(
            "照片以学籍管理员的公钥加密打包后上传；目标确认大小和校验值后才标记为已上传，本机照片在保留期后才可清理。",
            "Photos are packaged encrypted to the registrar's public key; a photo is marked uploaded only after the \
             target confirms size and checksum, and local copies are kept for the retention period.",
        ));
        self.egui_ctx
            .request_repaint_after(Duration::from_millis(500));
    }
}
