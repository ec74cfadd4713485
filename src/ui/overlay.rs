//! The live preview with its framing guides, and the traffic lights of the checks.

use eframe::egui::{self, Color32, Pos2, Rect, RichText, Stroke, StrokeKind, Vec2};

use crate::compliance::{CheckResult, FaceGeometry, Outcome};
use crate::i18n::Lang;

/// Colour of an outcome.
pub(super) fn outcome_colour(o: Outcome) -> Color32 {
    match o {
        Outcome::Pass => Color32::from_rgb(46, 160, 67),
        Outcome::Warn => Color32::from_rgb(230, 160, 20),
        Outcome::Fail => Color32::from_rgb(215, 50, 45),
    }
}

/// Draws a texture scaled to fit `max` (keeping its aspect ratio); returns the rectangle used.
pub(super) fn fit_image(ui: &mut egui::Ui, tex: &egui::TextureHandle, max: Vec2) -> Rect {
    let size = tex.size_vec2();
    let scale = (max.x / size.x).min(max.y / size.y).max(0.01);
    let resp = ui.add(egui::Image::new((tex.id(), size * scale)));
    resp.rect
}

/// Draws the standard's allowed bands on a spec photo at `rect`: where the crown (top of the hair) and the
/// eye line may lie.
pub(super) fn draw_spec_bands(ui: &egui::Ui, rect: Rect, spec: &crate::compliance::PhotoSpec) {
    let p = ui.painter_at(rect);
    let h = spec.height.max(1) as f32;
    let band = |range: crate::compliance::Range, colour: Color32| {
        let top = rect.top() + range.min as f32 / h * rect.height();
        let bottom = rect.top() + range.max as f32 / h * rect.height();
        p.rect_filled(
            Rect::from_x_y_ranges(rect.x_range(), top..=bottom),
            0.0,
            colour,
        );
    };
    band(
        spec.crown_margin_px,
        Color32::from_rgba_unmultiplied(255, 220, 60, 50),
    );
    band(
        spec.eye_line_px,
        Color32::from_rgba_unmultiplied(80, 200, 255, 50),
    );
}

/// Draws the crop box, head oval and eye line over the preview at `rect`.
pub(super) fn draw_guides(ui: &egui::Ui, rect: Rect, g: &FaceGeometry, ok: bool) {
    let p = ui.painter_at(rect);
    let colour = if ok {
        Color32::from_rgb(60, 200, 90)
    } else {
        Color32::from_rgb(240, 80, 60)
    };
    let at = |x: f64, y: f64| {
        Pos2::new(
            rect.left() + x as f32 * rect.width(),
            rect.top() + y as f32 * rect.height(),
        )
    };
    let cb = g.crop_box;
    p.rect_stroke(
        Rect::from_min_max(at(cb.x, cb.y), at(cb.x + cb.w, cb.y + cb.h)),
        0.0,
        Stroke::new(2.0, colour),
        StrokeKind::Inside,
    );
    let o = g.head_oval;
    p.add(egui::Shape::ellipse_stroke(
        at(o.cx, o.cy),
        Vec2::new(o.rx as f32 * rect.width(), o.ry as f32 * rect.height()),
        Stroke::new(2.0, colour.gamma_multiply(0.9)),
    ));
    let (l, r) = (
        at(g.eye_left[0], g.eye_left[1]),
        at(g.eye_right[0], g.eye_right[1]),
    );
    let d = (r - l) * 0.6;
    p.line_segment(
        [l - d, r + d],
        Stroke::new(1.5, Color32::from_rgb(80, 200, 255)),
    );
}

/// One row per check: a coloured light, the reason and, when not passing, the correction hint.
pub(super) fn traffic_lights(ui: &mut egui::Ui, checks: &[CheckResult], lang: Lang) {
    traffic_lights_of(ui, checks, checks, lang);
}

/// The lights of `shown`, a part of the verdict `all` (which decides what is held back).
pub(super) fn traffic_lights_of(
    ui: &mut egui::Ui,
    all: &[CheckResult],
    shown: &[CheckResult],
    lang: Lang,
) {
    let checks = all;
    for c in shown {
        ui.horizontal_top(|ui| {
            let (dot, _) = ui.allocate_exact_size(Vec2::splat(14.0), egui::Sense::hover());
            if crate::compliance::root_cause::held_back(checks, c) {
                // The backdrop or the exposure is wrong: this one cannot be judged yet.
                ui.painter().circle_filled(dot.center(), 6.5, Color32::GRAY);
                let (zh, en) = crate::compliance::root_cause::HELD_BACK;
                let (name_zh, name_en) = crate::compliance::ids::label(&c.id);
                let name = lang.pick(name_zh, name_en);
                ui.add(
                    egui::Label::new(
                        RichText::new(format!("{} — {name}", lang.pick(zh, en)))
                            .color(Color32::GRAY),
                    )
                    .wrap(),
                );
                return;
            }
            ui.painter()
                .circle_filled(dot.center(), 6.5, outcome_colour(c.outcome));
            let reason = lang.pick(&c.reason_zh, &c.reason_en);
            let hint = lang.pick(&c.hint_zh, &c.hint_en);
            let text = if c.outcome == Outcome::Pass || hint.is_empty() {
                reason.to_string()
            } else {
                format!("{reason} — {hint}")
            };
            let rt = RichText::new(text);
            // Long hints wrap inside the panel instead of widening it.
            ui.add(
                egui::Label::new(if c.outcome == Outcome::Fail {
                    rt.strong()
                } else {
                    rt
                })
                .wrap(),
            );
        });
    }
}
