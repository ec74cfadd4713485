//! Upload bookkeeping: which accepted photos still have to go out, recording attempts and confirmed
//! deliveries (`accepted`/`override_accepted` → `uploaded`), and finding photos whose retention has passed.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use zeroize::Zeroizing;

use super::photos::{code_aad, state_of};
use super::{CheckRow, PhotoId, PhotoState, Store, StoreError, audit, error, records, time};
use crate::crypto;

/// Everything needed to build one photo's export package (decrypted; keep it short-lived).
#[derive(Debug)]
pub struct UploadItem {
    /// Photo id.
    pub photo_id: PhotoId,
    /// Station that took it.
    pub station_id: String,
    /// 学号.
    pub student_no: String,
    /// 姓名.
    pub name: String,
    /// 班级.
    pub class: String,
    /// 身份证号, if on file.
    pub id_no: Option<Zeroizing<String>>,
    /// The collection-code payload.
    pub code: Zeroizing<String>,
    /// Capture time (UTC, RFC 3339).
    pub captured_at: String,
    /// `accepted`, `override_accepted` or `uploaded` (re-delivery).
    pub state: PhotoState,
    /// Checker verdict.
    pub verdict_pass: Option<bool>,
    /// Per-check results.
    pub checks: Vec<CheckRow>,
    /// Pixel size.
    pub width: u32,
    /// Pixel size.
    pub height: u32,
    /// The JPEG.
    pub jpeg: Zeroizing<Vec<u8>>,
}

/// Upload counts for `upload status` and the GUI.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct UploadCounts {
    /// Current accepted photos waiting for their first attempt or a retry after a failure.
    pub queued: u64,
    /// Of `queued`, those whose last attempt failed.
    pub failed: u64,
    /// Photos confirmed by the target (state `uploaded`).
    pub uploaded: u64,
    /// Photos whose blob was purged after retention.
    pub purged: u64,
    /// JPEG bytes still to deliver.
    pub queued_bytes: u64,
    /// JPEG bytes delivered.
    pub uploaded_bytes: u64,
    /// Latest confirmed delivery (UTC, RFC 3339).
    pub last_confirmed_at: Option<String>,
    /// The most recent failure's message.
    pub last_error: Option<String>,
    /// Earliest scheduled retry (UTC, RFC 3339).
    pub next_attempt_at: Option<String>,
}

/// A photo whose retention after a confirmed upload has passed.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PurgeCandidate {
    /// Photo id.
    pub photo_id: PhotoId,
    /// 学号.
    pub student_no: String,
    /// When the target confirmed it.
    pub confirmed_at: String,
    /// Where it went.
    pub remote_key: Option<String>,
    /// SHA-256 of the package the target confirmed.
    pub remote_checksum: Option<String>,
    /// Size the target confirmed.
    pub remote_size: Option<u64>,
}

const PENDING: &str = "p.superseded_by IS NULL AND p.state IN ('accepted', 'override_accepted')";

