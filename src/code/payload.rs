//! Collection-code payload checks: only what is safe to check on an opaque payload
//! (non-empty, length, printable, an optional configured pattern) plus the rejection of
//! codes that are obviously something else (links, Wi-Fi, payment, contact cards).

use hmac::{Hmac, Mac};
use regex::Regex;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

pub use crate::i18n::Text;

/// The `[code]` section of the configuration file.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct CodeSettings {
    /// Longest accepted payload, in characters.
    pub max_len: usize,
    /// Optional regular expression the whole payload must match.
    pub pattern: Option<String>,
    /// Camera scan rate, frames per second.
    pub scan_hz: f32,
    /// The same code is not reported again until it has been out of sight this long.
    pub debounce_ms: u64,
}

impl Default for CodeSettings {
    fn default() -> Self {
        CodeSettings {
            max_len: 512,
            pattern: None,
            scan_hz: 12.0,
            debounce_ms: 3000,
        }
    }
}

/// A `[code]` section that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("[code] pattern is not a valid regular expression: {0}")]
    BadPattern(#[from] regex::Error),
    #[error("[code] max_len must be between 1 and 65536, got {0}")]
    BadMaxLen(usize),
    #[error("[code] scan_hz must be between 0.5 and 60, got {0}")]
    BadScanRate(f32),
}

/// Why a scanned payload is not accepted as a collection code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("empty code")]
    Empty,
    #[error("code too long ({len} > {max} characters)")]
    TooLong { len: usize, max: usize },
    #[error("code contains non-printable characters")]
    NotPrintable,
    #[error("code does not match the configured pattern")]
    PatternMismatch,
    #[error("a web link, not a collection code")]
    Link,
    #[error("a Wi-Fi network code, not a collection code")]
    Wifi,
    #[error("a payment code, not a collection code")]
    Payment,
    #[error("a contact card, not a collection code")]
    Contact,
    #[error("a phone, message or e-mail code, not a collection code")]
    Message,
}

impl Rejection {
    /// The reason in both languages, naming what was scanned in short form.
    pub fn reason(&self, payload: &str) -> Text {
        let s = short_form(payload);
        match self {
            Rejection::Empty => Text::new("扫描内容为空", "The scanned code is empty"),
            Rejection::TooLong { len, max } => Text::new(
                format!("扫描内容过长（{len} 个字符，上限 {max}）：{s}"),
                format!("The scanned code is too long ({len} characters, limit {max}): {s}"),
            ),
            Rejection::NotPrintable => Text::new(
                format!("扫描内容含有不可打印的字符：{s}"),
                format!("The scanned code contains non-printable characters: {s}"),
            ),
            Rejection::PatternMismatch => Text::new(
                format!("扫描内容不符合采集码格式：{s}"),
                format!("The scanned code does not look like a collection code: {s}"),
            ),
            Rejection::Link => Text::new(
                format!("这是一个网址，不是图像采集码：{s}"),
                format!("This is a web link, not a collection code: {s}"),
            ),
            Rejection::Wifi => Text::new(
                format!("这是 Wi-Fi 连接码，不是图像采集码：{s}"),
                format!("This is a Wi-Fi network code, not a collection code: {s}"),
            ),
            Rejection::Payment => Text::new(
                format!("这是付款码或收款码，不是图像采集码：{s}"),
                format!("This is a payment code, not a collection code: {s}"),
            ),
            Rejection::Contact => Text::new(
                format!("这是名片二维码，不是图像采集码：{s}"),
                format!("This is a contact card, not a collection code: {s}"),
            ),
            Rejection::Message => Text::new(
                format!("这是电话、短信或邮件二维码，不是图像采集码：{s}"),
                format!("This is a phone, message or e-mail code, not a collection code: {s}"),
            ),
        }
    }
}

/// Compiled payload checks.
#[derive(Clone, Debug)]
pub struct PayloadPolicy {
    max_len: usize,
    pattern: Option<Regex>,
}

impl Default for PayloadPolicy {
    fn default() -> Self {
        PayloadPolicy {
            max_len: CodeSettings::default().max_len,
            pattern: None,
        }
    }
}

