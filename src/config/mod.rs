//! Configuration: the schema documented in `config.example.toml`, defaults, validation with the offending key
//! and line, and data-directory resolution.

mod edit;
mod locate;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use edit::save_sections;
pub use locate::line_of_key;

/// OWASP's minimum Argon2id memory (19 MiB); a config asking for less is refused.
pub const MIN_KDF_MEMORY_KIB: u32 = 19 * 1024;
/// OWASP's minimum Argon2id passes at that memory.
pub const MIN_KDF_ITERATIONS: u32 = 2;
/// Shortest passphrase a config may allow.
pub const MIN_PASSPHRASE_CHARS: usize = 8;

/// The whole configuration file. Every section and key is optional; missing ones take their defaults.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `[station]`: who this station is and where it keeps its data.
    pub station: StationSettings,
    /// `[camera]`: frame source and pipeline sizes.
    pub camera: crate::camera::CameraSettings,
    /// `[spec]`: the photo standard's numbers and check thresholds.
    pub spec: crate::compliance::PhotoSpec,
    /// `[roster]`: class-list import.
    pub roster: crate::roster::RosterSettings,
    /// `[code]`: collection-code scanning and payload validation.
    pub code: crate::code::CodeSettings,
    /// `[security]`: key-derivation cost.
    pub security: SecuritySettings,
    /// `[export]`: decrypted export naming.
    pub export: ExportSettings,
    /// `[upload]`: where accepted photos go.
    pub upload: UploadSettings,
    /// `[ui]`: language and display.
    pub ui: UiSettings,
    /// `[registrar]`: used only where packages are unpacked.
    pub registrar: RegistrarSettings,
}

/// `[registrar]` section (only at the registrar).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct RegistrarSettings {
    /// Enrolled stations: station id → its public signing key (64 hex digits, from
    /// `capture-station station-key export`). Packages from any other key are refused by `unpack`.
    pub stations: std::collections::BTreeMap<String, String>,
}

/// `[station]` section.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct StationSettings {
    /// Station id used by `init` when `--station-id` is not given.
    pub id: String,
    /// Human-readable station name used by `init` when `--station-name` is not given.
    pub name: String,
    /// Data directory; empty means the platform default (see [`default_data_dir`]).
    pub data_dir: String,
}

impl Default for StationSettings {
    fn default() -> Self {
        Self {
            id: "station-1".into(),
            name: "1号机位".into(),
            data_dir: String::new(),
        }
    }
}

/// `[security]` section: Argon2id parameters used when a passphrase is (re)set.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecuritySettings {
    /// Argon2id memory cost in KiB (default 65536 = 64 MiB).
    pub kdf_memory_kib: u32,
    /// Argon2id passes (default 3).
    pub kdf_iterations: u32,
    /// Argon2id lanes (default 1).
    pub kdf_parallelism: u32,
    /// Shortest accepted passphrase, in characters.
    pub min_passphrase_chars: usize,
}

impl Default for SecuritySettings {
    fn default() -> Self {
        Self {
            kdf_memory_kib: 64 * 1024,
            kdf_iterations: 3,
            kdf_parallelism: 1,
            min_passphrase_chars: 8,
        }
    }
}

/// `[export]` section.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExportSettings {
    /// File-name template: `{student_no}`, `{id_no}`, `{name}`, `{class}`; must end in `.jpg`.
    pub file_name: String,
}

impl Default for ExportSettings {
    fn default() -> Self {
        Self {
            file_name: "{student_no}.jpg".into(),
        }
    }
}

/// `[upload]` section.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct UploadSettings {
    /// `folder` (default) or `s3`.
    pub target: String,
    /// Outbox folder for the `folder` target; empty means `<data dir>/outbox`.
    pub folder: String,
    /// Days to keep a photo's encrypted blob after a confirmed upload before `purge` may remove it.
    pub retention_days: u32,
    /// The registrar's X25519 export public key (64 hex digits); packages can only be opened with its secret.
    pub export_public_key: String,
    /// First retry delay after a failed delivery (ms); doubles per failure, with jitter.
    pub retry_initial_ms: u64,
    /// Longest retry delay (ms).
    pub retry_max_ms: u64,
    /// `[upload.s3]`: the S3-compatible object store.
    pub s3: S3Settings,
}

