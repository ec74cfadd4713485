//! What the supervisor needs: stored check results, the operator's reason, code ownership and the PIN.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rusqlite::{OptionalExtension, params};

use super::{CheckRow, PhotoId, PhotoState, Store, StoreError, audit, error, time};

const PIN_KEY: &str = "supervisor_pin";

impl Store {
    /// A photo's current state.
    pub fn photo_state(&self, photo_id: PhotoId) -> Result<PhotoState, StoreError> {
        let state: Option<String> = self
            .conn
            .query_row("SELECT state FROM photos WHERE id = ?1", [photo_id], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| error::sql(e, "read photo state"))?;
        let state = state.ok_or(StoreError::PhotoNotFound(photo_id))?;
        PhotoState::parse(&state)
            .ok_or_else(|| StoreError::Unsupported(format!("unknown state {state}")))
    }

    /// A supervisor's decision: approve, or order a re-shoot. A rejected photo becomes override-accepted or
    /// re-shoot-requested. A photo still `captured` (its save was interrupted, e.g. by a crash, before the
    /// station's decision) becomes accepted, or rejected and then re-shoot-requested. Every step is audited.
    pub fn review_decision(
        &mut self,
        photo_id: PhotoId,
        approve: bool,
        actor: &str,
        reason: Option<&str>,
    ) -> Result<PhotoState, StoreError> {
        let steps: &[PhotoState] = match (self.photo_state(photo_id)?, approve) {
            (PhotoState::Rejected, true) => &[PhotoState::OverrideAccepted],
            (PhotoState::Rejected, false) => &[PhotoState::ReshootRequested],
            (PhotoState::Captured, true) => &[PhotoState::Accepted],
            (PhotoState::Captured, false) => &[PhotoState::Rejected, PhotoState::ReshootRequested],
            (from, true) => {
                return Err(StoreError::IllegalTransition {
                    photo_id,
                    from,
                    to: PhotoState::OverrideAccepted,
                });
            }
            (from, false) => {
                return Err(StoreError::IllegalTransition {
                    photo_id,
                    from,
                    to: PhotoState::ReshootRequested,
                });
            }
        };
        for &to in steps {
            self.transition(photo_id, to, actor, reason)?;
        }
        Ok(steps[steps.len() - 1])
    }

    /// The check results stored with a photo, in check order.
    pub fn check_results(&self, photo_id: PhotoId) -> Result<Vec<CheckRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT check_id, outcome, value, threshold, reason_zh, reason_en FROM check_results
                 WHERE photo_id = ?1 ORDER BY rowid",
            )
            .map_err(|e| error::sql(e, "read check results"))?;
        let rows = stmt
            .query_map([photo_id], |r| {
                Ok(CheckRow {
                    check_id: r.get(0)?,
                    outcome: r.get(1)?,
                    value: r.get(2)?,
                    threshold: r.get(3)?,
                    reason_zh: r.get(4)?,
                    reason_en: r.get(5)?,
                })
            })
            .map_err(|e| error::sql(e, "read check results"))?;
        rows.collect::<Result<_, _>>()
            .map_err(|e| error::sql(e, "read check results"))
    }

    /// The reason given when the photo was sent to review, if any.
    pub fn operator_reason(&self, photo_id: PhotoId) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row(
                "SELECT reason FROM audit_log WHERE photo_id = ?1 AND to_state = 'rejected' ORDER BY id DESC LIMIT 1",
                [photo_id],
                |r| r.get(0),
            )
            .optional()
            .map(Option::flatten)
            .map_err(|e| error::sql(e, "read operator reason"))
    }

    /// The supervisor's comment on their decision (approve or re-shoot), if they gave one.
    pub fn supervisor_reason(&self, photo_id: PhotoId) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row(
                "SELECT reason FROM audit_log WHERE photo_id = ?1
                 AND to_state IN ('override_accepted', 'reshoot_requested', 'accepted')
                 AND action = 'photo_state' ORDER BY id DESC LIMIT 1",
                [photo_id],
                |r| r.get(0),
            )
            .optional()
            .map(Option::flatten)
            .map_err(|e| error::sql(e, "read supervisor reason"))
    }

    /// The student a collection code is bound to (by the roster or by an earlier photo), as (学号, 姓名).
    pub fn code_owner(&self, payload: &str) -> Result<Option<(String, String)>, StoreError> {
        let digest = self.key.code_digest(payload.trim());
        self.conn
            .query_row(
                "SELECT student_no, name FROM students
                 WHERE code_digest = ?1 OR id IN (SELECT student_id FROM photos WHERE code_digest = ?1)
                 LIMIT 1",
                [digest.as_slice()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| error::sql(e, "look up collection code"))
    }

    /// Sets the supervisor PIN (4–12 digits); only its Argon2id hash is stored.
    pub fn set_supervisor_pin(&mut self, pin: &str, actor: &str) -> Result<(), StoreError> {
        if !(4..=12).contains(&pin.len()) || !pin.chars().all(|c| c.is_ascii_digit()) {
            return Err(StoreError::Invalid(
                "the supervisor PIN must be 4 to 12 digits".into(),
            ));
        }
        let salt = SaltString::generate(&mut OsRng);
        let hash = argon2::Argon2::default()
            .hash_password(pin.as_bytes(), &salt)
            .map_err(|e| StoreError::Invalid(format!("cannot hash the PIN: {e}")))?
            .to_string();
        let station = self.station_id.clone();
        let tx = self
            .conn
            .transaction()
            .map_err(|e| error::sql(e, "begin"))?;
        tx.execute(
            "INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            params![PIN_KEY, hash, time::now()],
        )
        .map_err(|e| error::sql(e, "store PIN"))?;
        audit::write(
            &tx,
            &self.key,
            &station,
            &audit::Entry {
                actor,
                action: "supervisor_pin_set",
                ..Default::default()
            },
        )?;
        tx.commit().map_err(|e| error::sql(e, "commit"))
    }

    /// True if `pin` is the supervisor PIN. A station without a PIN accepts none.
    pub fn check_supervisor_pin(&self, pin: &str) -> Result<bool, StoreError> {
        let stored: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM settings WHERE key = ?1",
                [PIN_KEY],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| error::sql(e, "read PIN"))?;
        let Some(stored) = stored else {
            return Ok(false);
        };
        let parsed = PasswordHash::new(&stored)
            .map_err(|_| StoreError::Unsupported("damaged PIN hash".into()))?;
        Ok(argon2::Argon2::default()
            .verify_password(pin.as_bytes(), &parsed)
            .is_ok())
    }

    /// True once a supervisor PIN has been set.
    pub fn has_supervisor_pin(&self) -> Result<bool, StoreError> {
        self.conn
            .query_row(
                "SELECT COUNT(*) FROM settings WHERE key = ?1",
                [PIN_KEY],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n > 0)
            .map_err(|e| error::sql(e, "read PIN"))
    }
}
