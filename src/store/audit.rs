//! The audit log: who did what, at which station, when and why.

use rusqlite::{Connection, params};

use super::{StoreError, error, time};

/// One audit row; unset fields are stored as NULL.
#[derive(Default)]
pub(super) struct Entry<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub photo_id: Option<i64>,
    pub student_id: Option<i64>,
    pub from_state: Option<&'a str>,
    pub to_state: Option<&'a str>,
    pub reason: Option<&'a str>,
}

/// Appends one audit row inside the caller's transaction.
pub(super) fn write(conn: &Connection, station_id: &str, e: &Entry<'_>) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO audit_log (at, station_id, actor, action, photo_id, student_id, from_state, to_state, reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            time::now(),
            station_id,
            e.actor,
            e.action,
            e.photo_id,
            e.student_id,
            e.from_state,
            e.to_state,
            e.reason
        ],
    )
    .map_err(|e| error::sql(e, "write audit row"))?;
    Ok(())
}
