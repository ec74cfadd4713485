//! The audit log: who did what, at which station, when and why. Its rows form a MAC chain (each row's MAC
//! covers the previous row's), and the chain's head is kept in `settings`, so an edited, inserted, deleted or
//! truncated row is found by `queue verify`.

use rusqlite::{Connection, OptionalExtension, params};

use super::{StoreError, error, kv, time};
use crate::crypto::{DataKey, RecordKey};

const ROW_DOMAIN: &[u8] = b"audit row";
const HEAD_DOMAIN: &[u8] = b"audit head";
/// `settings` key of the chain head: `<last row id>:<hex tag>`.
const HEAD_KEY: &str = "audit_head";

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

/// A stored audit row, as the MAC sees it.
struct Stored {
    id: i64,
    at: String,
    station_id: String,
    actor: String,
    action: String,
    photo_id: Option<i64>,
    student_id: Option<i64>,
    from_state: Option<String>,
    to_state: Option<String>,
    reason: Option<String>,
    mac: Option<Vec<u8>>,
}

const SELECT: &str = "SELECT id, at, station_id, actor, action, photo_id, student_id, from_state, to_state, reason, mac
                      FROM audit_log";

fn stored(r: &rusqlite::Row<'_>) -> rusqlite::Result<Stored> {
    Ok(Stored {
        id: r.get(0)?,
        at: r.get(1)?,
        station_id: r.get(2)?,
        actor: r.get(3)?,
        action: r.get(4)?,
        photo_id: r.get(5)?,
        student_id: r.get(6)?,
        from_state: r.get(7)?,
        to_state: r.get(8)?,
        reason: r.get(9)?,
        mac: r.get(10)?,
    })
}

fn opt_i(v: Option<i64>) -> Vec<u8> {
    v.map(|v| v.to_be_bytes().to_vec()).unwrap_or_default()
}

fn opt_s(v: &Option<String>) -> &[u8] {
    v.as_deref().map(str::as_bytes).unwrap_or(b"\0null")
}

fn row_mac(rk: &RecordKey, prev: &[u8], s: &Stored) -> [u8; 32] {
    rk.mac(
        ROW_DOMAIN,
        &[
            prev,
            &s.id.to_be_bytes(),
            s.at.as_bytes(),
            s.station_id.as_bytes(),
            s.actor.as_bytes(),
            s.action.as_bytes(),
            &opt_i(s.photo_id),
            &opt_i(s.student_id),
            opt_s(&s.from_state),
            opt_s(&s.to_state),
            opt_s(&s.reason),
        ],
    )
}

fn head_tag(rk: &RecordKey, id: i64, mac: &[u8]) -> [u8; 32] {
    rk.mac(HEAD_DOMAIN, &[&id.to_be_bytes(), mac])
}

fn write_head(conn: &Connection, rk: &RecordKey, id: i64, mac: &[u8]) -> Result<(), StoreError> {
    let value = format!("{id}:{}", hex::encode(head_tag(rk, id, mac)));
    kv::put(conn, HEAD_KEY, &value)
}

fn last_mac(conn: &Connection) -> Result<Vec<u8>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT mac FROM audit_log ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get::<_, Option<Vec<u8>>>(0),
        )
        .optional()
        .map_err(|e| error::sql(e, "read audit chain"))?
        .flatten()
        .unwrap_or_default())
}