impl Default for UploadSettings {
    fn default() -> Self {
        Self {
            target: "folder".into(),
            folder: String::new(),
            retention_days: 30,
            export_public_key: String::new(),
            retry_initial_ms: 5_000,
            retry_max_ms: 600_000,
            s3: S3Settings::default(),
        }
    }
}

/// `[upload.s3]` section: any S3-compatible endpoint (MinIO, Ceph, Aliyun OSS, Tencent COS, AWS).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct S3Settings {
    /// Endpoint URL, e.g. `https://oss-cn-beijing.aliyuncs.com`; empty means AWS itself.
    pub endpoint: String,
    /// Bucket name.
    pub bucket: String,
    /// Key prefix inside the bucket (packages go to `<prefix>/<station>/<photo>.csp`).
    pub prefix: String,
    /// Region name used for request signing.
    pub region: String,
    /// Path-style requests (`endpoint/bucket/key`, MinIO and Ceph) instead of virtual-hosted style
    /// (`bucket.endpoint/key`, Aliyun OSS and Tencent COS).
    pub path_style: bool,
    /// Allow a plain `http://` endpoint that is not on this machine (loopback is always allowed).
    pub allow_http: bool,
    /// Access key id; empty means the `AWS_ACCESS_KEY_ID` environment variable.
    pub access_key_id: String,
    /// Secret access key; empty means the `AWS_SECRET_ACCESS_KEY` environment variable.
    pub secret_access_key: String,
}

impl Default for S3Settings {
    fn default() -> Self {
        Self {
            endpoint: String::new(),
            bucket: String::new(),
            prefix: String::new(),
            region: "us-east-1".into(),
            path_style: true,
            allow_http: false,
            access_key_id: String::new(),
            secret_access_key: String::new(),
        }
    }
}

impl UploadSettings {
    /// Checks the `[upload]` values; returns the dotted key and a message for the first problem.
    pub fn validate(&self) -> Result<(), (String, String)> {
        let bad = |key: &str, msg: &str| Err((key.to_string(), msg.to_string()));
        if !matches!(self.target.as_str(), "folder" | "s3") {
            return bad("upload.target", "must be \"folder\" or \"s3\"");
        }
        let key = self.export_public_key.trim();
        if !key.is_empty() && (key.len() != 64 || !key.chars().all(|c| c.is_ascii_hexdigit())) {
            return bad(
                "upload.export_public_key",
                "must be empty or the registrar's 64-hex-digit public key (`capture-station export-key public FILE`)",
            );
        }
        if self.retry_initial_ms < 10 || self.retry_max_ms < self.retry_initial_ms {
            return bad(
                "upload.retry_initial_ms",
                "must be at least 10 and not above upload.retry_max_ms",
            );
        }
        let s3 = &self.s3;
        if self.target == "s3" && s3.bucket.trim().is_empty() {
            return bad(
                "upload.s3.bucket",
                "must be set when upload.target = \"s3\"",
            );
        }
        let endpoint = s3.endpoint.trim();
        if !endpoint.is_empty()
            && !endpoint.starts_with("https://")
            && !endpoint.starts_with("http://")
        {
            return bad(
                "upload.s3.endpoint",
                "must start with https:// (or http://)",
            );
        }
        if endpoint.starts_with("http://") && !s3.allow_http && !is_loopback_url(endpoint) {
            return bad(
                "upload.s3.endpoint",
                "is plain http:// on another machine: credentials and packages would travel unprotected; \
                 use https:// or set upload.s3.allow_http = true",
            );
        }
        if s3.region.trim().is_empty() {
            return bad("upload.s3.region", "must not be empty (e.g. \"us-east-1\")");
        }
        Ok(())
    }
}

/// True when an `http://` URL's host is this machine (127.0.0.0/8, `::1`, `localhost`).
pub fn is_loopback_url(url: &str) -> bool {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let authority = rest.split('/').next().unwrap_or("");
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        authority
            .rsplit_once(':')
            .map(|(h, _)| h)
            .unwrap_or(authority)
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false)
}

