//! Where packages go: a folder (USB drive, shared disk) or an S3-compatible object store. Each delivery is
//! confirmed by reading back what the target holds (size and checksum) before the caller may mark a photo
//! uploaded.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use md5::{Digest, Md5};
use object_store::aws::{AmazonS3Builder, Checksum};
use object_store::path::Path as ObjectPath;
use object_store::{BackoffConfig, ClientOptions, ObjectStore, PutPayload, RetryConfig};

use super::UploadError;
use super::package::sha256_hex;
use crate::config::{UploadSettings, is_loopback_url};

/// What the target confirmed about a delivered package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmation {
    /// Object key or file path.
    pub remote_key: String,
    /// Size the target reports.
    pub size: u64,
    /// SHA-256 of the package as delivered (hex).
    pub sha256: String,
}

/// A configured delivery target.
pub enum Target {
    /// Packages written to `<root>/<station>/<photo>.csp`.
    Folder {
        /// The outbox folder.
        root: PathBuf,
    },
    /// Packages PUT to `<prefix>/<station>/<photo>.csp` in a bucket.
    S3(Box<S3Target>),
}

/// An S3-compatible bucket with its own single-threaded runtime (at most one core for uploads).
pub struct S3Target {
    store: Arc<dyn ObjectStore>,
    runtime: tokio::runtime::Runtime,
    endpoint: String,
    bucket: String,
    prefix: String,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl Target {
    /// Builds the target named `name` (`folder` or `s3`; default `settings.target`). Makes no network
    /// request.
    pub fn from_settings(
        settings: &UploadSettings,
        data_dir: &Path,
        name: Option<&str>,
    ) -> Result<Target, UploadError> {
        match name.unwrap_or(&settings.target) {
            "folder" => {
                let root = if settings.folder.trim().is_empty() {
                    data_dir.join("outbox")
                } else {
                    PathBuf::from(settings.folder.trim())
                };
                Ok(Target::Folder { root })
            }
            "s3" => Ok(Target::S3(Box::new(S3Target::new(settings)?))),
            other => Err(UploadError::Config(format!(
                "unknown upload target {other:?}; use \"folder\" or \"s3\""
            ))),
        }
    }

    /// `folder` or `s3`.
    pub fn name(&self) -> &'static str {
        match self {
            Target::Folder { .. } => "folder",
            Target::S3(_) => "s3",
        }
    }

    /// Human-readable destination, e.g. `s3://photos/2026 at http://127.0.0.1:9000`.
    pub fn describe(&self) -> String {
        match self {
            Target::Folder { root } => format!("folder {}", root.display()),
            Target::S3(s) => format!("s3://{}/{} at {}", s.bucket, s.prefix, s.endpoint),
        }
    }

    /// The remote key a package name (`<station>/<photo>.csp`) is stored under.
    pub fn remote_key(&self, name: &str) -> String {
        match self {
            Target::Folder { root } => root.join(name).display().to_string(),
            Target::S3(s) => s.object_path(name).to_string(),
        }
    }

    /// Writes `bytes` as `name` (overwriting an earlier copy: delivery is idempotent) and confirms that the
    /// target now holds exactly these bytes.
    pub fn deliver(&self, name: &str, bytes: &[u8]) -> Result<Confirmation, UploadError> {
        match self {
            Target::Folder { root } => deliver_folder(root, name, bytes),
            Target::S3(s) => s.deliver(name, bytes),
        }
    }
}

impl Target {
    /// Reads the package `name` back from the target and checks that it is still the one confirmed at
    /// upload (`sha256`, `size`), before anything that relies on it (e.g. `purge`) goes ahead.
    pub fn reconfirm(&self, name: &str, sha256: &str, size: u64) -> Result<(), UploadError> {
        let key = self.remote_key(name);
        let held = match self {
            Target::Folder { root } => {
                let path = root.join(name);
                std::fs::read(&path).map_err(|source| UploadError::Outbox { path, source })?
            }
            Target::S3(s) => {
                let path = s.object_path(name);
                s.runtime
                    .block_on(async { s.store.get(&path).await?.bytes().await })
                    .map_err(|e| s.classify(e, &key))?
                    .to_vec()
            }
        };
        if held.len() as u64 != size || sha256_hex(&held) != sha256 {
            return Err(UploadError::NotConfirmed {
                key,
                detail: format!(
                    "the target holds {} bytes with another checksum, not the package confirmed at upload",
                    held.len()
                ),
            });
        }
        Ok(())
    }
}

impl Target {
    /// Writes `bytes` as `name` (for the group journal; the same confirmed write as a delivery).
    pub fn put(&self, name: &str, bytes: &[u8]) -> Result<(), UploadError> {
        self.deliver(name, bytes).map(|_| ())
    }

