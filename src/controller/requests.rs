//! The messages between the UI and the controller.

use std::path::PathBuf;
use std::sync::Arc;

use image::RgbImage;

use super::jobs::{Job, JobHandle};
use crate::compliance::{FaceGeometry, PhotoSpec};
use crate::crypto::Passphrase;
use crate::i18n::Text;
use crate::roster::ImportReport;
use crate::shot::PreparedShot;
use crate::store::{
    Decision, PhotoId, PhotoState, PhotoSummary, Progress, QueueEntry, QueueStats, VerifyReport,
};

/// What the UI asks for.
pub enum Request {
    /// Create the station database (first run).
    CreateStation {
        /// Station id.
        id: String,
        /// Station name.
        name: String,
        /// New passphrase.
        passphrase: Passphrase,
        /// Supervisor PIN.
        pin: Passphrase,
        /// Also import the bundled demo roster (36 made-up students in three classes).
        demo_roster: bool,
    },
    /// Unlock an existing station.
    Unlock {
        /// The passphrase.
        passphrase: Passphrase,
    },
    /// Reload the shooting queue, progress and queue counts.
    Refresh,
    /// Supervisor: in a conflict, keep the photo accepted at the other station and withdraw this one's.
    KeepOtherStation {
        /// 学号.
        student_no: String,
    },
    /// The photographer called this student up: tell the other stations of the group.
    Claim {
        /// 学号.
        student_no: String,
    },
    /// Final check, crop and encode of a full-resolution frame.
    PrepareShot {
        /// The full-resolution frame.
        frame: Arc<RgbImage>,
    },
    /// Store a prepared shot for a student.
    StoreShot {
        /// 学号.
        student_no: String,
        /// The scanned collection code.
        code: String,
        /// The prepared shot.
        shot: Arc<PreparedShot>,
        /// Accept, or send to the supervisor with a reason.
        decision: Decision,
        /// Replace the student's accepted photo.
        supersede: bool,
    },
    /// Use these upload settings from now on (the next `StartUpload` starts with them).
    SetUpload {
        /// The new `[upload]` section.
        settings: Box<crate::config::UploadSettings>,
    },
    /// Shoot the classes in this order.
    SetClassOrder {
        /// Every class name, first to shoot first.
        classes: Vec<String>,
    },
    /// Remove the bundled demo roster's students (refused for any with photos or history).
    RemoveDemoData,
    /// Mark a student absent (缺席).
    MarkAbsent {
        /// 学号.
        student_no: String,
    },
    /// Bring an absent student back into the queue.
    RecallAbsent {
        /// 学号.
        student_no: String,
    },
    /// Find who a scanned collection code belongs to.
    ResolveCode {
        /// The payload.
        payload: String,
    },
    /// Check the supervisor PIN.
    CheckPin {
        /// The PIN typed.
        pin: Passphrase,
    },
    /// Load the photos awaiting or after review.
    LoadReview,
    /// Supervisor decision on a rejected photo.
    Review {
        /// The photo.
        photo_id: PhotoId,
        /// Approve (override-accept) or order a re-shoot.
        approve: bool,
        /// The supervisor's reason.
        reason: String,
    },
    /// Start a long task on its own thread (refused while another one runs).
    Start(Job),
    /// Rename this station; audited.
    RenameStation {
        /// The new name.
        name: String,
    },
    /// Use a new photo standard for final checks (thresholds changed by the supervisor); audited.
    SetSpec {
        /// The new standard (already validated).
        spec: Box<PhotoSpec>,
        /// What changed, for the audit log.
        summary: String,
    },
    /// Start the background upload worker (it opens its own connection with a copy of the key).
    StartUpload,
    /// Record another settings change (camera, language) in the audit log.
    RecordSettings {
        /// What changed.
        summary: String,
    },
}

/// The station as unlocked.
#[derive(Debug, Clone)]
pub struct StationInfo {
    /// Station id.
    pub id: String,
    /// Station name.
    pub name: String,
    /// Database file.
    pub db_path: PathBuf,
}

