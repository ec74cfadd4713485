//! The background upload worker: one thread with its own store connection and a single-threaded runtime,
//! retrying with backoff, publishing status snapshots the GUI polls. It never blocks its caller.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use serde::Serialize;

use super::deliver::Event;
use super::{Backoff, ExportPublicKey, Target, UploadError, Uploader};
use crate::config::UploadSettings;
use crate::crypto::DataKey;
use crate::i18n::Text;
use crate::store::{PhotoId, Store, UploadCounts};

/// What the worker needs; it opens its own store connection from `db_path` with `key`.
pub struct WorkerConfig {
    /// The station database.
    pub db_path: PathBuf,
    /// The unlocked data key (derive a second copy with `DataKey::unwrap` at unlock; the worker owns it).
    pub key: DataKey,
    /// The data directory (for the default outbox).
    pub data_dir: PathBuf,
    /// `[upload]` settings.
    pub settings: UploadSettings,
    /// Target to use instead of `settings.target` (`folder` or `s3`).
    pub target: Option<String>,
    /// Actor for the audit log, e.g. `gui:station-1`.
    pub actor: String,
    /// How often to look for newly accepted photos when the queue is empty ([`UploadWorker::wake`] is
    /// immediate).
    pub idle_poll: Duration,
}

/// What the worker is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkerPhase {
    /// Opening the store.
    #[default]
    Starting,
    /// Nothing to send; watching for new photos.
    Idle,
    /// Sending photos.
    Uploading,
    /// Waiting to retry after a failure.
    Waiting,
    /// Stopped (by request, or because the store could not be opened; see `error`).
    Stopped,
}

/// A snapshot of the worker's progress for the queue/upload view.
#[derive(Debug, Clone, Default, Serialize)]
pub struct UploadStatus {
    /// Phase.
    pub phase: WorkerPhase,
    /// Destination, e.g. `s3://bucket/prefix at https://…`.
    pub target: String,
    /// Counts from the database (queued, failed, uploaded, purged, bytes, last confirmation).
    pub counts: UploadCounts,
    /// 1 while a photo is being sent, else 0.
    pub uploading: u64,
    /// The photo being sent.
    pub current_photo: Option<PhotoId>,
    /// Photos confirmed since the worker started.
    pub session_confirmed: u64,
    /// Package bytes confirmed since the worker started.
    pub session_bytes: u64,
    /// The latest error, cleared by the next confirmed delivery.
    pub error: Option<Text>,
    /// When the last delivery was confirmed (UTC, RFC 3339), this session or before.
    pub last_success_at: Option<String>,
    /// Delay until the next attempt while waiting, in milliseconds.
    pub retry_in_ms: Option<u64>,
}

enum Msg {
    Wake,
}

/// Handle to the background upload thread. Dropping it asks the thread to stop without waiting.
pub struct UploadWorker {
    tx: Sender<Msg>,
    stop: Arc<AtomicBool>,
    status: Arc<Mutex<UploadStatus>>,
    handle: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for UploadWorker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadWorker")
            .field("status", &self.status())
            .finish()
    }
}

fn lock(status: &Mutex<UploadStatus>) -> std::sync::MutexGuard<'_, UploadStatus> {
    // A panic while holding the lock leaves a usable snapshot; keep serving it.
    status.lock().unwrap_or_else(|p| p.into_inner())
}

