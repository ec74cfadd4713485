//! The station's core, between the UI and everything slow: it owns the store on a worker thread, prepares
//! shots off the UI thread, and answers requests with events. It knows nothing about egui; the UI sends
//! [`Request`]s and renders the [`Event`]s it drains each frame.

mod errors;
mod jobs;
mod live;
mod requests;
mod worker;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;

use crate::compliance::PhotoSpec;
use crate::crypto::KdfParams;
use crate::roster::RosterSettings;

pub use jobs::{Job, JobHandle};
pub use live::{LiveCamera, start_camera, start_scanner};
pub use requests::{Event, GroupView, Request, ReviewItem, ShotReady, StationInfo};
pub use worker::demo_students;

/// Called from worker threads after they send an event (e.g. to request a repaint).
pub type Notify = Arc<dyn Fn() + Send + Sync>;

/// What the controller needs to know about the station.
#[derive(Clone)]
pub struct ControllerConfig {
    /// The station database file.
    pub db_path: PathBuf,
    /// Argon2id parameters for a new station.
    pub kdf: KdfParams,
    /// Photo standard used for final checks.
    pub spec: PhotoSpec,
    /// Roster import settings.
    pub roster: RosterSettings,
    /// Who is acting, for the audit log.
    pub actor: String,
    /// File-name template for decrypted photo exports (`[export] file_name`).
    pub export_template: String,
    /// The data directory (default outbox for uploads).
    pub data_dir: PathBuf,
    /// Upload target and export key (`[upload]`).
    pub upload: crate::config::UploadSettings,
    /// Longest collection code accepted (`[code] max_len`).
    pub code_max_len: usize,
    /// How often the station group syncs (about 2 s).
    pub group_interval: std::time::Duration,
}

/// Handle to the controller's worker thread.
pub struct Controller {
    tx: Option<Sender<Request>>,
    events: Receiver<Event>,
    worker: Option<JoinHandle<()>>,
}

impl Controller {
    /// Starts the worker thread.
    pub fn start(config: ControllerConfig, notify: Notify) -> Controller {
        let (tx, rx) = mpsc::channel();
        let (etx, events) = mpsc::channel();
        let worker = std::thread::Builder::new()
            .name("store-worker".into())
            .spawn(move || worker::run(config, rx, etx, notify))
            .ok();
        Controller {
            tx: Some(tx),
            events,
            worker,
        }
    }

    /// Sends a request; never blocks.
    pub fn send(&self, request: Request) {
        if let Some(tx) = &self.tx
            && tx.send(request).is_err()
        {
            tracing::error!("the store worker has stopped; request dropped");
        }
    }

    /// Events that arrived since the last call; never blocks.
    pub fn drain(&self) -> Vec<Event> {
        self.events.try_iter().collect()
    }

    /// Waits up to `timeout` for the next event (for tests and tools; the UI uses [`Controller::drain`]).
    pub fn wait(&self, timeout: std::time::Duration) -> Option<Event> {
        self.events.recv_timeout(timeout).ok()
    }
}

impl Drop for Controller {
    fn drop(&mut self) {
        self.tx.take();
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}