/// `[ui]` section.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct UiSettings {
    /// `zh-CN` (default) or `en`.
    pub language: String,
    /// Play the shutter, accepted, rejected and scanned sounds.
    pub sounds: bool,
    /// Shoot by itself once a code is bound and every live check has been green for `auto_capture_ms`.
    pub auto_capture: bool,
    /// How long every live check must stay green before auto-capture shoots, in milliseconds.
    pub auto_capture_ms: u64,
}

impl Default for UiSettings {
    fn default() -> Self {
        Self {
            language: "zh-CN".into(),
            sounds: true,
            auto_capture: false,
            auto_capture_ms: 600,
        }
    }
}

/// A configuration problem, naming the file, the key and (where known) the line.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{path}: cannot read config file: {source}")]
    Io {
        /// The config file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// TOML syntax error or a value of the wrong type / an unknown key.
    #[error("{path}:{line}: {message}")]
    Parse {
        /// The config file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The parser's message.
        message: String,
    },
    /// A value that parses but is not allowed.
    #[error("{path}:{line}: `{key}` {message}")]
    Invalid {
        /// The config file (or `<defaults>`).
        path: PathBuf,
        /// 1-based line, 0 if the key is not in the file.
        line: usize,
        /// Dotted key, e.g. `security.kdf_memory_kib`.
        key: String,
        /// What is wrong and what is allowed.
        message: String,
    },
}

impl Config {
    /// Loads and validates a config file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Parses and validates config text; `path` is used in error messages only.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            line: e.span().map(|s| line_at(text, s.start)).unwrap_or(0),
            message: e.message().trim().to_string(),
        })?;
        if let Err((key, message)) = config.validate() {
            let line = line_of_key(text, &key).unwrap_or(0);
            return Err(ConfigError::Invalid {
                path: path.to_path_buf(),
                line,
                key,
                message,
            });
        }
        Ok(config)
    }

    /// A copy safe to print: the S3 secret key is replaced and the access key id shortened.
    pub fn redacted(&self) -> Config {
        let mut c = self.clone();
        let s3 = &mut c.upload.s3;
        if !s3.secret_access_key.is_empty() {
            s3.secret_access_key = "<redacted>".into();
        }
        if s3.access_key_id.chars().count() <= 8 && !s3.access_key_id.is_empty() {
            s3.access_key_id = "<redacted>".into();
        } else if !s3.access_key_id.is_empty() {
            let tail: String = s3
                .access_key_id
                .chars()
                .rev()
                .take(4)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            s3.access_key_id = format!("<redacted>…{tail}");
        }
        c
    }

    /// Checks value ranges; returns the dotted key and a message for the first problem.
    pub fn validate(&self) -> Result<(), (String, String)> {
        let bad = |key: &str, msg: &str| Err((key.to_string(), msg.to_string()));
        if self.station.id.trim().is_empty()
            || !self
                .station
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return bad(
                "station.id",
                "must be non-empty and use only letters, digits, '-' and '_'",
            );
        }
        let s = &self.security;
        if s.kdf_memory_kib < MIN_KDF_MEMORY_KIB || s.kdf_memory_kib > 4 * 1024 * 1024 {
            return bad(
                "security.kdf_memory_kib",
                "must be between 19456 (OWASP's Argon2id minimum, 19 MiB) and 4194304 (KiB)",
            );
        }
        if s.kdf_iterations < MIN_KDF_ITERATIONS || s.kdf_iterations > 100 {
            return bad(
                "security.kdf_iterations",
                "must be between 2 (OWASP's Argon2id minimum) and 100",
            );
        }
        if s.min_passphrase_chars < MIN_PASSPHRASE_CHARS || s.min_passphrase_chars > 1024 {
            return bad(
                "security.min_passphrase_chars",
                "must be at least 8 (and at most 1024)",
            );
        }
        if s.kdf_parallelism == 0 || s.kdf_parallelism > 16 {
            return bad("security.kdf_parallelism", "must be between 1 and 16");
        }
        if !self.export.file_name.ends_with(".jpg") || !self.export.file_name.contains('{') {
            return bad(
                "export.file_name",
                "must contain a placeholder such as {student_no} and end in .jpg",
            );
        }
        if let Err(e) = crate::store::NameTemplate::parse(&self.export.file_name) {
            return Err(("export.file_name".into(), e));
        }
        if let Err(e) = self.spec.validate() {
            return Err((format!("spec.{}", e.field), e.problem));
        }
        if let Err(e) = crate::code::PayloadPolicy::from_settings(&self.code) {
            let key = match e {
                crate::code::SettingsError::BadPattern(_) => "code.pattern",
                crate::code::SettingsError::BadMaxLen(_) => "code.max_len",
                crate::code::SettingsError::BadScanRate(_) => "code.scan_hz",
            };
            return Err((key.into(), e.to_string()));
        }
        self.upload.validate()?;
        if !matches!(self.ui.language.as_str(), "zh-CN" | "en") {
            return bad("ui.language", "must be \"zh-CN\" or \"en\"");
        }
        Ok(())
    }

    /// The data directory: `override_dir` (from `--data-dir`), else `[station] data_dir`, else the platform
    /// default.
    pub fn data_dir(&self, override_dir: Option<&Path>) -> Result<PathBuf, ConfigError> {
        if let Some(dir) = override_dir {
            return Ok(dir.to_path_buf());
        }
        if !self.station.data_dir.trim().is_empty() {
            return Ok(PathBuf::from(self.station.data_dir.trim()));
        }
        default_data_dir().ok_or_else(|| ConfigError::Invalid {
            path: PathBuf::from("<defaults>"),
            line: 0,
            key: "station.data_dir".into(),
            message: "no home directory found; set it or pass --data-dir".into(),
        })
    }
}

