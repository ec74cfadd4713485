//! `queue verify`: decrypt every blob and collection code, check tags, bindings and JPEG signatures, and the
//! record MACs of photos, students and the audit chain.

use std::collections::HashSet;

use serde::Serialize;

use super::photos::{code_aad, photo_aad};
use super::records::{PHOTO_FIELDS, PhotoRow, STUDENT_FIELDS, StudentRow};
use super::{OnStep, Store, StoreError, audit, error};
use crate::crypto;

/// Which record failed.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum Record {
    /// A photo, by id.
    Photo(i64),
    /// A student row, by row id.
    Student(i64),
    /// An audit row, by id (0: the chain's head).
    Audit(i64),
}

impl std::fmt::Display for Record {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Record::Photo(id) => write!(f, "photo #{id}"),
            Record::Student(id) => write!(f, "student row {id}"),
            Record::Audit(0) => f.write_str("audit log"),
            Record::Audit(id) => write!(f, "audit row #{id}"),
        }
    }
}

/// A record that failed verification.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct BadRow {
    /// The record.
    pub record: Record,
    /// What is wrong.
    pub problem: String,
}

/// Result of [`Store::verify`].
#[derive(Debug, Clone, Serialize, Default)]
pub struct VerifyReport {
    /// Photos whose blob was checked.
    pub checked: u64,
    /// Records with problems.
    pub bad: Vec<BadRow>,
}

impl Store {
    /// Decrypts every photo blob and collection code and checks every record MAC; reports each failing
    /// record.
    pub fn verify(&self) -> Result<VerifyReport, StoreError> {
        self.verify_with(&mut |_, _| true)
    }

    /// [`Store::verify`] reporting (photos read, photos in all) and stopping when `on_step` returns `false`.
    pub fn verify_with(&self, on_step: OnStep) -> Result<VerifyReport, StoreError> {
        let total: u64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM photos", [], |r| r.get(0))
            .map_err(|e| error::sql(e, "count photos"))?;
        let mut done = 0u64;
        if !on_step(done, total) {
            return Err(StoreError::Cancelled);
        }
        let rk = self.key.record_key();
        let mut report = VerifyReport::default();
        self.verify_students(&rk, &mut report)?;
        let cols: String = PHOTO_FIELDS
            .split(", ")
            .map(|c| format!("p.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {cols}, p.code_enc, b.blob
                 FROM photos p LEFT JOIN photo_blobs b ON b.photo_id = p.id ORDER BY p.id"
            ))
            .map_err(|e| error::sql(e, "read photos"))?;
        let mut rows = stmt.query([]).map_err(|e| error::sql(e, "read photos"))?;
        let mut photo_ids = HashSet::new();
        while let Some(r) = rows.next().map_err(|e| error::sql(e, "read photos"))? {
            done += 1;
            if done.is_multiple_of(16) && !on_step(done, total) {
                return Err(StoreError::Cancelled);
            }
            let get = |e| error::sql(e, "read photos");
            let row = PhotoRow::read(r, 0).map_err(get)?;
            let code_enc: Vec<u8> = r.get(9).map_err(get)?;
            let blob: Option<Vec<u8>> = r.get(10).map_err(get)?;
            let id = row.id;
            photo_ids.insert(id);
            let mut bad = |problem: &str| {
                report.bad.push(BadRow {
                    record: Record::Photo(id),
                    problem: problem.into(),
                })
            };
            if let Some(problem) = row.problem(&rk) {
                bad(&problem);
            }
            match crypto::open(&self.key, &code_aad(id, row.student_id), &code_enc) {
                Ok(code) => {
                    let matches = std::str::from_utf8(&code)
                        .map(|c| self.key.code_digest(c) == row.code_digest.as_slice());
                    if matches != Ok(true) {
                        bad("collection code does not match its digest");
                    }
                }
                Err(_) => bad("collection code failed authentication"),
            }
            match (blob, row.state.as_str()) {
                (None, "purged") => continue,
                (None, _) => bad("photo blob is missing"),
                (Some(_), "purged") => bad("purged photo still has a blob"),
                (Some(blob), _) => {
                    report.checked += 1;
                    match crypto::open(
                        &self.key,
                        &photo_aad(id, row.student_id, &row.code_digest, &row.station_id),
                        &blob,
                    ) {
                        Ok(jpeg) if jpeg.starts_with(&[0xFF, 0xD8, 0xFF]) => {}
                        Ok(_) => bad("decrypted photo is not a JPEG"),
                        Err(_) => bad(
                            "photo blob failed authentication (altered, truncated or moved from another row)",
                        ),
                    }
                }
            }
        }
        let chain = audit::check_chain(&self.conn, &rk)?;
        for (id, problem) in chain.bad {
            report.bad.push(BadRow {
                record: Record::Audit(id),
                problem,
            });
        }
        let mut missing: Vec<i64> = chain
            .photos
            .into_iter()
            .filter(|p| !photo_ids.contains(p))
            .collect();
        missing.sort_unstable();
        missing.dedup();
        for id in missing {
            report.bad.push(BadRow {
                record: Record::Photo(id),
                problem: "the audit log records this photo, but its row was deleted".into(),
            });
        }
        on_step(total, total);
        Ok(report)
    }

    fn verify_students(
        &self,
        rk: &crypto::RecordKey,
        report: &mut VerifyReport,
    ) -> Result<(), StoreError> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {STUDENT_FIELDS} FROM students ORDER BY id"
            ))
            .map_err(|e| error::sql(e, "read students"))?;
        let mut rows = stmt.query([]).map_err(|e| error::sql(e, "read students"))?;
        while let Some(r) = rows.next().map_err(|e| error::sql(e, "read students"))? {
            let row = StudentRow::read(r, 0).map_err(|e| error::sql(e, "read students"))?;
            if let Some(problem) = row.problem(rk) {
                report.bad.push(BadRow {
                    record: Record::Student(row.id),
                    problem,
                });
            }
        }
        Ok(())
    }
}