impl Store {
    /// Photos to deliver, oldest first: current accepted or override-accepted photos not yet confirmed,
    /// whose scheduled retry is due (`ignore_schedule` takes every one).
    pub fn upload_due(
        &self,
        ignore_schedule: bool,
        limit: u32,
    ) -> Result<Vec<PhotoId>, StoreError> {
        let sql = format!(
            "SELECT p.id FROM photos p LEFT JOIN upload_state u ON u.photo_id = p.id
             WHERE {PENDING} AND (?1 OR u.next_attempt_at IS NULL
                                  OR julianday(u.next_attempt_at) <= julianday(?2))
             ORDER BY p.id LIMIT ?3"
        );
        let mut stmt = self
            .conn
            .prepare_cached(&sql)
            .map_err(|e| error::sql(e, "list photos to upload"))?;
        let rows = stmt
            .query_map(params![ignore_schedule, time::now(), limit], |r| r.get(0))
            .map_err(|e| error::sql(e, "list photos to upload"))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| error::sql(e, "list photos to upload"))
    }

    /// Decrypts a photo with its student and check data for packaging.
    pub fn upload_item(&self, photo_id: PhotoId) -> Result<UploadItem, StoreError> {
        if let Err(problem) = records::check_photo_and_student(&self.conn, &self.key, photo_id)? {
            return Err(StoreError::RecordTampered { photo_id, problem });
        }
        type Row = (i64, String, String, String, String, Vec<u8>, String, String);
        type Row2 = (Option<bool>, u32, u32);
        let row: Option<(Row, Row2)> = self
            .conn
            .query_row(
                "SELECT p.student_id, p.station_id, s.student_no, s.name, c.name, p.code_enc, p.captured_at,
                        p.state, p.verdict_pass, p.width, p.height
                 FROM photos p JOIN students s ON s.id = p.student_id JOIN classes c ON c.id = s.class_id
                 WHERE p.id = ?1",
                [photo_id],
                |r| {
                    Ok((
                        (
                            r.get(0)?,
                            r.get(1)?,
                            r.get(2)?,
                            r.get(3)?,
                            r.get(4)?,
                            r.get(5)?,
                            r.get(6)?,
                            r.get(7)?,
                        ),
                        (r.get(8)?, r.get(9)?, r.get(10)?),
                    ))
                },
            )
            .optional()
            .map_err(|e| error::sql(e, "read photo for upload"))?;
        let (
            (student_id, station_id, student_no, name, class, code_enc, captured_at, state),
            (verdict_pass, width, height),
        ) = row.ok_or(StoreError::PhotoNotFound(photo_id))?;
        let state = PhotoState::parse(&state)
            .ok_or_else(|| StoreError::Unsupported(format!("unknown state {state}")))?;
        let code = crypto::open(&self.key, &code_aad(photo_id, student_id), &code_enc)?;
        let code = Zeroizing::new(
            String::from_utf8(code.to_vec())
                .map_err(|_| StoreError::Crypto(crypto::CryptoError::Tampered))?,
        );
        let id_no = self.student_id_no(&student_no)?.map(Zeroizing::new);
        let jpeg = self.photo_jpeg(photo_id)?;
        // The manifest lists checks by id, whatever order they were stored in.
        let mut checks = self.check_results(photo_id)?;
        checks.sort_by(|a, b| a.check_id.cmp(&b.check_id));
        Ok(UploadItem {
            photo_id,
            station_id,
            student_no,
            name,
            class,
            id_no,
            code,
            captured_at,
            state,
            verdict_pass,
            checks,
            width,
            height,
            jpeg,
        })
    }

    /// Records a failed delivery attempt and when to retry; the photo stays accepted. Returns the attempt
    /// count so far.
    pub fn record_upload_failure(
        &mut self,
        photo_id: PhotoId,
        target: &str,
        message: &str,
        next_attempt_at: &str,
    ) -> Result<u32, StoreError> {
        self.conn
            .execute(
                "INSERT INTO upload_state (photo_id, target, state, attempts, last_error, next_attempt_at, updated_at)
                 VALUES (?1, ?2, 'failed', 1, ?3, ?4, ?5)
                 ON CONFLICT(photo_id) DO UPDATE SET target = excluded.target, state = 'failed',
                     attempts = upload_state.attempts + 1, last_error = excluded.last_error,
                     next_attempt_at = excluded.next_attempt_at, updated_at = excluded.updated_at
                 WHERE upload_state.state != 'confirmed'",
                params![photo_id, target, message, next_attempt_at, time::now()],
            )
            .map_err(|e| error::sql(e, "record upload failure"))?;
        self.conn
            .query_row(
                "SELECT attempts FROM upload_state WHERE photo_id = ?1",
                [photo_id],
                |r| r.get(0),
            )
            .map_err(|e| error::sql(e, "read upload attempts"))
    }

    /// Attempts recorded for a photo (0 if never tried).
    pub fn upload_attempts(&self, photo_id: PhotoId) -> Result<u32, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT attempts FROM upload_state WHERE photo_id = ?1",
                [photo_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| error::sql(e, "read upload attempts"))?
            .unwrap_or(0))
    }

    /// Records a delivery the target confirmed (size and checksum): one transaction moving the photo to
    /// `uploaded`, with its audit row. Harmless for a photo that is already `uploaded`.
    pub fn mark_uploaded(
        &mut self,
        photo_id: PhotoId,
        target: &str,
        remote_key: &str,
        remote_checksum: &str,
        remote_size: u64,
        actor: &str,
    ) -> Result<(), StoreError> {
        let station = self.station_id.clone();
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| error::sql(e, "begin"))?;
        let (from, student_id) = state_of(&tx, photo_id)?;
        if from != PhotoState::Uploaded && !from.can_become(PhotoState::Uploaded) {
            return Err(StoreError::IllegalTransition {
                photo_id,
                from,
                to: PhotoState::Uploaded,
            });
        }
        let now = time::now();
        tx.execute(
            "INSERT INTO upload_state (photo_id, target, state, attempts, confirmed_at, remote_key, remote_checksum,
                                       remote_size, next_attempt_at, updated_at)
             VALUES (?1, ?2, 'confirmed', 1, ?3, ?4, ?5, ?6, NULL, ?3)
             ON CONFLICT(photo_id) DO UPDATE SET target = excluded.target, state = 'confirmed',
                 attempts = upload_state.attempts + 1, confirmed_at = excluded.confirmed_at,
                 remote_key = excluded.remote_key, remote_checksum = excluded.remote_checksum,
                 remote_size = excluded.remote_size, next_attempt_at = NULL, last_error = NULL,
                 updated_at = excluded.updated_at",
            params![
                photo_id,
                target,
                now,
                remote_key,
                remote_checksum,
                remote_size as i64
            ],
        )
        .map_err(|e| error::sql(e, "record upload"))?;
        if from != PhotoState::Uploaded {
            tx.execute(
                "UPDATE photos SET state = 'uploaded', updated_at = ?1 WHERE id = ?2",
                params![now, photo_id],
            )
            .map_err(|e| error::sql(e, "update photo state"))?;
            records::seal_photo(&tx, &self.key, photo_id)?;
        }
        let reason = format!("{target}: {remote_key} sha256 {remote_checksum}");
        audit::write(
            &tx,
            &self.key,
            &station,
            &audit::Entry {
                actor,
                action: "photo_uploaded",
                photo_id: Some(photo_id),
                student_id: Some(student_id),
                from_state: Some(from.as_str()),
                to_state: Some(PhotoState::Uploaded.as_str()),
                reason: Some(&reason),
            },
        )?;
        tx.commit().map_err(|e| error::sql(e, "commit upload"))
    }

    /// Counts for `upload status` (reads no ciphertext).
    pub fn upload_counts(&self) -> Result<UploadCounts, StoreError> {
        let sql = format!(
            "SELECT COUNT(*), COALESCE(SUM(u.state = 'failed'), 0), COALESCE(SUM(p.jpeg_bytes), 0),
                    MIN(u.next_attempt_at)
             FROM photos p LEFT JOIN upload_state u ON u.photo_id = p.id WHERE {PENDING}"
        );
        let (queued, failed, queued_bytes, next_attempt_at) = self
            .conn
            .query_row(&sql, [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .map_err(|e| error::sql(e, "count upload queue"))?;
        let (uploaded, purged, uploaded_bytes) = self
            .conn
            .query_row(
                "SELECT COALESCE(SUM(state = 'uploaded'), 0), COALESCE(SUM(state = 'purged'), 0),
                        COALESCE(SUM(CASE WHEN state = 'uploaded' THEN jpeg_bytes END), 0)
                 FROM photos WHERE state IN ('uploaded', 'purged')",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .map_err(|e| error::sql(e, "count uploads"))?;
        let last_confirmed_at = self
            .conn
            .query_row(
                "SELECT MAX(confirmed_at) FROM upload_state WHERE state = 'confirmed'",
                [],
                |r| r.get(0),
            )
            .map_err(|e| error::sql(e, "read last upload"))?;
        let last_error = self
            .conn
            .query_row(
                &format!(
                    "SELECT u.last_error FROM upload_state u JOIN photos p ON p.id = u.photo_id
                     WHERE u.state = 'failed' AND {PENDING} ORDER BY u.updated_at DESC LIMIT 1"
                ),
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| error::sql(e, "read last upload error"))?
            .flatten();
        Ok(UploadCounts {
            queued,
            failed,
            uploaded,
            purged,
            queued_bytes,
            uploaded_bytes,
            last_confirmed_at,
            last_error,
            next_attempt_at,
        })
    }

    /// Uploaded photos whose confirmed delivery is at least `retention_days` old.
    pub fn purge_due(&self, retention_days: u32) -> Result<Vec<PurgeCandidate>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT p.id, s.student_no, u.confirmed_at, u.remote_key, u.remote_checksum, u.remote_size
                 FROM photos p JOIN students s ON s.id = p.student_id
                 JOIN upload_state u ON u.photo_id = p.id
                 WHERE p.state = 'uploaded' AND u.state = 'confirmed' AND u.confirmed_at IS NOT NULL
                   AND julianday(u.confirmed_at) + ?1 <= julianday(?2)
                 ORDER BY p.id",
            )
            .map_err(|e| error::sql(e, "list photos to purge"))?;
        let rows = stmt
            .query_map(params![f64::from(retention_days), time::now()], |r| {
                Ok(PurgeCandidate {
                    photo_id: r.get(0)?,
                    student_no: r.get(1)?,
                    confirmed_at: r.get(2)?,
                    remote_key: r.get(3)?,
                    remote_checksum: r.get(4)?,
                    remote_size: r.get::<_, Option<i64>>(5)?.map(|v| v.max(0) as u64),
                })
            })
            .map_err(|e| error::sql(e, "list photos to purge"))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| error::sql(e, "list photos to purge"))
    }
}