/// A prepared shot with its full verdict, ready for the operator's decision.
pub struct ShotReady {
    /// The shot (crop, JPEG, checks).
    pub shot: Arc<PreparedShot>,
}

/// A photo for the supervisor.
pub struct ReviewItem {
    /// Row summary.
    pub summary: PhotoSummary,
    /// The decrypted 480×640 photo.
    pub image: Arc<RgbImage>,
    /// Failed and warned checks: (id, outcome, reason).
    pub findings: Vec<(String, String, Text)>,
    /// Why the operator kept it.
    pub operator_reason: Option<String>,
    /// The supervisor's comment on their decision, once decided.
    pub supervisor_reason: Option<String>,
    /// Head oval, eye line and crown measured on the photo, for the overlay (`None`: no person found).
    pub geometry: Option<FaceGeometry>,
}

/// What the controller reports.
pub enum Event {
    /// Station unlocked (or created).
    Unlocked(StationInfo),
    /// A request failed; the text says what and what to do.
    Failed(Text),
    /// The shooting queue in order.
    Queue(Vec<QueueEntry>),
    /// Per-class progress.
    Progress(Progress),
    /// Photo counts by state.
    Stats(QueueStats),
    /// A shot is ready for the operator.
    ShotReady(ShotReady),
    /// The shot was stored.
    Stored {
        /// New photo id.
        photo_id: PhotoId,
        /// The student.
        student_no: String,
        /// Its state.
        state: PhotoState,
    },
    /// The demo students were removed (how many).
    DemoRemoved(usize),
    /// Storing a shot failed; the shot of `student_no` was not saved.
    StoreFailed {
        /// The student whose shot it was.
        student_no: String,
        /// Why.
        text: Text,
    },
    /// A scanned code was looked up: `owner` is the student it is bound to, if any.
    CodeResolved {
        /// The payload scanned.
        payload: String,
        /// (学号, 姓名) of the student the code belongs to.
        owner: Option<(String, String)>,
        /// (station, 学号) when another station of the group bound the code.
        elsewhere: Option<(String, String)>,
    },
    /// The station group as last synced (only for a station in a group).
    Group(GroupView),
    /// Result of a PIN attempt (throttled after wrong ones).
    PinChecked(crate::store::Attempt),
    /// Photos for review.
    ReviewItems(Vec<ReviewItem>),
    /// A review decision was stored.
    Reviewed {
        /// The photo.
        photo_id: PhotoId,
        /// Its new state.
        state: PhotoState,
    },
    /// Roster import result.
    Imported {
        /// The file.
        path: PathBuf,
        /// Only validated.
        dry_run: bool,
        /// The report.
        report: ImportReport,
    },
    /// The upload worker started, or why it could not.
    Upload(Result<crate::upload::UploadWorker, Text>),
    /// The station was renamed.
    StationRenamed(String),
    /// A settings change was applied and audited.
    SettingsApplied(Text),
    /// A long task started; the handle shows its progress and cancels it.
    JobStarted(JobHandle),
    /// A long task ended (its result came as its own event before this one).
    JobEnded {
        /// The task.
        job: Job,
        /// Stopped by the operator; nothing was changed.
        cancelled: bool,
    },
    /// A list or photos exported.
    Exported {
        /// The file or folder written.
        path: PathBuf,
        /// Files written.
        files: usize,
    },
    /// Verification result.
    Verified(VerifyReport),
}

/// The station group for the status line, the roster tab and the supervisor.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupView {
    /// Group id.
    pub group_id: String,
    /// The background sync.
    pub sync: crate::group::SyncStatus,
    /// The other stations as last heard of.
    pub peers: Vec<crate::store::PeerStatus>,
    /// Students accepted at two stations.
    pub conflicts: Vec<crate::store::GroupConflict>,
    /// Combined progress.
    pub progress: crate::store::GroupProgress,
}
