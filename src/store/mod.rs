//! The encrypted SQLite store: stations, classes, students, photos (sealed blobs), check results, audit log,
//! upload state and key material. One source of truth; every queue transition is one transaction plus one
//! audit row.

mod absence;
mod audit;
mod error;
mod export;
mod group;
mod kv;
mod migrate;
mod photos;
mod pin;
mod queries;
mod records;
mod review;
mod roster;
mod signing;
mod state;
mod station;
mod students;
mod time;
mod upload;
mod verify;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use crate::crypto::{DataKey, KdfParams, StationSigningKey, WrappedKey};

pub use error::StoreError;
pub use export::{ExportReport, NameTemplate};
pub use group::{
    CLAIM_SECONDS, Elsewhere, GroupClassProgress, GroupConflict, GroupProgress, PeerStatus,
};
pub use migrate::SCHEMA_VERSION;
pub use photos::{CheckRow, Decision, NewShot, PhotoId};
pub use pin::{Attempt, delay_after};
pub use queries::{PhotoFilter, PhotoSummary, QueueStats};
pub use roster::{ClassInfo, ClassProgress, Progress, ProgressCounts, QueueEntry};
pub use state::{ALL_STATES, PhotoState};
pub use students::{NewStudent, Student, StudentStatus};
pub use upload::{PurgeCandidate, UploadCounts, UploadItem};
pub use verify::{BadRow, Record, VerifyReport};

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "station.db";

/// How long a write waits for another process's lock before giving up with [`StoreError::Locked`].
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(3);

/// Progress callback for long operations: called with (done, total); returning `false` cancels the operation,
/// which then fails with [`StoreError::Cancelled`] after undoing what it did.
pub type OnStep<'a> = &'a mut dyn FnMut(u64, u64) -> bool;

/// An unlocked station store.
pub struct Store {
    conn: Connection,
    key: DataKey,
    signer: StationSigningKey,
    station_id: String,
    path: PathBuf,
    code_max_len: usize,
    confirm_identity: bool,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .field("station_id", &self.station_id)
            .finish()
    }
}

/// Makes the database and its WAL and shared-memory files 0600 (stations set up by older versions made them
/// world-readable).
fn make_private(path: &Path) -> Result<(), StoreError> {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let p = PathBuf::from(p);
        if p.exists() {
            crate::files::set_mode(&p, crate::files::FILE_MODE).map_err(|source| {
                StoreError::Io {
                    path: p.clone(),
                    source,
                }
            })?;
        }
    }
    Ok(())
}

/// The schema version that added record MACs (migration 0006).
const RECORD_MACS_VERSION: i64 = 6;

/// Opens a connection with the station's pragmas: WAL, foreign keys, `synchronous=FULL`, busy timeout.
fn connect(path: &Path, create: bool) -> Result<Connection, StoreError> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let conn =
        Connection::open_with_flags(path, flags).map_err(|e| error::sql(e, "open database"))?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| error::sql(e, "set busy timeout"))?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
        .map_err(|e| error::sql(e, "enable WAL"))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Unsupported(format!(
            "journal mode {mode} instead of WAL"
        )));
    }
    conn.execute_batch("PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL;")
        .map_err(|e| error::sql(e, "set pragmas"))?;
    Ok(conn)
}

fn read_wrapped_key(conn: &Connection) -> Result<WrappedKey, StoreError> {
    conn.query_row(
        "SELECT salt, memory_kib, iterations, parallelism, nonce, wrapped_key, kcv FROM key_material WHERE id = 1",
        [],
        |r| {
            Ok(WrappedKey {
                salt: r.get(0)?,
                params: KdfParams { memory_kib: r.get(1)?, iterations: r.get(2)?, parallelism: r.get(3)? },
                nonce: r.get(4)?,
                wrapped: r.get(5)?,
                kcv: r.get(6)?,
            })
        },
    )
    .optional()
    .map_err(|e| error::sql(e, "read key material"))?
    .ok_or(StoreError::DamagedKey)
}

