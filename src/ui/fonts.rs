//! Loading a CJK font so Chinese never renders as boxes.

use eframe::egui::{Context, FontData, FontDefinitions, FontFamily};

/// Well-known CJK font files on Linux, Windows and macOS, most preferred first.
const CANDIDATES: &[&str] = &[
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "C:\\Windows\\Fonts\\msyh.ttc",
    "C:\\Windows\\Fonts\\simhei.ttf",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Light.ttc",
];

/// Finds the first readable CJK font file.
pub fn find_cjk() -> Option<(&'static str, Vec<u8>)> {
    CANDIDATES
        .iter()
        .find_map(|p| std::fs::read(p).ok().map(|bytes| (*p, bytes)))
}

/// Adds a CJK font as a fallback to both families. Logs a warning when none is installed.
pub fn install_cjk(ctx: &Context) {
    let Some((path, bytes)) = find_cjk() else {
        tracing::warn!(
            "no CJK font found; install fonts-wqy-microhei or fonts-noto-cjk so Chinese renders"
        );
        return;
    };
    let mut fonts = FontDefinitions::default();
    fonts.font_data.insert(
        "cjk".into(),
        std::sync::Arc::new(FontData::from_owned(bytes)),
    );
    for family in [FontFamily::Proportional, FontFamily::Monospace] {
        fonts.families.entry(family).or_default().push("cjk".into());
    }
    ctx.set_fonts(fonts);
    tracing::info!(font = path, "CJK font loaded");
}
