//! Keyed MACs over the rows that decide what reaches the registrar: a photo's state and identity, and its
//! student's number, name and ID number. Every write through the store re-seals the row it changed; a row
//! edited with any other tool no longer verifies, and `queue verify`, upload and export refuse it.

use rusqlite::{Connection, OptionalExtension, params};

use super::{StoreError, error};
use crate::crypto::{DataKey, RecordKey};

const PHOTO_DOMAIN: &[u8] = b"photo row";
const STUDENT_DOMAIN: &[u8] = b"student row";

/// The fields of a photo row the MAC covers, as read from the database.
pub(super) const PHOTO_FIELDS: &str =
    "id, student_id, station_id, state, code_digest, jpeg_bytes, captured_at, superseded_by, mac";
/// The fields of a student row the MAC covers.
pub(super) const STUDENT_FIELDS: &str = "id, student_no, name, id_no_enc, mac";

/// A photo row's covered fields and stored MAC.
pub(super) struct PhotoRow {
    pub id: i64,
    pub student_id: i64,
    pub station_id: String,
    pub state: String,
    pub code_digest: Vec<u8>,
    pub jpeg_bytes: i64,
    pub captured_at: String,
    pub superseded_by: Option<i64>,
    pub mac: Option<Vec<u8>>,
}