impl UploadWorker {
    /// Checks the settings (export key, target; no network) and starts the thread.
    pub fn spawn(config: WorkerConfig) -> Result<UploadWorker, UploadError> {
        let recipient = recipient(&config.settings)?;
        let target =
            Target::from_settings(&config.settings, &config.data_dir, config.target.as_deref())?;
        let backoff = Backoff::from_ms(
            config.settings.retry_initial_ms,
            config.settings.retry_max_ms,
        );
        let status = Arc::new(Mutex::new(UploadStatus {
            target: target.describe(),
            ..Default::default()
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, rx) = mpsc::channel();
        let thread_status = Arc::clone(&status);
        let thread_stop = Arc::clone(&stop);
        let handle = std::thread::Builder::new()
            .name("upload".into())
            .spawn(move || {
                let WorkerConfig {
                    db_path,
                    key,
                    actor,
                    idle_poll,
                    ..
                } = config;
                let store = match Store::open_with_key(&db_path, key) {
                    Ok(s) => s,
                    Err(e) => {
                        let mut st = lock(&thread_status);
                        st.error = Some(UploadError::Store(e).text());
                        st.phase = WorkerPhase::Stopped;
                        return;
                    }
                };
                let mut uploader = Uploader::new(store, target, recipient, backoff, &actor);
                run(
                    &mut uploader,
                    &thread_status,
                    &thread_stop,
                    &rx,
                    backoff,
                    idle_poll,
                );
                lock(&thread_status).phase = WorkerPhase::Stopped;
            })
            .map_err(|e| UploadError::Config(format!("cannot start the upload thread: {e}")))?;
        Ok(UploadWorker {
            tx,
            stop,
            status,
            handle: Some(handle),
        })
    }

    /// The latest snapshot (cheap; never waits for the network or the database).
    pub fn status(&self) -> UploadStatus {
        lock(&self.status).clone()
    }

    /// Look for work now (e.g. after a photo was accepted, or "retry now" in the GUI).
    pub fn wake(&self) {
        let _ = self.tx.send(Msg::Wake);
    }

    /// True once the thread has ended.
    pub fn is_finished(&self) -> bool {
        self.handle.as_ref().is_none_or(|h| h.is_finished())
    }

    /// Stops the thread and waits for it: it finishes the delivery in flight (bounded by the network
    /// timeout) and never leaves a photo half-marked.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = self.tx.send(Msg::Wake);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

impl Drop for UploadWorker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = self.tx.send(Msg::Wake);
    }
}

/// The export public key from settings, or a clear error when it is missing.
pub fn recipient(settings: &UploadSettings) -> Result<ExportPublicKey, UploadError> {
    let hex = settings.export_public_key.trim();
    if hex.is_empty() {
        return Err(UploadError::Config(
            "upload.export_public_key is not set: the registrar creates a key pair with `capture-station export-key \
             new --out FILE` and gives the stations its public key"
                .into(),
        ));
    }
    ExportPublicKey::from_hex(hex)
}

fn until(rfc3339: &str) -> Option<Duration> {
    let at = time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .ok()?;
    let d = at - time::OffsetDateTime::now_utc();
    Some(Duration::try_from(d).unwrap_or(Duration::ZERO))
}

fn refresh(uploader: &Uploader, status: &Mutex<UploadStatus>) {
    match uploader.store().upload_counts() {
        Ok(c) => {
            let mut st = lock(status);
            st.last_success_at = c.last_confirmed_at.clone();
            st.counts = c;
        }
        Err(e) => lock(status).error = Some(UploadError::Store(e).text()),
    }
}

fn run(
    uploader: &mut Uploader,
    status: &Mutex<UploadStatus>,
    stop: &AtomicBool,
    rx: &mpsc::Receiver<Msg>,
    backoff: Backoff,
    idle_poll: Duration,
) {
    let mut failures: u32 = 0;
    while !stop.load(Ordering::SeqCst) {
        refresh(uploader, status);
        {
            let mut st = lock(status);
            st.phase = WorkerPhase::Uploading;
            st.retry_in_ms = None;
        }
        let mut on_event = |ev: &Event| {
            let mut st = lock(status);
            match ev {
                Event::Sending { photo_id } => {
                    st.current_photo = Some(*photo_id);
                    st.uploading = 1;
                }
                Event::Confirmed { bytes, .. } => {
                    st.current_photo = None;
                    st.uploading = 0;
                    st.session_confirmed += 1;
                    st.session_bytes += bytes;
                    st.counts.queued = st.counts.queued.saturating_sub(1);
                    st.counts.uploaded += 1;
                    st.error = None;
                }
                Event::Failed { error, .. } => {
                    st.current_photo = None;
                    st.uploading = 0;
                    st.error = Some(error.clone());
                }
            }
        };
        let result = uploader.pass(false, &mut on_event, &|| stop.load(Ordering::SeqCst));
        refresh(uploader, status);
        let wait = match result {
            Ok(r) if r.target_error.is_some() => {
                failures += 1;
                backoff.delay(failures)
            }
            Ok(_) => {
                failures = 0;
                let counts = lock(status).counts.clone();
                match counts.next_attempt_at.as_deref().and_then(until) {
                    Some(d) if counts.queued > 0 => {
                        d.clamp(Duration::from_millis(50), idle_poll.max(d))
                    }
                    _ if counts.queued > 0 && counts.failed == 0 => Duration::from_millis(50),
                    _ => idle_poll,
                }
            }
            Err(e) => {
                failures += 1;
                lock(status).error = Some(e.text());
                backoff.delay(failures)
            }
        };
        {
            let mut st = lock(status);
            let waiting = failures > 0 || st.counts.failed > 0;
            st.phase = if waiting {
                WorkerPhase::Waiting
            } else {
                WorkerPhase::Idle
            };
            st.retry_in_ms = waiting.then_some(wait.as_millis() as u64);
        }
        match rx.recv_timeout(wait) {
            Ok(Msg::Wake) | Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
}
