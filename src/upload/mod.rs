//! Delivering accepted photos to the registrar, offline-first: each photo is re-encrypted into an export
//! package only the registrar's secret key opens ([`package`]), delivered to a folder (USB drive) or an
//! S3-compatible object store ([`target`]), and marked `uploaded` only after the target confirmed size and
//! checksum ([`deliver`]). [`UploadWorker`] runs that in the background for the GUI; [`unpack`] is the
//! registrar's side; [`purge`] removes blobs after the retention period.

pub mod backoff;
pub mod deliver;
pub mod index;
pub mod package;
pub mod purge;
pub mod stations;
pub mod target;
pub mod unpack;
pub mod worker;

use std::path::PathBuf;

use crate::i18n::Text;
use crate::store::{PhotoId, StoreError};

pub use backoff::Backoff;
pub use deliver::{Event, PassReport, Uploader};
pub use package::{ExportPublicKey, ExportSecretKey, Manifest};
pub use stations::EnrolledStations;
pub use target::{Confirmation, Target, test_connection};
pub use unpack::{UnpackReport, unpack};
pub use worker::{UploadStatus, UploadWorker, WorkerConfig, WorkerPhase};

/// Everything that can go wrong while uploading, unpacking or purging.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// Missing or invalid upload configuration.
    #[error("{0}")]
    Config(String),
    /// A local file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The station database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A package could not be built.
    #[error("photo #{photo_id}: {problem}")]
    Package {
        /// The photo.
        photo_id: PhotoId,
        /// What went wrong.
        problem: String,
    },
    /// The outbox folder cannot be written (missing drive, read-only, full).
    #[error("cannot write to the outbox folder {path}: {source}")]
    Outbox {
        /// The file or folder that failed.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The object store cannot be reached (no network, server down, timeout).
    #[error("cannot reach the upload server {endpoint}: {detail}")]
    Unreachable {
        /// The endpoint.
        endpoint: String,
        /// Transport detail.
        detail: String,
    },
    /// The server refused the credentials.
    #[error(
        "the upload server refused the credentials (check upload.s3.access_key_id / secret_access_key or AWS_* variables): {detail}"
    )]
    Credentials {
        /// Server detail.
        detail: String,
    },
    /// The bucket does not exist.
    #[error(
        "bucket {bucket:?} does not exist on the upload server; create it or fix upload.s3.bucket"
    )]
    BucketMissing {
        /// The bucket.
        bucket: String,
    },
    /// Any other refusal by the server.
    #[error("the upload server refused {key}: {detail}")]
    Rejected {
        /// Object key.
        key: String,
        /// Server detail.
        detail: String,
    },
    /// The target accepted the write but did not confirm the same size and checksum.
    #[error("{key}: not confirmed by the target ({detail}); it will be sent again")]
    NotConfirmed {
        /// Object key or file.
        key: String,
        /// What differed.
        detail: String,
    },
}

impl UploadError {
    /// True when the error concerns the whole target, not one photo: trying the next photo now would fail
    /// the same way, so the pass stops and waits.
    pub fn is_target_wide(&self) -> bool {
        matches!(
            self,
            UploadError::Config(_)
                | UploadError::Outbox { .. }
                | UploadError::Unreachable { .. }
                | UploadError::Credentials { .. }
                | UploadError::BucketMissing { .. }
        )
    }

    /// The message in both UI languages.
    pub fn text(&self) -> Text {
        let en = self.to_string();
        let zh = match self {
            UploadError::Config(_) => format!("上传设置有误：{en}"),
            UploadError::Io { path, source } => {
                format!("无法读写文件 {}：{source}", path.display())
            }
            UploadError::Store(e) => format!("站点数据库出错：{e}"),
            UploadError::Package { photo_id, problem } => {
                format!("照片 #{photo_id} 无法打包：{problem}")
            }
            UploadError::Outbox { path, source } => format!(
                "无法写入导出文件夹 {}（U 盘未插入、只读或已满？）：{source}",
                path.display()
            ),
            UploadError::Unreachable { endpoint, detail } => {
                format!(
                    "无法连接上传服务器 {endpoint}（网络未连接或服务器未运行），稍后自动重试：{detail}"
                )
            }
            UploadError::Credentials { detail } => {
                format!("上传服务器拒绝了访问密钥，请检查 upload.s3 的密钥设置：{detail}")
            }
            UploadError::BucketMissing { bucket } => {
                format!("上传服务器上不存在存储桶 {bucket:?}，请创建或修改 upload.s3.bucket")
            }
            UploadError::Rejected { key, detail } => {
                format!("上传服务器拒绝了 {key}：{detail}")
            }
            UploadError::NotConfirmed { key, detail } => {
                format!("{key} 未得到服务器确认（{detail}），将重新发送")
            }
        };
        Text::new(zh, en)
    }
}