    /// Reads `name` back (at most 32 MiB).
    pub fn get(&self, name: &str) -> Result<Vec<u8>, UploadError> {
        match self {
            Target::Folder { root } => {
                use std::io::Read;
                let path = root.join(name);
                let file = std::fs::File::open(&path).map_err(|source| UploadError::Outbox {
                    path: path.clone(),
                    source,
                })?;
                let mut out = Vec::new();
                file.take(32 << 20)
                    .read_to_end(&mut out)
                    .map_err(|source| UploadError::Outbox { path, source })?;
                Ok(out)
            }
            Target::S3(s) => {
                let path = s.object_path(name);
                let key = path.to_string();
                Ok(s.runtime
                    .block_on(async { s.store.get(&path).await?.bytes().await })
                    .map_err(|e| s.classify(e, &key))?
                    .to_vec())
            }
        }
    }

    /// The names (relative, like those given to [`Target::put`]) of the files two levels below `dir`
    /// (`dir/<sub>/<file>`); a missing `dir` is empty.
    pub fn list(&self, dir: &str) -> Result<Vec<String>, UploadError> {
        match self {
            Target::Folder { root } => {
                // The folder must be reachable (a missing USB drive or share is an error, not an empty list).
                crate::files::create_private_dir(root).map_err(|source| UploadError::Outbox {
                    path: root.clone(),
                    source,
                })?;
                let base = root.join(dir);
                let mut out = Vec::new();
                let Ok(subs) = std::fs::read_dir(&base) else {
                    return Ok(out);
                };
                for sub in subs.flatten() {
                    if !sub.file_type().is_ok_and(|t| t.is_dir()) {
                        continue;
                    }
                    let sub_name = sub.file_name().to_string_lossy().into_owned();
                    let files =
                        std::fs::read_dir(sub.path()).map_err(|source| UploadError::Outbox {
                            path: sub.path(),
                            source,
                        })?;
                    for f in files.flatten() {
                        if f.file_type().is_ok_and(|t| t.is_file()) {
                            out.push(format!(
                                "{dir}/{sub_name}/{}",
                                f.file_name().to_string_lossy()
                            ));
                        }
                    }
                }
                Ok(out)
            }
            Target::S3(s) => {
                let base = s.object_path(dir);
                let key = base.to_string();
                let strip = if s.prefix.is_empty() {
                    String::new()
                } else {
                    format!("{}/", s.prefix)
                };
                s.runtime
                    .block_on(async {
                        let top = s.store.list_with_delimiter(Some(&base)).await?;
                        let mut out = Vec::new();
                        for p in top.common_prefixes {
                            let files = s.store.list_with_delimiter(Some(&p)).await?;
                            for o in files.objects {
                                let full = o.location.to_string();
                                out.push(full.strip_prefix(&strip).unwrap_or(&full).to_string());
                            }
                        }
                        Ok::<_, object_store::Error>(out)
                    })
                    .map_err(|e| s.classify(e, &key))
            }
        }
    }
}

/// Checks the drafted upload settings against the real target: the registrar's key parses, and a small test
/// file (`<station>/connection-test.txt`) is written and read back. Returns where it went.
pub fn test_connection(
    settings: &UploadSettings,
    data_dir: &Path,
    station: &str,
) -> Result<String, UploadError> {
    super::ExportPublicKey::from_hex(settings.export_public_key.trim())?;
    let target = Target::from_settings(settings, data_dir, None)?;
    let station = if station.is_empty() {
        "station"
    } else {
        station
    };
    let name = format!("{station}/connection-test.txt");
    let body = format!(
        "capture-station connection test from {station} at {}\n",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    );
    target.deliver(&name, body.as_bytes())?;
    Ok(target.remote_key(&name))
}

fn deliver_folder(root: &Path, name: &str, bytes: &[u8]) -> Result<Confirmation, UploadError> {
    let path = root.join(name);
    let dir = path.parent().unwrap_or(root);
    let outbox = |path: &Path| {
        let path = path.to_path_buf();
        move |source| UploadError::Outbox { path, source }
    };
    crate::files::create_private_dir(dir).map_err(outbox(dir))?;
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let written = (|| {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(crate::files::FILE_MODE)
                .custom_flags(libc::O_NOFOLLOW);
        }
        let mut f = opts.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()
    })();
    if let Err(source) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(UploadError::Outbox { path: tmp, source });
    }
    std::fs::rename(&tmp, &path).map_err(outbox(&path))?;
    if let Ok(d) = std::fs::File::open(dir) {
        // Make the rename durable; some file systems (FAT on USB drives) do not support syncing a folder.
        let _ = d.sync_all();
    }
    let back = std::fs::read(&path).map_err(outbox(&path))?;
    let sha256 = sha256_hex(bytes);
    if back.len() != bytes.len() || sha256_hex(&back) != sha256 {
        return Err(UploadError::NotConfirmed {
            key: path.display().to_string(),
            detail: format!(
                "read back {} bytes with another checksum, wrote {}",
                back.len(),
                bytes.len()
            ),
        });
    }
    Ok(Confirmation {
        remote_key: path.display().to_string(),
        size: back.len() as u64,
        sha256,
    })
}

