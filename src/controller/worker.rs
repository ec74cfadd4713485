//! The store worker: owns the unlocked store and serves requests one at a time; shot preparation runs on its
//! own short-lived thread so a slow final check never delays a store request.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender};

use super::errors::describe;
use super::jobs::{self, Job, JobHandle};
use super::{
    ControllerConfig, Event, GroupView, Notify, Request, ReviewItem, ShotReady, StationInfo,
};
use crate::compliance::PhotoSpec;
use crate::i18n::Text;
use crate::store::{Decision, PhotoFilter, PhotoState, Store, StoreError};

/// 36 made-up students in three classes, for trying the station without a real roster.
const DEMO_ROSTER: &[u8] = include_bytes!("../../assets/demo/roster.csv");

/// The bundled demo roster's students as (学号, 姓名), to recognise and remove them (read once).
pub fn demo_students() -> &'static [(String, String)] {
    static STUDENTS: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();
    STUDENTS.get_or_init(|| {
        String::from_utf8_lossy(DEMO_ROSTER)
            .lines()
            .filter_map(|line| {
                let mut f = line.split(',');
                let no = f.next()?.trim();
                let name = f.next()?.trim();
                (!no.is_empty() && no.chars().all(|c| c.is_ascii_digit()) && !name.is_empty())
                    .then(|| (no.to_string(), name.to_string()))
            })
            .collect()
    })
}

struct Worker {
    config: ControllerConfig,
    store: Option<Store>,
    job: Option<JobHandle>,
    events: Sender<Event>,
    notify: Notify,
    group: Option<GroupRun>,
}

/// The group sync running beside the worker, and how many rounds merged something (to refresh after).
struct GroupRun {
    sync: crate::group::GroupSync,
    group_id: String,
    changes: Arc<std::sync::atomic::AtomicU64>,
    seen: u64,
    /// The last view; its progress and conflicts are recomputed after a merge and every few seconds.
    view: Option<GroupView>,
    ticks: u64,
}

