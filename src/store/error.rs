//! Store errors: each says what happened and what to do.

use std::path::PathBuf;

use rusqlite::ErrorCode;

use super::PhotoState;
use crate::crypto::CryptoError;

/// Everything that can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No database yet.
    #[error("no station database at {path}; run `capture-station init` first")]
    NotInitialised {
        /// The expected database file.
        path: PathBuf,
    },
    /// `init` on an existing database.
    #[error(
        "a station database already exists at {path}; use `capture-station passwd` to change its passphrase"
    )]
    AlreadyInitialised {
        /// The existing database file.
        path: PathBuf,
    },
    /// Wrong passphrase.
    #[error("wrong passphrase: the station database was not unlocked and nothing was changed")]
    WrongPassphrase,
    /// Key material unreadable.
    #[error("the station's key material is damaged; restore the database from a backup")]
    DamagedKey,
    /// Another process holds the write lock.
    #[error(
        "the station database is locked by another process (is another capture-station running?); close it and try again"
    )]
    Locked,
    /// The database was written by a newer version.
    #[error(
        "the database has schema version {found}, newer than this build supports ({supported}); update capture-station"
    )]
    SchemaTooNew {
        /// Version found.
        found: i64,
        /// Version supported.
        supported: i64,
    },
    /// Unknown student number.
    #[error(
        "no student with student number {student_no}; add them with `capture-station student add` or import the roster"
    )]
    UnknownStudent {
        /// The number given.
        student_no: String,
    },
    /// Student number already present.
    #[error("student number {student_no} already exists ({name})")]
    StudentExists {
        /// The number.
        student_no: String,
        /// The existing student's name.
        name: String,
    },
    /// The collection code belongs to another student.
    #[error(
        "this collection code is already bound to {other_no} {other_name}; it cannot be used for {this_no} {this_name}"
    )]
    CodeBoundToOther {
        /// Student number the code belongs to.
        other_no: String,
        /// Their name.
        other_name: String,
        /// Student number being stored.
        this_no: String,
        /// Their name.
        this_name: String,
    },
    /// The student already has a current photo that a new shot would replace.
    #[error(
        "{student_no} already has {state} photo #{photo_id}{same_code}; pass --supersede to replace it"
    )]
    AlreadyPhotographed {
        /// The student.
        student_no: String,
        /// Their current photo.
        photo_id: i64,
        /// Its state.
        state: PhotoState,
        /// " with this collection code" when the code is the same.
        same_code: &'static str,
    },
    /// A transition the state machine forbids.
    #[error("photo #{photo_id} is {from}; it cannot become {to}")]
    IllegalTransition {
        /// The photo.
        photo_id: i64,
        /// Its state.
        from: PhotoState,
        /// The requested state.
        to: PhotoState,
    },
    /// Too many wrong passphrases: the next try must wait.
    #[error("too many wrong passphrases; wait {} s before the next try", .wait.as_secs().max(1))]
    Throttled {
        /// Time left.
        wait: std::time::Duration,
    },
    /// Another station of the group has an accepted photo of this student.
    #[error(
        "student {student_no} was already photographed and accepted at station {station} ({at}); nothing stored (pass --supersede to photograph them here anyway)"
    )]
    GroupAccepted {
        /// 学号.
        student_no: String,
        /// The other station.
        station: String,
        /// When.
        at: String,
    },
    /// Another station of the group bound this collection code.
    #[error(
        "this collection code is already bound at station {station} to student {student_no}; nothing stored"
    )]
    GroupCodeBound {
        /// The other station.
        station: String,
        /// Its student.
        student_no: String,
    },
    /// No such photo.
    #[error("no photo #{0}")]
    PhotoNotFound(i64),
    /// A record's MAC does not verify: the database file was edited outside the station.
    #[error(
        "photo #{photo_id} refused: {problem}; run `capture-station queue verify` and have a supervisor investigate"
    )]
    RecordTampered {
        /// The photo.
        photo_id: i64,
        /// What does not verify.
        problem: String,
    },
    /// Invalid input value.
    #[error("{0}")]
    Invalid(String),
    /// A crypto failure other than a wrong passphrase.
    #[error("{0}")]
    Crypto(CryptoError),
    /// The database is in a state this build cannot use.
    #[error("unsupported database: {0}")]
    Unsupported(String),
    /// File-system error.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The operator cancelled a long operation; everything it had started was rolled back.
    #[error("cancelled; nothing was changed")]
    Cancelled,
    /// Other SQLite error.
    #[error("database error while trying to {context}: {source}")]
    Sqlite {
        /// What the store was doing.
        context: &'static str,
        /// SQLite's error.
        source: rusqlite::Error,
    },
}

impl From<CryptoError> for StoreError {
    fn from(e: CryptoError) -> Self {
        match e {
            CryptoError::WrongPassphrase => StoreError::WrongPassphrase,
            CryptoError::DamagedKey => StoreError::DamagedKey,
            other => StoreError::Crypto(other),
        }
    }
}

/// Wraps a SQLite error, turning "busy/locked" into [`StoreError::Locked`].
pub(super) fn sql(e: rusqlite::Error, context: &'static str) -> StoreError {
    if let rusqlite::Error::SqliteFailure(f, _) = &e
        && matches!(f.code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    {
        return StoreError::Locked;
    }
    StoreError::Sqlite { context, source: e }
}