/// Appends one audit row, chained to the previous one, inside the caller's transaction.
pub(super) fn write(
    conn: &Connection,
    key: &DataKey,
    station_id: &str,
    e: &Entry<'_>,
) -> Result<(), StoreError> {
    let prev = last_mac(conn)?;
    let at = time::now();
    conn.execute(
        "INSERT INTO audit_log (at, station_id, actor, action, photo_id, student_id, from_state, to_state, reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            at,
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
    let id = conn.last_insert_rowid();
    let row = Stored {
        id,
        at,
        station_id: station_id.into(),
        actor: e.actor.into(),
        action: e.action.into(),
        photo_id: e.photo_id,
        student_id: e.student_id,
        from_state: e.from_state.map(Into::into),
        to_state: e.to_state.map(Into::into),
        reason: e.reason.map(Into::into),
        mac: None,
    };
    let rk = key.record_key();
    let mac = row_mac(&rk, &prev, &row);
    conn.execute(
        "UPDATE audit_log SET mac = ?1 WHERE id = ?2",
        params![mac.as_slice(), id],
    )
    .map_err(|e| error::sql(e, "write audit row"))?;
    write_head(conn, &rk, id, &mac)
}

/// Recomputes the chain from the first row on, after a legitimate rewrite of old rows (sealing a database
/// from before record MACs, or unlinking removed demo students).
pub(super) fn rechain(conn: &Connection, key: &DataKey) -> Result<(), StoreError> {
    let rk = key.record_key();
    let rows: Vec<Stored> = {
        let mut stmt = conn
            .prepare(&format!("{SELECT} ORDER BY id"))
            .map_err(|e| error::sql(e, "read audit log"))?;
        stmt.query_map([], stored)
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| error::sql(e, "read audit log"))?
    };
    let mut prev: Vec<u8> = Vec::new();
    let mut stmt = conn
        .prepare("UPDATE audit_log SET mac = ?1 WHERE id = ?2")
        .map_err(|e| error::sql(e, "rechain audit log"))?;
    for row in &rows {
        let mac = row_mac(&rk, &prev, row);
        stmt.execute(params![mac.as_slice(), row.id])
            .map_err(|e| error::sql(e, "rechain audit log"))?;
        prev = mac.to_vec();
    }
    if let Some(last) = rows.last() {
        write_head(conn, &rk, last.id, &prev)?;
    }
    Ok(())
}

/// What walking the chain found.
pub(super) struct ChainReport {
    /// (row id, or 0 for the head; problem) for every break.
    pub bad: Vec<(i64, String)>,
    /// The photo ids the log names.
    pub photos: Vec<i64>,
}

/// Walks the chain and checks its head.
pub(super) fn check_chain(conn: &Connection, rk: &RecordKey) -> Result<ChainReport, StoreError> {
    let mut stmt = conn
        .prepare(&format!("{SELECT} ORDER BY id"))
        .map_err(|e| error::sql(e, "read audit log"))?;
    let mut rows = stmt
        .query([])
        .map_err(|e| error::sql(e, "read audit log"))?;
    let mut bad = Vec::new();
    let mut photos = Vec::new();
    let mut prev: Vec<u8> = Vec::new();
    let mut last: Option<(i64, Vec<u8>)> = None;
    while let Some(r) = rows.next().map_err(|e| error::sql(e, "read audit log"))? {
        let row = stored(r).map_err(|e| error::sql(e, "read audit log"))?;
        let expect = row_mac(rk, &prev, &row);
        match &row.mac {
            None => bad.push((
                row.id,
                "audit row has no MAC (inserted or edited outside the station)".into(),
            )),
            Some(m) if m.as_slice() == expect.as_slice() => {}
            Some(_) => bad.push((
                row.id,
                format!(
                    "audit row ({} {}) was edited, or a row before it was deleted",
                    row.action,
                    row.photo_id
                        .map(|p| format!("photo #{p}"))
                        .unwrap_or_default()
                ),
            )),
        }
        if let Some(p) = row.photo_id {
            photos.push(p);
        }
        // Chain on the stored MAC so one edited row is named once, not with every row after it.
        prev = row.mac.clone().unwrap_or_default();
        last = Some((row.id, prev.clone()));
    }
    let head = kv::get(conn, HEAD_KEY)?;
    let head_ok = match (&head, &last) {
        (Some(h), Some((id, mac))) => h
            .split_once(':')
            .and_then(|(hid, tag)| Some((hid.parse::<i64>().ok()?, hex::decode(tag).ok()?)))
            .is_some_and(|(hid, tag)| {
                hid == *id && rk.check(HEAD_DOMAIN, &[&id.to_be_bytes(), mac], &tag)
            }),
        (None, None) => true,
        _ => false,
    };
    if !head_ok {
        bad.push((
            0,
            "the audit log's last rows were deleted or its head was altered".into(),
        ));
    }
    Ok(ChainReport { bad, photos })
}