/// Stores the wrapped data key (the single `key_material` row): inserted at creation, replaced by `passwd`.
fn write_key_material(
    conn: &Connection,
    wrapped: &WrappedKey,
    now: &str,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO key_material (id, kdf, salt, memory_kib, iterations, parallelism, nonce, wrapped_key, kcv,
                                   created_at, updated_at)
         VALUES (1, 'argon2id-v19', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)
         ON CONFLICT(id) DO UPDATE SET salt = excluded.salt, memory_kib = excluded.memory_kib,
             iterations = excluded.iterations, parallelism = excluded.parallelism, nonce = excluded.nonce,
             wrapped_key = excluded.wrapped_key, kcv = excluded.kcv, updated_at = excluded.updated_at",
        params![
            wrapped.salt,
            wrapped.params.memory_kib,
            wrapped.params.iterations,
            wrapped.params.parallelism,
            wrapped.nonce,
            wrapped.wrapped,
            wrapped.kcv,
            now
        ],
    )
    .map_err(|e| error::sql(e, "store key material"))?;
    Ok(())
}

impl Store {
    /// Creates a new station database at `path` with a fresh data key wrapped under `passphrase`.
    pub fn create(
        path: &Path,
        passphrase: &str,
        kdf: KdfParams,
        station_id: &str,
        station_name: &str,
    ) -> Result<Store, StoreError> {
        // An empty file is what an interrupted `init` leaves behind; anything else is a database.
        if std::fs::metadata(path).is_ok_and(|m| m.len() > 0) {
            return Err(StoreError::AlreadyInitialised {
                path: path.to_path_buf(),
            });
        }
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| StoreError::Io { path, source }
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::files::create_private_dir(dir).map_err(io(dir))?;
        }
        // Created 0600 before SQLite opens it, so its WAL and shared-memory files inherit the mode.
        crate::files::ensure_private_file(path).map_err(io(path))?;
        let (key, wrapped) = DataKey::generate(passphrase, kdf)?;
        let mut conn = connect(path, true)?;
        migrate::apply(&mut conn).map_err(|e| error::sql(e, "create schema"))?;
        let now = time::now();
        let tx = conn.transaction().map_err(|e| error::sql(e, "begin"))?;
        write_key_material(&tx, &wrapped, &now)?;
        tx.execute(
            "INSERT INTO stations (id, name, is_local, created_at) VALUES (?1, ?2, 1, ?3)",
            params![station_id, station_name, now],
        )
        .map_err(|e| error::sql(e, "create station"))?;
        audit::write(
            &tx,
            &key,
            station_id,
            &audit::Entry {
                actor: "system",
                action: "station_created",
                reason: Some(station_name),
                ..Default::default()
            },
        )?;
        let signer = signing::load_or_create(&tx, &key, station_id)?;
        tx.commit().map_err(|e| error::sql(e, "commit"))?;
        Ok(Store {
            conn,
            key,
            signer,
            station_id: station_id.to_string(),
            path: path.to_path_buf(),
            code_max_len: crate::code::CodeSettings::default().max_len,
            confirm_identity: false,
        })
    }

    /// Opens an existing station database and unlocks it. A wrong passphrase fails before anything is written.
    pub fn open(path: &Path, passphrase: &str) -> Result<Store, StoreError> {
        let wrapped = Self::read_key_material(path)?;
        let key = DataKey::unwrap(passphrase, &wrapped)?;
        Self::open_with_key(path, key)
    }

    /// Reads the wrapped key of a station database without unlocking it (the first half of [`Store::open`]).
    pub fn read_key_material(path: &Path) -> Result<WrappedKey, StoreError> {
        if !path.exists() {
            return Err(StoreError::NotInitialised {
                path: path.to_path_buf(),
            });
        }
        let conn = connect(path, false)?;
        let version =
            migrate::current_version(&conn).map_err(|e| error::sql(e, "read schema version"))?;
        if version == 0 {
            return Err(StoreError::NotInitialised {
                path: path.to_path_buf(),
            });
        }
        read_wrapped_key(&conn)
    }

    /// Opens the database with an already unwrapped key (the second half of [`Store::open`]); applies pending
    /// migrations.
    pub fn open_with_key(path: &Path, key: DataKey) -> Result<Store, StoreError> {
        make_private(path)?;
        let mut conn = connect(path, false)?;
        let version =
            migrate::current_version(&conn).map_err(|e| error::sql(e, "read schema version"))?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::SchemaTooNew {
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        if version < SCHEMA_VERSION {
            migrate::apply(&mut conn).map_err(|e| error::sql(e, "migrate schema"))?;
        }
        let station_id: String = conn
            .query_row("SELECT id FROM stations WHERE is_local = 1", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| error::sql(e, "read station"))?
            .ok_or_else(|| {
                StoreError::Unsupported("the database has no local station row".into())
            })?;
        let tx = conn.transaction().map_err(|e| error::sql(e, "begin"))?;
        if version < RECORD_MACS_VERSION {
            // A database from before record MACs: seal what it holds now, once, and say so in the log.
            records::seal_all(&tx, &key)?;
            audit::write(
                &tx,
                &key,
                &station_id,
                &audit::Entry {
                    actor: "system",
                    action: "records_sealed",
                    reason: Some("schema upgrade: record MACs added"),
                    ..Default::default()
                },
            )?;
        }
        let signer = signing::load_or_create(&tx, &key, &station_id)?;
        tx.commit().map_err(|e| error::sql(e, "commit"))?;
        let mut store = Store {
            conn,
            key,
            signer,
            station_id,
            path: path.to_path_buf(),
            code_max_len: crate::code::CodeSettings::default().max_len,
            confirm_identity: false,
        };
        store.seal_legacy_pin()?;
        Ok(store)
    }

    /// Opens a second connection to the same database with a copy of the key, for work on another thread.
    pub fn reopen(&self) -> Result<Store, StoreError> {
        let mut s = Store::open_with_key(&self.path, self.key.duplicate())?;
        s.code_max_len = self.code_max_len;
        Ok(s)
    }

    /// Sets the longest collection code accepted (`code.max_len`); every path that stores a code checks it.
    pub fn set_code_max_len(&mut self, max: usize) {
        self.code_max_len = max;
    }

    /// Re-wraps the data key under a new passphrase; photos are not re-encrypted.
    pub fn change_passphrase(
        &mut self,
        new_passphrase: &str,
        kdf: KdfParams,
        actor: &str,
    ) -> Result<(), StoreError> {
        let wrapped = self.key.rewrap(new_passphrase, kdf)?;
        let tx = self
            .conn
            .transaction()
            .map_err(|e| error::sql(e, "begin"))?;
        write_key_material(&tx, &wrapped, &time::now())?;
        audit::write(
            &tx,
            &self.key,
            &self.station_id,
            &audit::Entry {
                actor,
                action: "passphrase_changed",
                ..Default::default()
            },
        )?;
        tx.commit().map_err(|e| error::sql(e, "commit"))
    }

    /// This station's id.
    pub fn station_id(&self) -> &str {
        &self.station_id
    }

    /// This station's name.
    pub fn station_name(&self) -> Result<String, StoreError> {
        self.conn
            .query_row(
                "SELECT name FROM stations WHERE id = ?1",
                [&self.station_id],
                |r| r.get(0),
            )
            .map_err(|e| error::sql(e, "read station"))
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The unlocked data key (for modules that seal their own data, e.g. upload packages).
    pub fn key(&self) -> &DataKey {
        &self.key
    }

    /// Runs SQLite's integrity check; returns its messages (`["ok"]` when healthy).
    pub fn integrity_check(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("PRAGMA integrity_check")
            .map_err(|e| error::sql(e, "integrity"))?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(|e| error::sql(e, "integrity"))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| error::sql(e, "integrity"))
    }

    /// Number of audit rows (all actions).
    pub fn audit_count(&self) -> Result<u64, StoreError> {
        self.conn
            .query_row("SELECT COUNT(*) FROM audit_log", [], |r| r.get(0))
            .map_err(|e| error::sql(e, "count audit rows"))
    }
}