impl PayloadPolicy {
    /// Validate and compile the settings.
    pub fn from_settings(settings: &CodeSettings) -> Result<Self, SettingsError> {
        if settings.max_len == 0 || settings.max_len > 65536 {
            return Err(SettingsError::BadMaxLen(settings.max_len));
        }
        if !(0.5..=60.0).contains(&settings.scan_hz) {
            return Err(SettingsError::BadScanRate(settings.scan_hz));
        }
        let pattern = match &settings.pattern {
            Some(p) if !p.is_empty() => Some(Regex::new(&format!("^(?:{p})$"))?),
            _ => None,
        };
        Ok(PayloadPolicy {
            max_len: settings.max_len,
            pattern,
        })
    }

    /// Accept `payload` as a collection code or say why not.
    pub fn validate(&self, payload: &str) -> Result<(), Rejection> {
        if payload.is_empty() {
            return Err(Rejection::Empty);
        }
        let len = payload.chars().count();
        if len > self.max_len {
            return Err(Rejection::TooLong {
                len,
                max: self.max_len,
            });
        }
        if let Some(kind) = obvious_non_code(payload) {
            return Err(kind);
        }
        if payload
            .chars()
            .any(|c| crate::text::is_unsafe_char(c) || c == '\u{FFFD}' || c == '\u{FEFF}')
        {
            return Err(Rejection::NotPrintable);
        }
        if let Some(re) = &self.pattern
            && !re.is_match(payload)
        {
            return Err(Rejection::PatternMismatch);
        }
        Ok(())
    }
}

/// Recognise codes that are plainly something else than a collection code.
fn obvious_non_code(payload: &str) -> Option<Rejection> {
    let t = payload.trim_start();
    let lower: String = t.chars().take(48).collect::<String>().to_ascii_lowercase();
    const PAYMENT: [&str; 12] = [
        "wxp://",
        "weixin://",
        "alipays://",
        "alipay://",
        "alipayqr://",
        "upi://",
        "https://qr.alipay.com",
        "http://qr.alipay.com",
        "https://qr.95516.com",
        "https://wx.tenpay.com",
        "bitcoin:",
        "ethereum:",
    ];
    if PAYMENT.iter().any(|p| lower.starts_with(p)) || lower.starts_with("000201") {
        // "000201" is the EMVCo merchant-presented QR header (UnionPay, PayNow, PIX, …).
        return Some(Rejection::Payment);
    }
    if lower.starts_with("wifi:") {
        return Some(Rejection::Wifi);
    }
    if ["begin:vcard", "mecard:", "bizcard:", "begin:vevent"]
        .iter()
        .any(|p| lower.starts_with(p))
    {
        return Some(Rejection::Contact);
    }
    if [
        "tel:",
        "mailto:",
        "sms:",
        "smsto:",
        "mms:",
        "mmsto:",
        "matmsg:",
        "facetime:",
    ]
    .iter()
    .any(|p| lower.starts_with(p))
    {
        return Some(Rejection::Message);
    }
    if lower.starts_with("www.") || has_url_scheme(&lower) {
        return Some(Rejection::Link);
    }
    None
}