/// The worker loop; returns when the controller is dropped.
pub(super) fn run(
    config: ControllerConfig,
    requests: Receiver<Request>,
    events: Sender<Event>,
    notify: Notify,
) {
    let mut w = Worker {
        config,
        store: None,
        job: None,
        events,
        notify,
        group: None,
    };
    loop {
        match requests.recv_timeout(std::time::Duration::from_secs(1)) {
            Ok(req) => w.handle(req),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => w.group_tick(),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
}

impl Worker {
    fn emit(&self, e: Event) {
        let _ = self.events.send(e);
        (self.notify)();
    }

    fn fail(&self, e: &StoreError) {
        tracing::warn!(error = %e, "request failed");
        self.emit(Event::Failed(describe(e)));
    }

    fn handle(&mut self, req: Request) {
        if let Request::PrepareShot { frame } = req {
            let spec = self.config.spec.clone();
            let events = self.events.clone();
            let notify = self.notify.clone();
            let spawned = std::thread::Builder::new()
                .name("final-check".into())
                .spawn(move || {
                    let event = match crate::shot::prepare_image(&frame, &spec) {
                        Ok(shot) => Event::ShotReady(ShotReady {
                            shot: Arc::new(shot),
                        }),
                        Err(e) => Event::Failed(Text::new(
                            format!("无法处理这张照片：{e}"),
                            format!("cannot use this shot: {e}"),
                        )),
                    };
                    let _ = events.send(event);
                    notify();
                });
            if let Err(e) = spawned {
                self.emit(Event::Failed(Text::new(
                    format!("无法启动线程：{e}"),
                    format!("cannot start a thread: {e}"),
                )));
            }
            return;
        }
        let result = match req {
            Request::CreateStation {
                id,
                name,
                passphrase,
                pin,
                demo_roster,
            } => self.create(&id, &name, &passphrase, &pin).and_then(|()| {
                if demo_roster {
                    self.import_demo_roster()
                } else {
                    Ok(())
                }
            }),
            Request::Unlock { passphrase } => self.unlock(&passphrase),
            Request::Start(job) => self.start_job(job),
            other => match self.store.as_mut() {
                None => Err(StoreError::Invalid("the station is locked".into())),
                Some(_) => self.serve(other),
            },
        };
        if let Err(e) = result {
            self.fail(&e);
        }
    }

    fn create(&mut self, id: &str, name: &str, pass: &str, pin: &str) -> Result<(), StoreError> {
        let mut store = Store::create(&self.config.db_path, pass, self.config.kdf, id, name)?;
        store.set_supervisor_pin(pin, &self.config.actor)?;
        self.opened(store)
    }

    /// Writes the bundled demo roster next to the database and imports it like any other file.
    fn import_demo_roster(&mut self) -> Result<(), StoreError> {
        let dir = self
            .config
            .db_path
            .parent()
            .map(std::path::Path::to_path_buf)
            .unwrap_or_default();
        let path = dir.join("demo-roster.csv");
        std::fs::write(&path, DEMO_ROSTER).map_err(|source| StoreError::Io {
            path: path.clone(),
            source,
        })?;
        let opts = crate::roster::ReadOptions::from_settings(&self.config.roster);
        let parsed = crate::roster::read_file(&path, crate::roster::CsvEncoding::Auto, &opts)
            .map_err(|e| StoreError::Invalid(e.text().en))?;
        if let Some(store) = self.store.as_mut() {
            store.import_roster(&parsed, false, &self.config.actor)?;
        }
        self.refresh()
    }

    /// Unlocks with the passphrase, throttled: after wrong passphrases the next is tried only once the
    /// growing wait (persisted in the database) is over.
    fn unlock(&mut self, pass: &str) -> Result<(), StoreError> {
        if let Some(wait) = Store::passphrase_wait(&self.config.db_path)? {
            return Err(StoreError::Throttled { wait });
        }
        match Store::open(&self.config.db_path, pass) {
            Ok(store) => {
                store.settle_passphrase_failures(&self.config.actor)?;
                self.opened(store)
            }
            Err(StoreError::WrongPassphrase) => {
                let (failures, wait) = Store::record_wrong_passphrase(&self.config.db_path)?;
                tracing::warn!(
                    failures,
                    wait_s = wait.as_secs(),
                    "wrong passphrase at unlock"
                );
                Err(StoreError::WrongPassphrase)
            }
            Err(e) => Err(e),
        }
    }

    fn opened(&mut self, mut store: Store) -> Result<(), StoreError> {
        store.set_code_max_len(self.config.code_max_len);
        let info = StationInfo {
            id: store.station_id().to_string(),
            name: store.station_name()?,
            db_path: store.path().to_path_buf(),
        };
        self.start_group(&store);
        self.store = Some(store);
        self.emit(Event::Unlocked(info));
        self.refresh()
    }

    /// Starts the background group sync when the station is in a group (never blocks shooting: a failure
    /// only shows in the status line).
    fn start_group(&mut self, store: &Store) {
        let group = match store.group() {
            Ok(Some(g)) => g,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the group membership");
                return;
            }
        };
        let started = (|| {
            let journal =
                crate::group::Journal::new(&self.config.upload, &self.config.data_dir, &group)?;
            let conn = store.reopen()?;
            let changes = Arc::new(std::sync::atomic::AtomicU64::new(0));
            let c = changes.clone();
            let notify = self.notify.clone();
            let group_id = group.group_id.clone();
            let sync = crate::group::GroupSync::spawn(
                conn,
                journal,
                group,
                self.config.group_interval,
                Arc::new(move || {
                    c.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    notify();
                }),
            )?;
            Ok::<_, crate::group::GroupError>(GroupRun {
                sync,
                group_id,
                changes,
                seen: 0,
                view: None,
                ticks: 0,
            })
        })();
        match started {
            Ok(run) => self.group = Some(run),
            Err(e) => self.emit(Event::Failed(Text::new(
                format!("无法启动站点小组同步：{e}"),
                format!("Cannot start the station group sync: {e}"),
            ))),
        }
    }

    /// Once a second: refresh after the group merged something, and report the group's state.
    fn group_tick(&mut self) {
        let Some(run) = self.group.as_mut() else {
            return;
        };
        let now = run.changes.load(std::sync::atomic::Ordering::Relaxed);
        let changed = now != run.seen;
        run.seen = now;
        run.ticks += 1;
        let recompute = changed || run.ticks.is_multiple_of(5);
        let Some(store) = &self.store else {
            return;
        };
        let view = (|| {
            let mut v = match (&run.view, recompute) {
                (Some(v), false) => v.clone(),
                _ => GroupView {
                    group_id: run.group_id.clone(),
                    conflicts: store.group_conflicts()?,
                    progress: store.group_progress()?,
                    ..Default::default()
                },
            };
            v.sync = run.sync.status();
            v.peers = store.group_peers()?;
            Ok::<_, StoreError>(v)
        })();
        match view {
            Ok(v) => {
                run.view = Some(v.clone());
                self.emit(Event::Group(v));
            }
            Err(e) => tracing::warn!(error = %e, "cannot read the group state"),
        }
        if changed && let Err(e) = self.refresh() {
            self.fail(&e);
        }
    }

    fn refresh(&self) -> Result<(), StoreError> {
        let Some(store) = &self.store else {
            return Ok(());
        };
        for e in jobs::refresh(store)? {
            self.emit(e);
        }
        Ok(())
    }

    /// Starts a long task on its own thread and connection, unless one is still running.
    fn start_job(&mut self, job: Job) -> Result<(), StoreError> {
        if let Some(running) = self.job.as_ref().filter(|j| !j.finished()) {
            let label = running.job().label();
            self.emit(Event::Failed(Text::new(
                format!("请等待“{}”完成或取消后再试。", label.zh),
                format!(
                    "Wait for “{}” to finish, or cancel it, then try again.",
                    label.en
                ),
            )));
            return Ok(());
        }
        let Some(store) = &self.store else {
            return Err(StoreError::Invalid("the station is locked".into()));
        };
        let ctx = jobs::JobContext {
            roster: self.config.roster.clone(),
            export_template: self.config.export_template.clone(),
            actor: self.config.actor.clone(),
            events: self.events.clone(),
            notify: self.notify.clone(),
        };
        let handle = jobs::spawn(job, store.reopen()?, ctx)?;
        self.job = Some(handle.clone());
        self.emit(Event::JobStarted(handle));
        Ok(())
    }

    fn serve(&mut self, req: Request) -> Result<(), StoreError> {
        let actor = self.config.actor.clone();
        let Some(store) = self.store.as_mut() else {
            return Ok(());
        };
        match req {
            Request::Refresh => return self.refresh(),
            Request::StoreShot {
                student_no,
                code,
                shot,
                decision,
                supersede,
            } => {
                let id = match store.store_shot(
                    &shot.new_shot(&student_no, &code, supersede),
                    &decision,
                    &actor,
                ) {
                    Ok(id) => id,
                    Err(e) => {
                        tracing::warn!(error = %e, student_no, "shot not stored");
                        self.emit(Event::StoreFailed {
                            student_no,
                            text: describe(&e),
                        });
                        return self.refresh();
                    }
                };
                let state = match decision {
                    Decision::Accept => PhotoState::Accepted,
                    Decision::Reject { .. } => PhotoState::Rejected,
                };
                self.emit(Event::Stored {
                    photo_id: id,
                    student_no,
                    state,
                });
                return self.refresh();
            }
            Request::SetUpload { settings } => {
                self.config.upload = *settings;
            }
            Request::SetClassOrder { classes } => {
                let names: Vec<&str> = classes.iter().map(String::as_str).collect();
                store.set_class_order(&names, &actor)?;
                return self.refresh();
            }
            Request::RemoveDemoData => {
                let n = store.remove_demo_students(demo_students(), &actor)?;
                self.emit(Event::DemoRemoved(n));
                return self.refresh();
            }
            Request::MarkAbsent { student_no } => {
                store.mark_absent(&student_no, &actor)?;
                return self.refresh();
            }
            Request::RecallAbsent { student_no } => {
                store.recall_absent(&student_no, &actor)?;
                return self.refresh();
            }
            Request::ResolveCode { payload } => {
                let owner = store.code_owner(&payload)?;
                let elsewhere = store.group_code_owner(&payload)?;
                self.emit(Event::CodeResolved {
                    payload,
                    owner,
                    elsewhere,
                });
            }
            Request::KeepOtherStation { student_no } => {
                let kept = store.group_keep_other(&student_no, &self.config.actor)?;
                tracing::info!(student = %student_no, kept = %kept, "group conflict resolved");
                if let Some(run) = self.group.as_mut() {
                    run.view = None;
                }
                self.group_tick();
                return self.refresh();
            }
            Request::Claim { student_no } => {
                if store.group()?.is_some() {
                    store.group_claim(&student_no)?;
                }
            }
            Request::CheckPin { pin } => {
                let attempt = store.attempt_supervisor_pin(&pin, &self.config.actor)?;
                self.emit(Event::PinChecked(attempt));
            }
            Request::LoadReview => {
                let items = load_review(store, &self.config.spec)?;
                self.emit(Event::ReviewItems(items));
            }
            Request::Review {
                photo_id,
                approve,
                reason,
            } => {
                let reason = Some(reason.trim()).filter(|r| !r.is_empty());
                let to = store.review_decision(photo_id, approve, &actor, reason)?;
                let items = load_review(store, &self.config.spec)?;
                self.emit(Event::Reviewed {
                    photo_id,
                    state: to,
                });
                self.emit(Event::ReviewItems(items));
                return self.refresh();
            }
            Request::RenameStation { name } => {
                store.rename_station(&name, &actor)?;
                self.emit(Event::StationRenamed(name.trim().to_string()));
            }
            Request::SetSpec { spec, summary } => {
                store.record_settings_change(&summary, &actor)?;
                self.config.spec = *spec;
                self.emit(Event::SettingsApplied(Text::new(
                    "检查阈值已应用并保存。",
                    "The check thresholds are applied and saved.",
                )));
            }
            Request::StartUpload => {
                let started = crate::upload::UploadWorker::spawn(crate::upload::WorkerConfig {
                    db_path: store.path().to_path_buf(),
                    key: store.key().duplicate(),
                    data_dir: self.config.data_dir.clone(),
                    settings: self.config.upload.clone(),
                    target: None,
                    actor: actor.clone(),
                    idle_poll: std::time::Duration::from_secs(5),
                });
                self.emit(Event::Upload(started.map_err(|e| e.text())));
            }
            Request::RecordSettings { summary } => {
                store.record_settings_change(&summary, &actor)?;
            }
            Request::CreateStation { .. }
            | Request::Unlock { .. }
            | Request::Start(_)
            | Request::PrepareShot { .. } => {}
        }
        Ok(())
    }
}

fn load_review(store: &Store, spec: &PhotoSpec) -> Result<Vec<ReviewItem>, StoreError> {
    let mut items = Vec::new();
    // Captured photos here are leftovers of an interrupted save; the supervisor decides them too.
    for state in [
        PhotoState::Captured,
        PhotoState::Rejected,
        PhotoState::OverrideAccepted,
    ] {
        for summary in store.list_photos(&PhotoFilter {
            state: Some(state),
            ..Default::default()
        })? {
            let jpeg = store.photo_jpeg(summary.id)?;
            let image = match image::load_from_memory_with_format(&jpeg, image::ImageFormat::Jpeg) {
                Ok(img) => Arc::new(img.to_rgb8()),
                Err(e) => {
                    tracing::error!(photo_id = summary.id, error = %e, "stored photo does not decode");
                    continue;
                }
            };
            let findings = store
                .check_results(summary.id)?
                .into_iter()
                .filter(|c| c.outcome != "pass")
                .map(|c| (c.check_id, c.outcome, Text::new(c.reason_zh, c.reason_en)))
                .collect();
            let operator_reason = store.operator_reason(summary.id)?;
            let supervisor_reason = store.supervisor_reason(summary.id)?;
            let geometry = crate::compliance::photo_geometry(&image, spec);
            items.push(ReviewItem {
                summary,
                image,
                findings,
                operator_reason,
                supervisor_reason,
                geometry,
            });
        }
    }
    // One stable order (oldest first), so a card does not move when its state changes.
    items.sort_by_key(|i| i.summary.id);
    Ok(items)
}
