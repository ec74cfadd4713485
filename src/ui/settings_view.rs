//! Settings: language, station name, camera source and format, and — after the supervisor's PIN — the check
//! thresholds. Changes are applied at once and saved into the config file (comments kept).

use eframe::egui::{self, Color32, RichText};

use super::StationApp;
use crate::camera::{DeviceSelector, SourceSetting};
use crate::compliance::{Limit, PhotoSpec, Thresholds};
use crate::controller::Request;
use crate::i18n::Lang;

/// Capture sizes offered besides the ones the selected webcam reports.
const SIZES: [(u32, u32); 5] = [
    (640, 480),
    (1280, 720),
    (1920, 1080),
    (2560, 1440),
    (3840, 2160),
];
const RATES: [u32; 4] = [15, 24, 30, 60];

/// Every threshold with its config key and labels.
fn limits_mut(t: &mut Thresholds) -> [(&'static str, &'static str, &'static str, &mut Limit); 19] {
    [
        (
            "background_uniformity",
            "背景均匀度",
            "Backdrop uniformity",
            &mut t.background_uniformity,
        ),
        (
            "background_objects",
            "背景杂物",
            "Objects in backdrop",
            &mut t.background_objects,
        ),
        (
            "exposure_stops",
            "曝光偏差（档）",
            "Exposure error (stops)",
            &mut t.exposure_stops,
        ),
        (
            "skin_clipped",
            "面部过曝比例",
            "Clipped skin share",
            &mut t.skin_clipped,
        ),
        (
            "lighting_stops",
            "左右光照差（档）",
            "Left/right light difference (stops)",
            &mut t.lighting_stops,
        ),
        (
            "centre_offset_px",
            "水平居中偏差（像素）",
            "Centring offset (px)",
            &mut t.centre_offset_px,
        ),
        (
            "roll_deg",
            "头部倾斜（度）",
            "Head roll (°)",
            &mut t.roll_deg,
        ),
        (
            "yaw_deg",
            "侧脸角度（度）",
            "Head turn, yaw (°)",
            &mut t.yaw_deg,
        ),
        (
            "pitch_deg",
            "低头/仰头角度（度）",
            "Head nod, pitch (°)",
            &mut t.pitch_deg,
        ),
        ("blur", "模糊度", "Blur score", &mut t.blur),
        (
            "eye_opening",
            "睁眼程度（低于即警告/不合格）",
            "Eye opening (below = warn/fail)",
            &mut t.eye_opening,
        ),
        (
            "mouth_opening",
            "张嘴程度",
            "Mouth opening",
            &mut t.mouth_opening,
        ),
        ("teeth", "露齿比例", "Teeth showing (share)", &mut t.teeth),
        (
            "glasses_score",
            "眼镜可能性",
            "Glasses score",
            &mut t.glasses_score,
        ),
        ("occlusion", "面部遮挡", "Face occlusion", &mut t.occlusion),
        ("hand", "手遮挡面部", "Hand over the face", &mut t.hand),
        (
            "hat",
            "帽子（头顶高度）",
            "Hat (head height above forehead)",
            &mut t.hat,
        ),
        (
            "hat_brim",
            "帽檐（头部两侧伸出宽度）",
            "Hat brim (head's reach beside the face)",
            &mut t.hat_brim,
        ),
        (
            "ears_cover",
            "头发遮耳",
            "Hair over the ears",
            &mut t.ears_cover,
        ),
    ]
}

/// (config key, limit) of every threshold, for comparing two standards.
pub(super) fn limits(spec: &PhotoSpec) -> Vec<(&'static str, Limit)> {
    let mut t = spec.thresholds;
    limits_mut(&mut t)
        .into_iter()
        .map(|(key, _, _, l)| (key, *l))
        .collect()
}

impl StationApp {
    pub(super) fn settings_view(&mut self, ui: &mut egui::Ui) {
        self.poll_settings();
        egui::CentralPanel::default().show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                ui.heading(self.t("设置", "Settings"));
                if let Some((ok, text)) = &self.settings.saved {
                    let col = if *ok {
                        Color32::from_rgb(46, 160, 67)
                    } else {
                        Color32::from_rgb(215, 50, 45)
                    };
                    ui.label(RichText::new(text.get(self.lang)).color(col));
                }
                self.language_section(ui);
                ui.separator();
                self.station_section(ui);
                ui.separator();
                self.camera_section(ui);
                ui.separator();
                self.upload_section(ui);
                ui.separator();
                self.threshold_section(ui);
            });
        });
    }

    fn language_section(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.label(RichText::new(self.t("界面语言", "Language")).strong());
            ui.label(match self.lang {
                Lang::Zh => "中文",
                Lang::En => "English",
            });
            ui.weak(self.t("（在右上角切换）", "(switch at the top right)"));
            if ui.button(self.t("设为默认", "Make default")).clicked() {
                self.save_language();
            }
        });
        ui.horizontal(|ui| {
            let mut on = self.config.config.ui.sounds;
            if ui
                .checkbox(
                    &mut on,
                    self.t(
                        "提示音（快门、通过、不合格、扫码）",
                        "Sounds (shutter, accepted, rejected, scanned)",
                    ),
                )
                .changed()
            {
                self.set_sounds(on);
            }
            if on && !self.sound.available() {
                ui.weak(self.t("（未找到声音设备）", "(no sound device found)"));
            }
        });
    }

    fn station_section(&mut self, ui: &mut egui::Ui) {
        ui.label(RichText::new(self.t("站点", "Station")).strong());
        egui::Grid::new("station-settings")
            .num_columns(2)
            .show(ui, |ui| {
                let label = ui.label(self.t("站点名称", "Station name"));
                ui.horizontal(|ui| {
                    ui.add(
                        egui::TextEdit::singleline(&mut self.settings.station_name)
                            .desired_width(260.0),
                    )
                    .labelled_by(label.id);
                    let current = self
                        .station
                        .as_ref()
                        .map(|s| s.name.as_str())
                        .unwrap_or_default();
                    let changed = self.settings.station_name.trim() != current
                        && !self.settings.station_name.trim().is_empty();
                    if ui
                        .add_enabled(changed, egui::Button::new(self.t("改名", "Rename")))
                        .clicked()
                    {
                        self.send(Request::RenameStation {
                            name: self.settings.station_name.clone(),
                        });
                    }
                });
                ui.end_row();
                ui.label(self.t("站点编号", "Station id"));
                ui.label(
                    self.station
                        .as_ref()
                        .map(|s| s.id.clone())
                        .unwrap_or_default(),
                );
                ui.end_row();
                ui.label(self.t("数据目录", "Data directory"));
                ui.label(self.config.data_dir.display().to_string());
                ui.end_row();
                ui.label(self.t("配置文件", "Config file"));
                ui.label(self.config.config_path.display().to_string());
                ui.end_row();
            });
    }

    fn camera_section(&mut self, ui: &mut egui::Ui) {
        ui.label(RichText::new(self.t("摄像头", "Camera")).strong());
        if let Some(cam) = &self.camera {
            let stats = cam.pipeline.stats();
            ui.label(format!(
                "{} {} · {}×{} · {:.1} fps",
                self.t("当前：", "Now: "),
                stats.source,
                stats.frame_size.0,
                stats.frame_size.1,
                stats.capture_fps
            ));
        }
        let lang = self.lang;
        let draft = &mut self.settings.camera;
        egui::Grid::new("camera-settings")
            .num_columns(2)
            .show(ui, |ui| {
                ui.label(lang.pick("来源", "Source"));
                ui.horizontal(|ui| {
                    ui.selectable_value(
                        &mut draft.source,
                        SourceSetting::Auto,
                        lang.pick("自动", "Auto"),
                    );
                    ui.selectable_value(
                        &mut draft.source,
                        SourceSetting::Webcam,
                        lang.pick("摄像头", "Webcam"),
                    );
                    ui.selectable_value(
                        &mut draft.source,
                        SourceSetting::Demo,
                        lang.pick("演示", "Demo"),
                    );
                    ui.selectable_value(
                        &mut draft.source,
                        SourceSetting::Folder,
                        lang.pick("热文件夹", "Hot folder"),
                    );
                });
                ui.end_row();

                let device_label = ui.label(lang.pick("设备", "Device"));
                let shown = draft.device.as_ref().map_or_else(
                    || lang.pick("第一个设备", "First device").to_string(),
                    |d| d.to_string(),
                );
                let device_combo = egui::ComboBox::from_id_salt("device")
                    .selected_text(shown)
                    .show_ui(ui, |ui| {
                        ui.selectable_value(
                            &mut draft.device,
                            None,
                            lang.pick("第一个设备", "First device"),
                        );
                        if let Some(Ok(list)) = &self.settings.devices {
                            for d in list {
                                ui.selectable_value(
                                    &mut draft.device,
                                    Some(DeviceSelector::Index(d.index)),
                                    format!("#{} {}", d.index, d.name),
                                );
                            }
                        }
                    });
                device_combo.response.labelled_by(device_label.id);
                ui.end_row();

                let size_label = ui.label(lang.pick("分辨率", "Resolution"));
                let mut sizes: Vec<(u32, u32)> = SIZES.to_vec();
                let selected_device = match (&draft.device, &self.settings.devices) {
                    (Some(DeviceSelector::Index(i)), Some(Ok(list))) => {
                        list.iter().find(|d| d.index == *i)
                    }
                    (None, Some(Ok(list))) => list.first(),
                    _ => None,
                };
                if let Some(dev) = selected_device {
                    sizes.extend(dev.formats.iter().map(|f| (f.width, f.height)));
                    sizes.sort_unstable();
                    sizes.dedup();
                }
                let size_combo = egui::ComboBox::from_id_salt("size")
                    .selected_text(format!("{}×{}", draft.width, draft.height))
                    .show_ui(ui, |ui| {
                        for (w, h) in sizes {
                            if ui
                                .selectable_label(
                                    (draft.width, draft.height) == (w, h),
                                    format!("{w}×{h}"),
                                )
                                .clicked()
                            {
                                draft.width = w;
                                draft.height = h;
                            }
                        }
                    });
                size_combo.response.labelled_by(size_label.id);
                ui.end_row();

                ui.label(lang.pick("帧率", "Frame rate"));
                ui.horizontal(|ui| {
                    for r in RATES {
                        ui.selectable_value(&mut draft.fps, r, format!("{r} fps"));
                    }
                });
                ui.end_row();

                let label = ui.label(lang.pick("热文件夹", "Hot folder"));
                ui.add(egui::TextEdit::singleline(&mut self.settings.folder).desired_width(320.0))
                    .labelled_by(label.id);
                ui.end_row();
            });
        match &self.settings.devices {
            Some(Err(e)) => {
                ui.label(RichText::new(e.get(lang)).color(Color32::from_rgb(200, 140, 0)));
            }
            Some(Ok(list)) if list.is_empty() => {
                ui.label(self.t("未发现摄像头。", "No webcam found."));
            }
            _ => {}
        }
        ui.horizontal(|ui| {
            let listing = self.settings.devices_rx.is_some();
            if ui
                .add_enabled(
                    !listing,
                    egui::Button::new(self.t("查找摄像头", "Find cameras")),
                )
                .clicked()
            {
                self.list_devices();
            }
            let restarting = self.settings.restart_rx.is_some();
            if ui
                .add_enabled(
                    !restarting,
                    egui::Button::new(self.t("应用摄像头设置", "Apply camera settings")),
                )
                .clicked()
            {
                self.apply_camera();
            }
            if listing || restarting {
                ui.spinner();
            }
        });
    }

    fn threshold_section(&mut self, ui: &mut egui::Ui) {
        ui.label(
            RichText::new(self.t("检查阈值（主管）", "Check thresholds (supervisor)")).strong(),
        );
        if !self.review.unlocked {
            ui.label(self.t(
                "修改阈值需要主管 PIN（与审核页相同）。",
                "Changing thresholds needs the supervisor PIN (the same as for review).",
            ));
            self.pin_prompt(ui, self.t("主管解锁", "Supervisor unlock"));
            return;
        }
        let lang = self.lang;
        egui::Grid::new("thresholds")
            .num_columns(3)
            .striped(true)
            .show(ui, |ui| {
                ui.label("");
                ui.label(RichText::new(lang.pick("警告", "Warn")).strong());
                ui.label(RichText::new(lang.pick("不合格", "Fail")).strong());
                ui.end_row();
                for (key, zh, en, limit) in limits_mut(&mut self.settings.spec.thresholds) {
                    ui.label(lang.pick(zh, en))
                        .on_hover_text(format!("spec.thresholds.{key}"));
                    let speed = (limit.fail.abs().max(0.01)) * 0.01;
                    ui.add(
                        egui::DragValue::new(&mut limit.warn)
                            .speed(speed)
                            .max_decimals(3),
                    );
                    ui.add(
                        egui::DragValue::new(&mut limit.fail)
                            .speed(speed)
                            .max_decimals(3),
                    );
                    ui.end_row();
                }
                let spec = &mut self.settings.spec;
                for (zh, en, range) in [
                    (
                        "头顶距上边（像素）",
                        "Crown margin (px)",
                        &mut spec.crown_margin_px,
                    ),
                    ("眼线高度（像素）", "Eye line (px)", &mut spec.eye_line_px),
                ] {
                    ui.label(lang.pick(zh, en));
                    ui.add(
                        egui::DragValue::new(&mut range.min)
                            .speed(1.0)
                            .prefix("min "),
                    );
                    ui.add(
                        egui::DragValue::new(&mut range.max)
                            .speed(1.0)
                            .prefix("max "),
                    );
                    ui.end_row();
                }
            });
        ui.horizontal(|ui| {
            if ui
                .button(self.t("应用并保存阈值", "Apply and save thresholds"))
                .clicked()
            {
                self.apply_spec();
            }
            if ui
                .button(self.t("恢复默认值", "Restore defaults"))
                .clicked()
            {
                self.settings.spec = PhotoSpec::default();
            }
            if ui.button(self.t("撤销修改", "Undo edits")).clicked() {
                self.settings.spec = self.config.config.spec.clone();
            }
        });
    }
}