/// `scheme://` at the start, with an RFC 3986 scheme name.
fn has_url_scheme(s: &str) -> bool {
    let Some(pos) = s.find("://") else {
        return false;
    };
    let scheme = &s[..pos];
    let mut chars = scheme.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// A short display form that never shows the whole payload: the first and last few
/// characters and the length, e.g. `AbC1x2…9Zq= (212)`.
pub fn short_form(payload: &str) -> String {
    let chars: Vec<char> = payload
        .chars()
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect();
    let n = chars.len();
    let (head, tail) = if n >= 16 {
        (6, 4)
    } else if n >= 6 {
        (3, 2)
    } else {
        (n.min(2), 0)
    };
    let mut s: String = chars[..head].iter().collect();
    s.push('…');
    s.extend(&chars[n - tail..]);
    format!("{s} ({n})")
}

/// A short keyed digest of a payload for logs (HMAC-SHA-256, first 12 hex digits).
/// With a per-station key it identifies a code across log lines without revealing it.
pub fn log_digest(key: &[u8], payload: &str) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(m) => m,
        // HMAC accepts keys of any length; this branch is unreachable in practice.
        Err(_) => return String::from("????????????"),
    };
    mac.update(payload.as_bytes());
    let tag = mac.finalize().into_bytes();
    tag[..6].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHSI_LIKE: &str = "q3T8sV0n/7kPz+W1fLx9aBcD2eFgHiJkLmNoPqRsTuVwXyZ0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ==";

    #[test]
    fn accepts_opaque_collection_code() {
        assert_eq!(PayloadPolicy::default().validate(CHSI_LIKE), Ok(()));
    }

    #[test]
    fn rejects_empty_long_and_unprintable() {
        let p = PayloadPolicy::default();
        assert_eq!(p.validate(""), Err(Rejection::Empty));
        let long = "A".repeat(513);
        assert_eq!(
            p.validate(&long),
            Err(Rejection::TooLong { len: 513, max: 512 })
        );
        assert_eq!(p.validate("abc\u{7}def"), Err(Rejection::NotPrintable));
        assert_eq!(p.validate("abc\ndef"), Err(Rejection::NotPrintable));
    }

    #[test]
    fn rejects_obvious_non_codes() {
        let p = PayloadPolicy::default();
        let cases = [
            ("https://example.com/x", Rejection::Link),
            ("HTTP://EXAMPLE.COM", Rejection::Link),
            ("www.chsi.com.cn", Rejection::Link),
            ("ftp://files.example.org", Rejection::Link),
            ("WIFI:S:Home;T:WPA;P:secret;;", Rejection::Wifi),
            ("wxp://f2f0abcdef", Rejection::Payment),
            ("https://qr.alipay.com/fkx12345", Rejection::Payment),
            ("alipays://platformapi/startapp", Rejection::Payment),
            ("weixin://wxpay/bizpayurl?pr=abc", Rejection::Payment),
            ("upi://pay?pa=x@bank", Rejection::Payment),
            ("00020101021226300014", Rejection::Payment),
            ("BEGIN:VCARD\nVERSION:3.0", Rejection::Contact),
            ("MECARD:N:Zhang,San;;", Rejection::Contact),
            ("tel:+8613800000000", Rejection::Message),
            ("mailto:a@b.cn", Rejection::Message),
            ("SMSTO:10086:hi", Rejection::Message),
        ];
        for (payload, want) in cases {
            assert_eq!(p.validate(payload), Err(want), "{payload}");
        }
    }

    #[test]
    fn pattern_must_match_whole_payload() {
        let s = CodeSettings {
            pattern: Some("[A-Za-z0-9+/=]{20,}".into()),
            ..CodeSettings::default()
        };
        let p = PayloadPolicy::from_settings(&s).unwrap();
        assert_eq!(p.validate(CHSI_LIKE), Ok(()));
        assert_eq!(
            p.validate("short+but valid chars!"),
            Err(Rejection::PatternMismatch)
        );
        let bad = CodeSettings {
            pattern: Some("([".into()),
            ..CodeSettings::default()
        };
        assert!(matches!(
            PayloadPolicy::from_settings(&bad),
            Err(SettingsError::BadPattern(_))
        ));
    }

    #[test]
    fn settings_deserialize_with_defaults_and_refuse_unknown_keys() {
        let s: CodeSettings = serde_json::from_str(r#"{"max_len": 300}"#).unwrap();
        assert_eq!(s.max_len, 300);
        assert_eq!(s.scan_hz, 12.0);
        assert!(serde_json::from_str::<CodeSettings>(r#"{"maxlen": 3}"#).is_err());
        let bad = CodeSettings {
            max_len: 0,
            ..CodeSettings::default()
        };
        assert!(matches!(
            PayloadPolicy::from_settings(&bad),
            Err(SettingsError::BadMaxLen(0))
        ));
    }

    #[test]
    fn short_form_never_shows_whole_payload() {
        let s = short_form(CHSI_LIKE);
        assert!(s.starts_with("q3T8sV…"));
        assert!(s.ends_with("YZ== (111)"), "{s}");
        assert!(!short_form("abcdefgh").contains("abcdefgh"));
        assert!(!short_form("ab").contains("ab…b"));
        let r = Rejection::Link.reason("https://example.com/very/long/path");
        assert!(r.zh.contains("网址") && r.en.contains("web link"));
        assert!(!r.en.contains("very/long"));
    }

    #[test]
    fn digest_is_short_keyed_and_stable() {
        let a = log_digest(b"key-1", CHSI_LIKE);
        assert_eq!(a.len(), 12);
        assert_eq!(a, log_digest(b"key-1", CHSI_LIKE));
        assert_ne!(a, log_digest(b"key-2", CHSI_LIKE));
        assert_ne!(a, log_digest(b"key-1", "other"));
    }
}
