//! The one place user-facing UI text comes from: Simplified Chinese by default, English selectable.

/// A UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// 简体中文 (default).
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// Parses the config value (`zh-CN` or `en`).
    pub fn from_config(s: &str) -> Lang {
        if s.eq_ignore_ascii_case("en") {
            Lang::En
        } else {
            Lang::Zh
        }
    }

    /// Picks the text for this language.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// A text in both UI languages, produced by the library (check reasons, hints, errors) and picked by the UI.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Text {
    /// Simplified Chinese.
    pub zh: String,
    /// English.
    pub en: String,
}

impl Text {
    /// A text from its two translations.
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Text {
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// The translation for `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        lang.pick(&self.zh, &self.en)
    }

    /// Both languages on one line, "en / zh" (for logs and the CLI).
    pub fn both(&self) -> String {
        format!("{} / {}", self.en, self.zh)
    }
}

/// English, for logs and errors that are not shown in the UI.
impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en)
    }
}

/// A message key of the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Msg {
    /// Window title.
    AppTitle,
    /// Heading of the start screen.
    Welcome,
    /// Station database found.
    StationReady,
    /// No station database yet.
    StationMissing,
    /// What the start screen offers today.
    ComingNext,
    /// Language switch label.
    Language,
}

/// Text of `msg` in `lang`.
pub fn tr(lang: Lang, msg: Msg) -> &'static str {
    let (zh, en) = match msg {
        Msg::AppTitle => ("学历照片采集站", "Capture Station"),
        Msg::Welcome => (
            "学历证书电子注册图像采集",
            "Diploma e-registration photo capture",
        ),
        Msg::StationReady => ("站点数据库已就绪：", "Station database ready: "),
        Msg::StationMissing => (
            "尚未初始化站点。请先运行 capture-station init。",
            "No station yet. Run `capture-station init` first.",
        ),
        Msg::ComingNext => (
            "拍摄、名单、审核与上传界面将在图形界面版本中提供；目前请使用命令行：student add、ingest、queue stats/list/verify/export。",
            "The shooting, roster, review and upload screens arrive with the GUI release; until then use the command line: student add, ingest, queue stats/list/verify/export.",
        ),
        Msg::Language => ("语言", "Language"),
    };
    lang.pick(zh, en)
}

static LOCAL_OFFSET: std::sync::OnceLock<time::UtcOffset> = std::sync::OnceLock::new();

/// Reads the machine's UTC offset for [`local_time`]. Call at start-up while the process has one thread
/// (the `time` crate refuses to read it later, as other threads could change the environment).
pub fn init_local_offset() {
    if let Ok(o) = time::UtcOffset::current_local_offset() {
        let _ = LOCAL_OFFSET.set(o);
    }
}

/// A stored RFC 3339 time as local time to the second (`2026-06-18 09:41:07`); with ` UTC` when the local
/// offset is unknown; the input unchanged when it does not parse.
pub fn local_time(rfc3339: &str) -> String {
    let Ok(t) =
        time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
    else {
        return rfc3339.to_string();
    };
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    match LOCAL_OFFSET.get() {
        Some(o) => t
            .to_offset(*o)
            .format(&fmt)
            .unwrap_or_else(|_| rfc3339.to_string()),
        None => t
            .to_offset(time::UtcOffset::UTC)
            .format(&fmt)
            .map(|s| s + " UTC")
            .unwrap_or_else(|_| rfc3339.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_times_show_to_the_second() {
        let shown = local_time("2026-06-18T01:41:07.123456789Z");
        // The offset of the test machine decides the hour; the shape and the seconds are fixed.
        assert_eq!(
            shown.len(),
            if LOCAL_OFFSET.get().is_some() { 19 } else { 23 }
        );
        assert!(shown.contains(":07"), "{shown}");
        assert!(!shown.contains('.'), "{shown}");
        assert_eq!(local_time("not a time"), "not a time");
    }
}
