//! What the supervisor needs: stored check results, the operator's reason, code ownership and the PIN.

use rusqlite::OptionalExtension;

use super::{CheckRow, PhotoId, PhotoState, Store, StoreError, error};

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
}