impl S3Target {
    fn new(settings: &UploadSettings) -> Result<S3Target, UploadError> {
        let s3 = &settings.s3;
        let from_env = |var: &str| std::env::var(var).ok().filter(|v| !v.is_empty());
        let access = Some(s3.access_key_id.trim().to_string())
            .filter(|v| !v.is_empty())
            .or_else(|| from_env("AWS_ACCESS_KEY_ID"));
        let secret = Some(s3.secret_access_key.trim().to_string())
            .filter(|v| !v.is_empty())
            .or_else(|| from_env("AWS_SECRET_ACCESS_KEY"));
        let (Some(access), Some(secret)) = (access, secret) else {
            return Err(UploadError::Config(
                "no S3 credentials: set upload.s3.access_key_id and secret_access_key, or AWS_ACCESS_KEY_ID and \
                 AWS_SECRET_ACCESS_KEY"
                    .into(),
            ));
        };
        let endpoint = s3.endpoint.trim().trim_end_matches('/').to_string();
        let allow_http = s3.allow_http || is_loopback_url(&endpoint);
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(s3.bucket.trim())
            .with_region(s3.region.trim())
            .with_access_key_id(access)
            .with_secret_access_key(secret)
            .with_virtual_hosted_style_request(!s3.path_style)
            .with_allow_http(allow_http)
            .with_checksum_algorithm(Checksum::SHA256)
            .with_client_options(
                ClientOptions::new()
                    .with_allow_http(allow_http)
                    .with_connect_timeout(Duration::from_secs(5))
                    .with_timeout(Duration::from_secs(60)),
            )
            // Our own backoff (persisted per photo) does the patient retrying; the client only smooths over a
            // single dropped connection.
            .with_retry(RetryConfig {
                backoff: BackoffConfig {
                    init_backoff: Duration::from_millis(100),
                    max_backoff: Duration::from_secs(1),
                    base: 2.0,
                },
                max_retries: 1,
                retry_timeout: Duration::from_secs(10),
            });
        if let Some(token) = from_env("AWS_SESSION_TOKEN") {
            builder = builder.with_token(token);
        }
        if !endpoint.is_empty() {
            builder = builder.with_endpoint(&endpoint);
        }
        let store = builder
            .build()
            .map_err(|e| UploadError::Config(format!("upload.s3: {e}")))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| UploadError::Config(format!("cannot start the upload runtime: {e}")))?;
        Ok(S3Target {
            store: Arc::new(store),
            runtime,
            endpoint: if endpoint.is_empty() {
                format!("AWS {}", s3.region.trim())
            } else {
                endpoint
            },
            bucket: s3.bucket.trim().to_string(),
            prefix: s3.prefix.trim().trim_matches('/').to_string(),
        })
    }

    fn object_path(&self, name: &str) -> ObjectPath {
        if self.prefix.is_empty() {
            ObjectPath::from(name)
        } else {
            ObjectPath::from(format!("{}/{name}", self.prefix))
        }
    }

    fn deliver(&self, name: &str, bytes: &[u8]) -> Result<Confirmation, UploadError> {
        let path = self.object_path(name);
        let key = path.to_string();
        let payload = PutPayload::from(bytes.to_vec());
        let (put, head) = self
            .runtime
            .block_on(async {
                let put = self.store.put(&path, payload).await?;
                let head = self.store.head(&path).await?;
                Ok::<_, object_store::Error>((put, head))
            })
            .map_err(|e| self.classify(e, &key))?;
        if head.size != bytes.len() as u64 {
            return Err(UploadError::NotConfirmed {
                key,
                detail: format!("server holds {} bytes, sent {}", head.size, bytes.len()),
            });
        }
        let md5 = hex::encode(Md5::digest(bytes));
        let etag = head
            .e_tag
            .as_deref()
            .map(|t| t.trim_matches('"').to_ascii_lowercase());
        let put_etag = put
            .e_tag
            .as_deref()
            .map(|t| t.trim_matches('"').to_ascii_lowercase());
        let confirmed = match &etag {
            // A single-part PUT's ETag is the MD5 of the content on AWS, MinIO, Ceph, OSS and COS.
            Some(t) if t.len() == 32 && t.bytes().all(|b| b.is_ascii_hexdigit()) => *t == md5,
            // Encrypted buckets use opaque ETags: the HEAD must at least show the object we just wrote.
            Some(t) => put_etag.as_deref() == Some(t.as_str()),
            None => false,
        };
        if !confirmed {
            return Err(UploadError::NotConfirmed {
                key,
                detail: format!(
                    "ETag {} does not match the content (MD5 {md5})",
                    etag.unwrap_or_else(|| "missing".into())
                ),
            });
        }
        Ok(Confirmation {
            remote_key: key,
            size: head.size,
            sha256: sha256_hex(bytes),
        })
    }

    fn classify(&self, e: object_store::Error, key: &str) -> UploadError {
        let mut chain = e.to_string();
        let mut transport = false;
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            if let Some(h) = s.downcast_ref::<object_store::client::HttpError>() {
                use object_store::client::HttpErrorKind as K;
                transport |= matches!(
                    h.kind(),
                    K::Connect | K::Request | K::Timeout | K::Interrupted
                );
            }
            if let Some(io) = s.downcast_ref::<std::io::Error>() {
                use std::io::ErrorKind as K;
                transport |= matches!(
                    io.kind(),
                    K::ConnectionRefused
                        | K::ConnectionReset
                        | K::ConnectionAborted
                        | K::NotConnected
                        | K::TimedOut
                        | K::BrokenPipe
                        | K::UnexpectedEof
                        | K::HostUnreachable
                        | K::NetworkUnreachable
                        | K::NetworkDown
                        | K::AddrNotAvailable
                );
            }
            chain.push_str(": ");
            chain.push_str(&s.to_string());
            source = s.source();
        }
        // Transport failures as reported by the HTTP client when no typed cause is reachable in the chain.
        transport |= [
            "error sending request",
            "dns error",
            "connection closed before message completed",
        ]
        .iter()
        .any(|m| chain.contains(m));
        let detail = server_message(&chain);
        if chain.contains("NoSuchBucket") {
            return UploadError::BucketMissing {
                bucket: self.bucket.clone(),
            };
        }
        let denied = matches!(
            e,
            object_store::Error::PermissionDenied { .. }
                | object_store::Error::Unauthenticated { .. }
        );
        if denied
            || [
                "InvalidAccessKeyId",
                "SignatureDoesNotMatch",
                "AccessDenied",
                "InvalidClientTokenId",
            ]
            .iter()
            .any(|c| chain.contains(c))
        {
            return UploadError::Credentials { detail };
        }
        if transport {
            return UploadError::Unreachable {
                endpoint: self.endpoint.clone(),
                detail,
            };
        }
        UploadError::Rejected {
            key: key.to_string(),
            detail,
        }
    }
}

