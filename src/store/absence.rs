//! Absent students (缺席): marked at the station, out of the shooting queue, listed for recall.

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError, audit, error, time};

impl Store {
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
        let id = self
            .find_student(student_no)?
            .ok_or_else(|| StoreError::UnknownStudent {
                student_no: student_no.trim().into(),
            })?
            .id;
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
                &self.key,
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

impl Store {
    /// Removes the given (学号, 姓名) students — the bundled demo roster — and classes left empty, in one
    /// transaction. Refused, naming them, if any of them has a photo or a history beyond the import (e.g. was
    /// marked absent); the import's audit rows stay, unlinked from the removed made-up students;
    /// students whose name differs (a real student with the same number) are left alone. Returns how many
    /// were removed.
    pub fn remove_demo_students(
        &mut self,
        students: &[(String, String)],
        actor: &str,
    ) -> Result<usize, StoreError> {
        let station = self.station_id.clone();
        let tx = self
            .conn
            .transaction()
            .map_err(|e| error::sql(e, "begin"))?;
        let mut ids = Vec::new();
        let mut blocked = Vec::new();
        for (no, name) in students {
            let row: Option<(i64, bool)> = tx
                .query_row(
                    "SELECT s.id, EXISTS (SELECT 1 FROM photos p WHERE p.student_id = s.id)
                                OR EXISTS (SELECT 1 FROM audit_log a WHERE a.student_id = s.id
                                           AND a.action NOT IN ('student_added', 'student_updated'))
                     FROM students s WHERE s.student_no = ?1 AND s.name = ?2",
                    params![no, name],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(|e| error::sql(e, "find demo student"))?;
            match row {
                Some((_, true)) => blocked.push(format!("{no} {name}")),
                Some((id, false)) => ids.push((id, no.as_str())),
                None => {}
            }
        }
        if !blocked.is_empty() {
            return Err(StoreError::Invalid(format!(
                "these demo students already have photos or history and stay: {}; nothing was removed",
                blocked.join(", ")
            )));
        }
        for (id, _) in &ids {
            // The rows that recorded the import stay; only their link to the made-up student goes.
            tx.execute(
                "UPDATE audit_log SET student_id = NULL WHERE student_id = ?1",
                [id],
            )
            .map_err(|e| error::sql(e, "unlink demo student"))?;
            tx.execute("DELETE FROM students WHERE id = ?1", [id])
                .map_err(|e| error::sql(e, "remove demo student"))?;
        }
        tx.execute(
            "DELETE FROM classes WHERE id NOT IN (SELECT class_id FROM students)",
            [],
        )
        .map_err(|e| error::sql(e, "remove empty classes"))?;
        if !ids.is_empty() {
            audit::rechain(&tx, &self.key)?;
        }
        let removed: Vec<&str> = ids.iter().map(|(_, no)| *no).collect();
        let summary = format!("{} demo students removed: {}", ids.len(), removed.join(" "));
        audit::write(
            &tx,
            &self.key,
            &station,
            &audit::Entry {
                actor,
                action: "demo_roster_removed",
                reason: Some(&summary),
                ..Default::default()
            },
        )?;
        tx.commit().map_err(|e| error::sql(e, "commit"))?;
        Ok(ids.len())
    }
}
