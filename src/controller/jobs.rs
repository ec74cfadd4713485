//! Long work the operator can watch and cancel: roster import, exports and verification. Each job runs on
//! its own thread with its own database connection, so the store worker keeps answering the station view.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::Sender;

use super::errors::describe;
use super::{Event, Notify};
use crate::i18n::Text;
use crate::roster::{CsvEncoding, RosterSettings};
use crate::store::{NameTemplate, Store, StoreError};

/// A long task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Job {
    /// Read and check a roster file; commit it unless `dry_run`.
    ImportRoster {
        /// The file.
        path: PathBuf,
        /// Only validate.
        dry_run: bool,
        /// CSV encoding.
        encoding: CsvEncoding,
        /// Write changes to the name or ID number of students with accepted photos (confirmed by the
        /// operator); without it such rows are refused.
        confirm_identity: bool,
    },
    /// Write the not-yet-photographed and re-shoot lists to an `.xlsx` file.
    ExportMissing {
        /// Destination `.xlsx`.
        path: PathBuf,
    },
    /// Decrypt every current accepted photo into a folder (plaintext, on the operator's explicit request).
    ExportPhotos {
        /// Destination folder.
        dir: PathBuf,
        /// Replace files of the same name already there.
        replace: bool,
    },
    /// Decrypt and check every photo.
    Verify,
}

impl Job {
    /// What the job does, for its progress bar.
    pub fn label(&self) -> Text {
        match self {
            Job::ImportRoster { dry_run: true, .. } => Text::new("检查名单", "Checking the roster"),
            Job::ImportRoster { .. } => Text::new("导入名单", "Importing the roster"),
            Job::ExportMissing { .. } => Text::new("导出待拍名单", "Exporting the follow-up list"),
            Job::ExportPhotos { .. } => Text::new("导出照片", "Exporting photos"),
            Job::Verify => Text::new("校验加密照片", "Verifying encrypted photos"),
        }
    }
}

/// A running job as the UI sees it: progress counters and a cancel switch, shared with the job thread.
#[derive(Clone)]
pub struct JobHandle {
    job: Job,
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    done: AtomicU64,
    total: AtomicU64,
    cancel: AtomicBool,
    finished: AtomicBool,
}

impl JobHandle {
    /// The job.
    pub fn job(&self) -> &Job {
        &self.job
    }

    /// (done, total); total is 0 until the job knows it.
    pub fn progress(&self) -> (u64, u64) {
        (
            self.shared.done.load(Ordering::Relaxed),
            self.shared.total.load(Ordering::Relaxed),
        )
    }

    /// Asks the job to stop; it undoes its work and reports [`Event::JobEnded`] with `cancelled`.
    pub fn cancel(&self) {
        self.shared.cancel.store(true, Ordering::Relaxed);
    }

    /// True once cancel was asked for.
    pub fn cancelling(&self) -> bool {
        self.shared.cancel.load(Ordering::Relaxed)
    }

    /// True once the job thread has finished.
    pub fn finished(&self) -> bool {
        self.shared.finished.load(Ordering::Relaxed)
    }
}

/// What a job needs besides its own store connection.
pub(super) struct JobContext {
    pub roster: RosterSettings,
    pub export_template: String,
    pub actor: String,
    pub events: Sender<Event>,
    pub notify: Notify,
}

/// Starts `job` on its own thread with `store` (a second connection); returns its handle.
pub(super) fn spawn(job: Job, store: Store, ctx: JobContext) -> Result<JobHandle, StoreError> {
    let handle = JobHandle {
        job: job.clone(),
        shared: Arc::new(Shared::default()),
    };
    let shared = handle.shared.clone();
    std::thread::Builder::new()
        .name("job".into())
        .spawn(move || {
            let mut store = store;
            let mut on_step = |done: u64, total: u64| {
                shared.done.store(done, Ordering::Relaxed);
                shared.total.store(total, Ordering::Relaxed);
                !shared.cancel.load(Ordering::Relaxed)
            };
            let result = run(&job, &mut store, &ctx, &mut on_step);
            let cancelled = matches!(result, Err(StoreError::Cancelled));
            // Finished before the result is seen, so the next job can start as soon as it is.
            shared.finished.store(true, Ordering::Relaxed);
            match result {
                Ok(events) => {
                    for e in events {
                        let _ = ctx.events.send(e);
                    }
                }
                Err(StoreError::Cancelled) => {}
                Err(e) => {
                    tracing::warn!(error = %e, job = ?job, "job failed");
                    let _ = ctx.events.send(Event::Failed(describe(&e)));
                }
            }
            let _ = ctx.events.send(Event::JobEnded { job, cancelled });
            (ctx.notify)();
        })
        .map_err(|e| StoreError::Invalid(format!("cannot start a thread: {e}")))?;
    Ok(handle)
}

/// Runs one job; returns the events that report its result.
fn run(
    job: &Job,
    store: &mut Store,
    ctx: &JobContext,
    on_step: &mut dyn FnMut(u64, u64) -> bool,
) -> Result<Vec<Event>, StoreError> {
    match job {
        Job::ImportRoster {
            path,
            dry_run,
            encoding,
            confirm_identity,
        } => {
            let opts = crate::roster::ReadOptions::from_settings(&ctx.roster);
            let parsed = match crate::roster::read_file(path, *encoding, &opts) {
                Ok(p) => p,
                Err(e) => return Ok(vec![Event::Failed(e.text())]),
            };
            if !on_step(0, parsed.rows.len() as u64) {
                return Err(StoreError::Cancelled);
            }
            store.set_confirm_identity_changes(*confirm_identity);
            let report = store.import_roster_with(&parsed, *dry_run, &ctx.actor, on_step);
            store.set_confirm_identity_changes(false);
            let report = report?;
            let mut events = vec![Event::Imported {
                path: path.clone(),
                dry_run: *dry_run,
                report,
            }];
            events.extend(refresh(store)?);
            Ok(events)
        }
        Job::ExportMissing { path } => {
            let queue = store.shooting_queue(None)?;
            if !on_step(0, 1) {
                return Err(StoreError::Cancelled);
            }
            crate::roster::export::write_follow_up(&queue, path)
                .map_err(|e| StoreError::Invalid(format!("{}: {e}", path.display())))?;
            on_step(1, 1);
            Ok(vec![Event::Exported {
                path: path.clone(),
                files: 1,
            }])
        }
        Job::ExportPhotos { dir, replace } => {
            let template = NameTemplate::parse(&ctx.export_template).map_err(|e| {
                StoreError::Invalid(format!("export.file_name in the config file: {e}"))
            })?;
            let report = store.export_accepted_with(dir, &template, *replace, on_step)?;
            tracing::info!(dir = %dir.display(), files = report.written.len(), "photos exported");
            Ok(vec![Event::Exported {
                path: dir.clone(),
                files: report.written.len(),
            }])
        }
        Job::Verify => Ok(vec![Event::Verified(store.verify_with(on_step)?)]),
    }
}

/// The queue, progress and counts after a change.
pub(super) fn refresh(store: &Store) -> Result<Vec<Event>, StoreError> {
    Ok(vec![
        Event::Queue(store.shooting_queue(None)?),
        Event::Progress(store.roster_progress()?),
        Event::Stats(store.queue_stats()?),
    ])
}
