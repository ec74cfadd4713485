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