impl PhotoRow {
    /// Reads [`PHOTO_FIELDS`] from a row selected with them, starting at column `at`.
    pub fn read(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<PhotoRow> {
        Ok(PhotoRow {
            id: r.get(at)?,
            student_id: r.get(at + 1)?,
            station_id: r.get(at + 2)?,
            state: r.get(at + 3)?,
            code_digest: r.get(at + 4)?,
            jpeg_bytes: r.get(at + 5)?,
            captured_at: r.get(at + 6)?,
            superseded_by: r.get(at + 7)?,
            mac: r.get(at + 8)?,
        })
    }

    fn mac(&self, rk: &RecordKey) -> [u8; 32] {
        let sup = self
            .superseded_by
            .map(|v| v.to_be_bytes().to_vec())
            .unwrap_or_default();
        rk.mac(
            PHOTO_DOMAIN,
            &[
                &self.id.to_be_bytes(),
                &self.student_id.to_be_bytes(),
                self.station_id.as_bytes(),
                self.state.as_bytes(),
                &self.code_digest,
                &self.jpeg_bytes.to_be_bytes(),
                self.captured_at.as_bytes(),
                &sup,
            ],
        )
    }

    /// `None` when the stored MAC matches; otherwise what is wrong.
    pub fn problem(&self, rk: &RecordKey) -> Option<String> {
        match &self.mac {
            Some(m) if m.as_slice() == self.mac(rk).as_slice() => None,
            Some(_) => Some(format!(
                "the photo record (state {}, student, station or capture time) was edited outside the station",
                self.state
            )),
            None => {
                Some("the photo record has no MAC (inserted or edited outside the station)".into())
            }
        }
    }
}

/// A student row's covered fields and stored MAC.
pub(super) struct StudentRow {
    pub id: i64,
    pub student_no: String,
    pub name: String,
    pub id_no_enc: Option<Vec<u8>>,
    pub mac: Option<Vec<u8>>,
}

impl StudentRow {
    /// Reads [`STUDENT_FIELDS`] starting at column `at`.
    pub fn read(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<StudentRow> {
        Ok(StudentRow {
            id: r.get(at)?,
            student_no: r.get(at + 1)?,
            name: r.get(at + 2)?,
            id_no_enc: r.get(at + 3)?,
            mac: r.get(at + 4)?,
        })
    }

    fn mac(&self, rk: &RecordKey) -> [u8; 32] {
        rk.mac(
            STUDENT_DOMAIN,
            &[
                &self.id.to_be_bytes(),
                self.student_no.as_bytes(),
                self.name.as_bytes(),
                self.id_no_enc.as_deref().unwrap_or(b"\0none"),
            ],
        )
    }

    /// `None` when the stored MAC matches; otherwise what is wrong.
    pub fn problem(&self, rk: &RecordKey) -> Option<String> {
        match &self.mac {
            Some(m) if m.as_slice() == self.mac(rk).as_slice() => None,
            Some(_) => Some(format!(
                "student {} {}: number, name or ID number was edited outside the station",
                self.student_no, self.name
            )),
            None => Some(format!(
                "student {} {} has no MAC (inserted or edited outside the station)",
                self.student_no, self.name
            )),
        }
    }
}

/// Recomputes and stores the MAC of photo `id` (call after every change to its row).
pub(super) fn seal_photo(conn: &Connection, key: &DataKey, id: i64) -> Result<(), StoreError> {
    let row = conn
        .query_row(
            &format!("SELECT {PHOTO_FIELDS} FROM photos WHERE id = ?1"),
            [id],
            |r| PhotoRow::read(r, 0),
        )
        .optional()
        .map_err(|e| error::sql(e, "read photo record"))?
        .ok_or(StoreError::PhotoNotFound(id))?;
    let mac = row.mac(&key.record_key());
    conn.execute(
        "UPDATE photos SET mac = ?1 WHERE id = ?2",
        params![mac.as_slice(), id],
    )
    .map_err(|e| error::sql(e, "seal photo record"))?;
    Ok(())
}

/// Recomputes and stores the MAC of student `id` (call after every change to its row).
pub(super) fn seal_student(conn: &Connection, key: &DataKey, id: i64) -> Result<(), StoreError> {
    let row = conn
        .query_row(
            &format!("SELECT {STUDENT_FIELDS} FROM students WHERE id = ?1"),
            [id],
            |r| StudentRow::read(r, 0),
        )
        .map_err(|e| error::sql(e, "read student record"))?;
    let mac = row.mac(&key.record_key());
    conn.execute(
        "UPDATE students SET mac = ?1 WHERE id = ?2",
        params![mac.as_slice(), id],
    )
    .map_err(|e| error::sql(e, "seal student record"))?;
    Ok(())
}

/// Seals every row of a database from before record MACs (run once, by the migration that added them).
pub(super) fn seal_all(conn: &Connection, key: &DataKey) -> Result<(), StoreError> {
    let ids = |sql: &str| -> Result<Vec<i64>, StoreError> {
        let mut stmt = conn.prepare(sql).map_err(|e| error::sql(e, "read ids"))?;
        stmt.query_map([], |r| r.get(0))
            .and_then(|rows| rows.collect::<Result<Vec<i64>, _>>())
            .map_err(|e| error::sql(e, "read ids"))
    };
    for id in ids("SELECT id FROM students")? {
        seal_student(conn, key, id)?;
    }
    for id in ids("SELECT id FROM photos")? {
        seal_photo(conn, key, id)?;
    }
    super::audit::rechain(conn, key)
}

/// Verifies the photo and student records of one photo, for upload and export: `Err` names the problem.
pub(super) fn check_photo_and_student(
    conn: &Connection,
    key: &DataKey,
    photo_id: i64,
) -> Result<Result<(), String>, StoreError> {
    let cols: String = STUDENT_FIELDS
        .split(", ")
        .map(|c| format!("s.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let pcols: String = PHOTO_FIELDS
        .split(", ")
        .map(|c| format!("p.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let (p, s) = conn
        .query_row(
            &format!(
                "SELECT {pcols}, {cols} FROM photos p JOIN students s ON s.id = p.student_id WHERE p.id = ?1"
            ),
            [photo_id],
            |r| Ok((PhotoRow::read(r, 0)?, StudentRow::read(r, 9)?)),
        )
        .optional()
        .map_err(|e| error::sql(e, "read photo record"))?
        .ok_or(StoreError::PhotoNotFound(photo_id))?;
    let rk = key.record_key();
    Ok(match p.problem(&rk).or_else(|| s.problem(&rk)) {
        Some(problem) => Err(problem),
        None => Ok(()),
    })
}
