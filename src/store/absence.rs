//! Absent students (缺席): marked at the station, out of the shooting queue, listed for recall.

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError, audit, error, time};

impl Store {
    fn student_row(&self, student_no: &str) -> Result<i64, StoreError> {
        self.conn
            .query_row(
                "SELECT id FROM students WHERE student_no = ?1",
                [student_no.trim()],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| error::sql(e, "find student"))?
            .ok_or_else(|| StoreError::UnknownStudent {
                student_no: student_no.trim().into(),
            })
    }

    /// Marks a student absent (idempotent); one audit row when the state changes.
    pub fn mark_absent(&mut self, student_no: &str, actor: &str) -> Result<(), StoreError> {
        self.set_absent(student_no, actor, true)
    }

    /// Recalls an absent student into the queue (idempotent); one audit row when the state changes.
    pub fn recall_absent(&mut self, student_no: &str, actor: &str) -> Result<(), StoreError> {
        self.set_absent(student_no, actor, false)
    }

    fn set_absent(
        &mut self,
        student_no: &str,
        actor: &str,
        absent: bool,
    ) -> Result<(), StoreError> {
        let id = self.student_row(student_no)?;
        let station = self.station_id.clone();
        let tx = self
            .conn
            .transaction()
            .map_err(|e| error::sql(e, "begin"))?;
        let changed = if absent {
            tx.execute(
                "INSERT OR IGNORE INTO absences (student_id, marked_at, actor) VALUES (?1, ?2, ?3)",
                params![id, time::now(), actor],
            )
        } else {
            tx.execute("DELETE FROM absences WHERE student_id = ?1", [id])
        }
        .map_err(|e| error::sql(e, "mark absence"))?;
        if changed > 0 {
            audit::write(
                &tx,
                &station,
                &audit::Entry {
                    actor,
                    action: if absent {
                        "student_absent"
                    } else {
                        "student_recalled"
                    },
                    student_id: Some(id),
                    ..Default::default()
                },
            )?;
        }
        tx.commit().map_err(|e| error::sql(e, "commit absence"))?;
        Ok(())
    }
}
