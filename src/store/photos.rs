//! Storing shots and moving them through the queue states.

use rusqlite::{OptionalExtension, Transaction, params};

use super::{PhotoState, Store, StoreError, audit, error, records, time};
use crate::crypto::{self, DataKey};

/// A photo's row id.
pub type PhotoId = i64;

/// One check's result as persisted beside a photo.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckRow {
    /// Stable check id, e.g. `head_size`.
    pub check_id: String,
    /// `pass`, `warn` or `fail`.
    pub outcome: String,
    /// Measured value.
    pub value: Option<f64>,
    /// Threshold, as text.
    pub threshold: String,
    /// Reason in Chinese.
    pub reason_zh: String,
    /// Reason in English.
    pub reason_en: String,
}

/// A spec JPEG ready to be stored for a student.
#[derive(Debug, Clone)]
pub struct NewShot<'a> {
    /// The student's number.
    pub student_no: &'a str,
    /// The collection-code payload (opaque; stored sealed).
    pub code: &'a str,
    /// The encoded 480×640 JPEG.
    pub jpeg: &'a [u8],
    /// Pixel width of the JPEG.
    pub width: u32,
    /// Pixel height of the JPEG.
    pub height: u32,
    /// JPEG quality used.
    pub quality: u8,
    /// Per-check results (may be empty).
    pub checks: &'a [CheckRow],
    /// Overall verdict, if the checker ran.
    pub verdict_pass: Option<bool>,
    /// Replace the student's current accepted photo (kept in history as superseded).
    pub supersede: bool,
}

/// What the station decided about a new shot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The shot passed: `captured → accepted`.
    Accept,
    /// Keep it for the supervisor (failed checks, accepted by the operator with a reason):
    /// `captured → rejected`.
    Reject {
        /// The operator's reason.
        reason: String,
    },
}

pub(super) fn photo_aad(photo_id: i64, student_id: i64, digest: &[u8], station: &str) -> Vec<u8> {
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("photo|{photo_id}|{student_id}|{hex}|{station}").into_bytes()
}

pub(super) fn code_aad(photo_id: i64, student_id: i64) -> Vec<u8> {
    format!("code|{photo_id}|{student_id}").into_bytes()
}