/// Shortens an error chain to the server's `<Code>`/`<Message>` when present, else the last cause.
fn server_message(chain: &str) -> String {
    let tag = |name: &str| {
        let open = format!("<{name}>");
        let close = format!("</{name}>");
        let start = chain.find(&open)? + open.len();
        let len = chain[start..].find(&close)?;
        Some(chain[start..start + len].to_string())
    };
    match (tag("Code"), tag("Message")) {
        (Some(c), Some(m)) => format!("{c}: {m}"),
        (Some(c), None) => c,
        _ => {
            let last = chain.rsplit(": ").next().unwrap_or(chain);
            if last.len() < 20 {
                chain.to_string()
            } else {
                last.to_string()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_delivery_is_confirmed_and_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let c1 = deliver_folder(dir.path(), "S1/00000001.csp", b"abc").unwrap();
        let c2 = deliver_folder(dir.path(), "S1/00000001.csp", b"abc").unwrap();
        assert_eq!(c1, c2);
        assert_eq!(c1.size, 3);
        assert_eq!(
            std::fs::read(dir.path().join("S1/00000001.csp")).unwrap(),
            b"abc"
        );
        let entries = std::fs::read_dir(dir.path().join("S1")).unwrap().count();
        assert_eq!(entries, 1, "temporary file left behind");
    }

    #[test]
    fn folder_under_a_file_is_an_outbox_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("not-a-dir");
        std::fs::write(&file, b"x").unwrap();
        let err = deliver_folder(&file.join("outbox"), "S1/1.csp", b"abc").unwrap_err();
        assert!(matches!(err, UploadError::Outbox { .. }), "{err}");
        assert!(err.is_target_wide());
    }

    #[test]
    fn server_message_extracts_code_and_message() {
        let chain = "Generic S3 error: <Error><Code>NoSuchBucket</Code><Message>The bucket does not exist</Message></Error>";
        assert_eq!(
            server_message(chain),
            "NoSuchBucket: The bucket does not exist"
        );
    }
}
