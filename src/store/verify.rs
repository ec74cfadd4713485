//! `queue verify`: decrypt every blob and collection code, check tags, bindings and JPEG signatures.

use serde::Serialize;

use super::photos::{code_aad, photo_aad};
use super::{OnStep, Store, StoreError, error};
use crate::crypto;

/// A row that failed verification.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct BadRow {
    /// Photo id.
    pub photo_id: i64,
    /// What is wrong.
    pub problem: String,
}

/// Result of [`Store::verify`].
#[derive(Debug, Clone, Serialize, Default)]
pub struct VerifyReport {
    /// Photos whose blob was checked.
    pub checked: u64,
    /// Rows with problems, by id.
    pub bad: Vec<BadRow>,
}

impl Store {
    /// Decrypts every photo blob and collection code; reports each failing row by id.
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
        let mut stmt = self
            .conn
            .prepare(
                "SELECT p.id, p.student_id, p.code_digest, p.station_id, p.code_enc, p.state, b.blob
                 FROM photos p LEFT JOIN photo_blobs b ON b.photo_id = p.id ORDER BY p.id",
            )
            .map_err(|e| error::sql(e, "read photos"))?;
        let mut rows = stmt.query([]).map_err(|e| error::sql(e, "read photos"))?;
        let mut report = VerifyReport::default();
        while let Some(r) = rows.next().map_err(|e| error::sql(e, "read photos"))? {
            done += 1;
            if done.is_multiple_of(16) && !on_step(done, total) {
                return Err(StoreError::Cancelled);
            }
            let get = |e| error::sql(e, "read photos");
            let id: i64 = r.get(0).map_err(get)?;
            let student_id: i64 = r.get(1).map_err(get)?;
            let digest: Vec<u8> = r.get(2).map_err(get)?;
            let station: String = r.get(3).map_err(get)?;
            let code_enc: Vec<u8> = r.get(4).map_err(get)?;
            let state: String = r.get(5).map_err(get)?;
            let blob: Option<Vec<u8>> = r.get(6).map_err(get)?;
            let mut bad = |problem: &str| {
                report.bad.push(BadRow {
                    photo_id: id,
                    problem: problem.into(),
                })
            };
            match crypto::open(&self.key, &code_aad(id, student_id), &code_enc) {
                Ok(code) => {
                    let matches = std::str::from_utf8(&code)
                        .map(|c| self.key.code_digest(c) == digest.as_slice());
                    if matches != Ok(true) {
                        bad("collection code does not match its digest");
                    }
                }
                Err(_) => bad("collection code failed authentication"),
            }
            match (blob, state.as_str()) {
                (None, "purged") => continue,
                (None, _) => bad("photo blob is missing"),
                (Some(_), "purged") => bad("purged photo still has a blob"),
                (Some(blob), _) => {
                    report.checked += 1;
                    match crypto::open(
                        &self.key,
                        &photo_aad(id, student_id, &digest, &station),
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
        on_step(total, total);
        Ok(report)
    }
}