/// A photo's state and student, read inside the caller's transaction.
pub(super) fn state_of(
    tx: &Transaction<'_>,
    photo_id: PhotoId,
) -> Result<(PhotoState, i64), StoreError> {
    let row: Option<(String, i64)> = tx
        .query_row(
            "SELECT state, student_id FROM photos WHERE id = ?1",
            [photo_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(|e| error::sql(e, "read photo state"))?;
    let (state, student) = row.ok_or(StoreError::PhotoNotFound(photo_id))?;
    let state = PhotoState::parse(&state)
        .ok_or_else(|| StoreError::Unsupported(format!("unknown state {state}")))?;
    Ok((state, student))
}

impl Store {
    /// Stores a shot and applies the station's decision in one transaction (an audit row for each step), so a
    /// crash never leaves it in `captured`. The same path serves the GUI and `capture-station ingest`.
    pub fn store_shot(
        &mut self,
        shot: &NewShot<'_>,
        decision: &Decision,
        actor: &str,
    ) -> Result<PhotoId, StoreError> {
        self.insert_shot(shot, Some(decision), actor)
    }

    /// Seals and inserts a new photo in state `captured`. Refuses a code bound to another student, and a
    /// student who already has a current photo unless `supersede` is set (photos awaiting a re-shoot or a
    /// rejected shot are superseded without asking).
    pub fn insert_captured(
        &mut self,
        shot: &NewShot<'_>,
        actor: &str,
    ) -> Result<PhotoId, StoreError> {
        self.insert_shot(shot, None, actor)
    }

    /// The photo row, its sealed blob, its checks and, with a `decision`, the move out of `captured`: all in
    /// one transaction, so a crash never leaves a shot half-decided.
    fn insert_shot(
        &mut self,
        shot: &NewShot<'_>,
        decision: Option<&Decision>,
        actor: &str,
    ) -> Result<PhotoId, StoreError> {
        let code = shot.code.trim();
        if code.is_empty() {
            return Err(StoreError::Invalid(
                "the collection code is empty; scan the student's code".into(),
            ));
        }
        crate::text::check_field("the collection code", code, self.code_max_len)
            .map_err(StoreError::Invalid)?;
        if !shot.supersede {
            if let Some((station, at)) = self.group_accepted_at(shot.student_no.trim())? {
                return Err(StoreError::GroupAccepted {
                    student_no: shot.student_no.trim().into(),
                    station,
                    at,
                });
            }
            if let Some((station, student_no)) = self.group_code_owner(code)?
                && student_no != shot.student_no.trim()
            {
                return Err(StoreError::GroupCodeBound {
                    station,
                    student_no,
                });
            }
        }
        let digest = self.key.code_digest(code);
        let station = self.station_id.clone();
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| error::sql(e, "begin"))?;
        let student: Option<(i64, String)> = tx
            .query_row(
                "SELECT id, name FROM students WHERE student_no = ?1",
                [shot.student_no.trim()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| error::sql(e, "find student"))?;
        let (student_id, student_name) = student.ok_or_else(|| StoreError::UnknownStudent {
            student_no: shot.student_no.trim().into(),
        })?;
        let other: Option<(String, String)> = tx
            .query_row(
                "SELECT s.student_no, s.name FROM students s
                 WHERE s.id != ?2 AND (s.code_digest = ?1 OR s.id IN (SELECT student_id FROM photos WHERE code_digest = ?1))
                 LIMIT 1",
                params![digest.as_slice(), student_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| error::sql(e, "check collection code"))?;
        if let Some((other_no, other_name)) = other {
            return Err(StoreError::CodeBoundToOther {
                other_no,
                other_name,
                this_no: shot.student_no.trim().into(),
                this_name: student_name,
            });
        }
        let current: Option<(i64, String, Vec<u8>)> = tx
            .query_row(
                "SELECT id, state, code_digest FROM photos
                 WHERE student_id = ?1 AND superseded_by IS NULL AND state != 'purged' ORDER BY id DESC LIMIT 1",
                [student_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(|e| error::sql(e, "find current photo"))?;
        if let Some((cur_id, cur_state, cur_digest)) = &current {
            let state = PhotoState::parse(cur_state).unwrap_or(PhotoState::Captured);
            let needs_consent =
                !matches!(state, PhotoState::Rejected | PhotoState::ReshootRequested);
            if needs_consent && !shot.supersede {
                return Err(StoreError::AlreadyPhotographed {
                    student_no: shot.student_no.trim().into(),
                    photo_id: *cur_id,
                    state,
                    same_code: if cur_digest.as_slice() == digest.as_slice() {
                        " with this collection code"
                    } else {
                        ""
                    },
                });
            }
        }
        let now = time::now();
        tx.execute(
            "INSERT INTO photos (student_id, station_id, state, code_digest, code_enc, width, height, jpeg_bytes,
                                 jpeg_quality, verdict_pass, captured_at, updated_at)
             VALUES (?1, ?2, 'captured', ?3, x'', ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
            params![
                student_id,
                station,
                digest.as_slice(),
                shot.width,
                shot.height,
                shot.jpeg.len() as i64,
                shot.quality,
                shot.verdict_pass,
                now
            ],
        )
        .map_err(|e| error::sql(e, "insert photo"))?;
        let id = tx.last_insert_rowid();
        let blob = crypto::seal(
            &self.key,
            &photo_aad(id, student_id, &digest, &station),
            shot.jpeg,
        )?;
        let code_enc = crypto::seal(&self.key, &code_aad(id, student_id), code.as_bytes())?;
        tx.execute(
            "UPDATE photos SET code_enc = ?1 WHERE id = ?2",
            params![code_enc, id],
        )
        .map_err(|e| error::sql(e, "store code"))?;
        records::seal_photo(&tx, &self.key, id)?;
        tx.execute(
            "INSERT INTO photo_blobs (photo_id, blob) VALUES (?1, ?2)",
            params![id, blob],
        )
        .map_err(|e| error::sql(e, "store photo"))?;
        for c in shot.checks {
            tx.execute(
                "INSERT INTO check_results (photo_id, check_id, outcome, value, threshold, reason_zh, reason_en)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![id, c.check_id, c.outcome, c.value, c.threshold, c.reason_zh, c.reason_en],
            )
            .map_err(|e| error::sql(e, "store check result"))?;
        }
        tx.execute("DELETE FROM absences WHERE student_id = ?1", [student_id])
            .map_err(|e| error::sql(e, "clear absence"))?;
        if let Some((cur_id, _, _)) = current {
            tx.execute(
                "UPDATE photos SET superseded_by = ?1, updated_at = ?2 WHERE id = ?3",
                params![id, now, cur_id],
            )
            .map_err(|e| error::sql(e, "supersede photo"))?;
            records::seal_photo(&tx, &self.key, cur_id)?;
        }
        audit::write(
            &tx,
            &self.key,
            &station,
            &audit::Entry {
                actor,
                action: "photo_captured",
                photo_id: Some(id),
                student_id: Some(student_id),
                to_state: Some(PhotoState::Captured.as_str()),
                reason: current.as_ref().map(|_| "supersedes the previous photo"),
                ..Default::default()
            },
        )?;
        let decided = match decision {
            None => None,
            Some(Decision::Accept) => Some((PhotoState::Accepted, None)),
            Some(Decision::Reject { reason }) => {
                Some((PhotoState::Rejected, Some(reason.as_str())))
            }
        };
        if let Some((to, reason)) = decided {
            transition_in(&tx, &self.key, &station, id, to, actor, reason)?;
        }
        tx.commit().map_err(|e| error::sql(e, "commit photo"))?;
        tracing::info!(photo_id = id, student_id, code = %short_hex(&digest), "photo captured");
        if let Some((to, _)) = decided {
            tracing::info!(photo_id = id, to = %to, "photo state changed");
        }
        Ok(id)
    }

    /// Moves a photo to `to` if the state machine allows it; one transaction, one audit row.
    pub fn transition(
        &mut self,
        photo_id: PhotoId,
        to: PhotoState,
        actor: &str,
        reason: Option<&str>,
    ) -> Result<(), StoreError> {
        let station = self.station_id.clone();
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| error::sql(e, "begin"))?;
        let from = transition_in(&tx, &self.key, &station, photo_id, to, actor, reason)?;
        tx.commit()
            .map_err(|e| error::sql(e, "commit transition"))?;
        tracing::info!(photo_id, from = %from, to = %to, "photo state changed");
        Ok(())
    }

    /// Decrypts a photo's JPEG.
    pub fn photo_jpeg(&self, photo_id: PhotoId) -> Result<zeroize::Zeroizing<Vec<u8>>, StoreError> {
        let row: Option<(i64, Vec<u8>, String, Vec<u8>)> = self
            .conn
            .query_row(
                "SELECT p.student_id, p.code_digest, p.station_id, b.blob
                 FROM photos p JOIN photo_blobs b ON b.photo_id = p.id WHERE p.id = ?1",
                [photo_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()
            .map_err(|e| error::sql(e, "read photo"))?;
        let (student_id, digest, station, blob) = row.ok_or(StoreError::PhotoNotFound(photo_id))?;
        Ok(crypto::open(
            &self.key,
            &photo_aad(photo_id, student_id, &digest, &station),
            &blob,
        )?)
    }
}

/// Moves a photo to `to` inside the caller's transaction if the state machine allows it, with its audit row;
/// returns the state it left.
fn transition_in(
    tx: &rusqlite::Transaction<'_>,
    key: &DataKey,
    station: &str,
    photo_id: PhotoId,
    to: PhotoState,
    actor: &str,
    reason: Option<&str>,
) -> Result<PhotoState, StoreError> {
    if let Some(r) = reason {
        crate::text::check_field("the reason", r, crate::text::MAX_REASON)
            .map_err(StoreError::Invalid)?;
    }
    let (from, student_id) = state_of(tx, photo_id)?;
    if !from.can_become(to) {
        return Err(StoreError::IllegalTransition { photo_id, from, to });
    }
    tx.execute(
        "UPDATE photos SET state = ?1, updated_at = ?2 WHERE id = ?3",
        params![to.as_str(), time::now(), photo_id],
    )
    .map_err(|e| error::sql(e, "update photo state"))?;
    if to == PhotoState::Purged {
        tx.execute("DELETE FROM photo_blobs WHERE photo_id = ?1", [photo_id])
            .map_err(|e| error::sql(e, "purge blob"))?;
    }
    records::seal_photo(tx, key, photo_id)?;
    audit::write(
        tx,
        key,
        station,
        &audit::Entry {
            actor,
            action: "photo_state",
            photo_id: Some(photo_id),
            student_id: Some(student_id),
            from_state: Some(from.as_str()),
            to_state: Some(to.as_str()),
            reason,
        },
    )?;
    Ok(from)
}

/// First 8 hex digits of a digest: enough to correlate log lines, useless for recovering the code.
pub fn short_hex(digest: &[u8]) -> String {
    digest.iter().take(4).map(|b| format!("{b:02x}")).collect()
}