/// The platform's per-user data directory (e.g. `~/.local/share/capture-station` on Linux).
pub fn default_data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("cn", "capture-station", "capture-station")
        .map(|d| d.data_dir().to_path_buf())
}

/// The platform's per-user config file (`~/.config/capture-station/config.toml` on Linux), used when
/// `--config` is not given and the file exists.
pub fn default_config_file() -> Option<PathBuf> {
    directories::ProjectDirs::from("cn", "capture-station", "capture-station")
        .map(|d| d.config_dir().join("config.toml"))
}

fn line_at(text: &str, byte: usize) -> usize {
    text.as_bytes()[..byte.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_file_parses_to_defaults() {
        let text = include_str!("../../config.example.toml");
        let cfg = Config::parse(text, Path::new("config.example.toml")).unwrap();
        let defaults = Config::default();
        assert_eq!(
            toml::to_string(&cfg).unwrap(),
            toml::to_string(&defaults).unwrap()
        );
    }

    #[test]
    fn unknown_key_names_line() {
        let text = "[station]\nid = \"a\"\n\n[ui]\nlangauge = \"en\"\n";
        let err = Config::parse(text, Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("c.toml:5:"), "{err}");
        assert!(err.contains("langauge"), "{err}");
    }

    #[test]
    fn invalid_value_names_key_and_line() {
        let text = "[security]\nkdf_iterations = 0\n";
        let err = Config::parse(text, Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("c.toml:2: `security.kdf_iterations`"),
            "{err}"
        );
    }

    #[test]
    fn upload_validation() {
        let text = "[upload]\ntarget = \"s3\"\n";
        let err = Config::parse(text, Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("upload.s3.bucket"), "{err}");
        let text = "[upload.s3]\nendpoint = \"http://10.0.0.5:9000\"\n";
        let err = Config::parse(text, Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("c.toml:2: `upload.s3.endpoint`"), "{err}");
        let ok = "[upload]\ntarget = \"s3\"\n[upload.s3]\nendpoint = \"http://127.0.0.1:9000\"\nbucket = \"b\"\n";
        assert!(Config::parse(ok, Path::new("c.toml")).is_ok());
        assert!(is_loopback_url("http://[::1]:9000/x"));
        assert!(is_loopback_url("http://localhost"));
        assert!(!is_loopback_url("http://example.com:80"));
    }

    #[test]
    fn data_dir_precedence() {
        let mut cfg = Config::default();
        cfg.station.data_dir = "/from/config".into();
        assert_eq!(
            cfg.data_dir(Some(Path::new("/cli"))).unwrap(),
            PathBuf::from("/cli")
        );
        assert_eq!(cfg.data_dir(None).unwrap(), PathBuf::from("/from/config"));
    }
}
