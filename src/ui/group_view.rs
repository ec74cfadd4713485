//! The station group in the GUI: its health in the tab bar, combined progress in the roster tab, and the
//! students accepted at two stations for the supervisor.

use eframe::egui::{self, Color32, RichText};

use super::state::StationApp;

impl StationApp {
    /// The group's health beside the station name: last sync, stations heard from, storage errors. Never
    /// blocks anything.
    pub(super) fn group_status(&self, ui: &mut egui::Ui) {
        let Some(g) = &self.group else {
            return;
        };
        let short = &g.group_id[..g.group_id.len().min(6)];
        let (text, colour) = match (&g.sync.error, g.sync.last_ok_secs) {
            (Some(e), _) => (
                self.lang
                    .pick(
                        &format!(
                            "小组 {short}：存储不可达（{}），本站照常拍摄",
                            crate::text::truncate_chars(e, 60)
                        ),
                        &format!(
                            "group {short}: storage unreachable ({}); this station keeps shooting",
                            crate::text::truncate_chars(e, 60)
                        ),
                    )
                    .to_string(),
                Color32::from_rgb(215, 140, 0),
            ),
            (None, Some(s)) => {
                let peers: Vec<String> = g.peers.iter().map(|p| p.station.clone()).collect();
                (
                    self.lang
                        .pick(
                            &format!("小组 {short}：{} 秒前同步 · {}", s, peers.join(" ")),
                            &format!("group {short}: synced {s} s ago · {}", peers.join(" ")),
                        )
                        .to_string(),
                    Color32::from_rgb(46, 160, 67),
                )
            }
            (None, None) => (
                self.lang
                    .pick(
                        &format!("小组 {short}：正在同步…"),
                        &format!("group {short}: syncing…"),
                    )
                    .to_string(),
                Color32::GRAY,
            ),
        };
        ui.label(RichText::new(text).color(colour));
        if !g.conflicts.is_empty() {
            ui.label(
                RichText::new(self.lang.pick(
                    &format!("⚠ {} 名学生在两站都已通过", g.conflicts.len()),
                    &format!("⚠ {} students accepted at two stations", g.conflicts.len()),
                ))
                .color(Color32::from_rgb(215, 50, 45)),
            );
        }
    }

    /// Combined progress of the group, per class and per station.
    pub(super) fn group_progress_panel(&self, ui: &mut egui::Ui) {
        let Some(g) = &self.group else {
            return;
        };
        ui.add_space(8.0);
        ui.heading(self.t("全组进度", "Group progress"));
        let stations: Vec<String> = {
            let mut s: Vec<String> = g.progress.overall.by_station.keys().cloned().collect();
            s.sort();
            s
        };
        egui::Grid::new("group-progress")
            .striped(true)
            .show(ui, |ui| {
                ui.strong(self.t("班级", "Class"));
                ui.strong(self.t("总数", "Total"));
                ui.strong(self.t("已通过", "Accepted"));
                ui.strong(self.t("未通过", "Missing"));
                for s in &stations {
                    ui.strong(s);
                }
                ui.end_row();
                let overall = crate::store::GroupClassProgress {
                    class: self.t("合计", "All").to_string(),
                    ..g.progress.overall.clone()
                };
                for c in g.progress.classes.iter().chain(std::iter::once(&overall)) {
                    ui.label(&c.class);
                    ui.label(c.total.to_string());
                    ui.label(c.accepted.to_string());
                    ui.label(c.missing.to_string());
                    for s in &stations {
                        ui.label(c.by_station.get(s).copied().unwrap_or(0).to_string());
                    }
                    ui.end_row();
                }
            });
    }

    /// Students accepted at two stations while they could not see each other, for the supervisor: the
    /// registrar keeps the latest photo; the supervisor checks which one is right and has the other station
    /// order a re-shoot or reject it.
    pub(super) fn group_conflicts_panel(&mut self, ui: &mut egui::Ui) {
        let Some(g) = &self.group else {
            return;
        };
        if g.conflicts.is_empty() {
            return;
        }
        ui.add_space(8.0);
        ui.heading(self.t("两站都已通过的学生", "Students accepted at two stations"));
        ui.label(self.t(
            "站点断开期间同一学生在两站拍摄。请核对哪一张正确；若另一站的照片正确，点“保留另一站的照片”，本站照片作废、不会上传。",
            "The same student was photographed at two stations while they were apart. Check which photo is right; if the other station's is, choose “Keep the other station's photo”: this station's photo is withdrawn and not uploaded.",
        ));
        let me = self
            .station
            .as_ref()
            .map(|s| s.id.clone())
            .unwrap_or_default();
        let conflicts = g.conflicts.clone();
        for c in &conflicts {
            let at: Vec<String> = c
                .stations
                .iter()
                .map(|(s, t)| format!("{s} {}", crate::i18n::local_time(t)))
                .collect();
            ui.horizontal(|ui| {
                ui.label(
                    RichText::new(format!("{} — {}", c.student_no, at.join(" · ")))
                        .color(Color32::from_rgb(215, 50, 45)),
                );
                let others: Vec<&str> = c
                    .stations
                    .iter()
                    .map(|(s, _)| s.as_str())
                    .filter(|s| *s != me)
                    .collect();
                if c.stations.iter().any(|(s, _)| *s == me)
                    && ui
                        .button(self.lang.pick(
                            &format!("保留 {} 的照片", others.join("、")),
                            &format!("Keep the photo from {}", others.join(", ")),
                        ))
                        .clicked()
                {
                    self.send(crate::controller::Request::KeepOtherStation {
                        student_no: c.student_no.clone(),
                    });
                }
            });
        }
    }
}

/// How a student is marked when another station has them: "已在 B2 拍摄 10:32" or "B2 正在拍摄".
pub(super) fn elsewhere_label(e: &crate::store::Elsewhere, lang: crate::i18n::Lang) -> String {
    let at = crate::i18n::local_time(&e.at);
    if e.what == "accepted" {
        lang.pick(
            &format!("已在 {} 拍摄 {at}", e.station),
            &format!("photographed at {} {at}", e.station),
        )
        .to_string()
    } else {
        lang.pick(
            &format!("{} 正在拍摄", e.station),
            &format!("being photographed at {}", e.station),
        )
        .to_string()
    }
}
