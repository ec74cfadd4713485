//! Read-only views of the queue: counts by state and filtered photo lists (no ciphertext is read).

use rusqlite::params;
use serde::Serialize;

use super::{ALL_STATES, PhotoState, Store, StoreError, error};

/// Counts for `queue stats`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct QueueStats {
    /// Current (not superseded) photos per state, every state listed.
    pub by_state: Vec<(PhotoState, u64)>,
    /// Photos replaced by a newer shot (kept in history).
    pub superseded: u64,
    /// Students known to the station.
    pub students: u64,
    /// Students with a current accepted photo.
    pub students_done: u64,
    /// Total size of current JPEGs in bytes.
    pub jpeg_bytes: u64,
}

/// Which photos `list_photos` returns.
#[derive(Debug, Clone, Default)]
pub struct PhotoFilter {
    /// Only this state.
    pub state: Option<PhotoState>,
    /// Include superseded photos.
    pub include_superseded: bool,
    /// At most this many rows (newest first when set).
    pub limit: Option<u32>,
}

/// One photo row for listings.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PhotoSummary {
    /// Photo id.
    pub id: i64,
    /// 学号.
    pub student_no: String,
    /// 姓名.
    pub name: String,
    /// 班级.
    pub class: String,
    /// Queue state.
    pub state: PhotoState,
    /// Station that took it.
    pub station_id: String,
    /// When it was captured (UTC, RFC 3339).
    pub captured_at: String,
    /// JPEG size in bytes.
    pub jpeg_bytes: u64,
    /// Checker verdict, if any.
    pub verdict_pass: Option<bool>,
    /// The photo that replaced this one.
    pub superseded_by: Option<i64>,
}

impl Store {
    /// Counts photos by state.
    pub fn queue_stats(&self) -> Result<QueueStats, StoreError> {
        let mut counts = std::collections::HashMap::new();
        let mut jpeg_bytes = 0u64;
        {
            let mut stmt = self
                .conn
                .prepare_cached(
                    "SELECT state, COUNT(*), COALESCE(SUM(jpeg_bytes), 0) FROM photos
                     WHERE superseded_by IS NULL GROUP BY state",
                )
                .map_err(|e| error::sql(e, "count photos"))?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, u64>(1)?,
                        r.get::<_, u64>(2)?,
                    ))
                })
                .map_err(|e| error::sql(e, "count photos"))?;
            for row in rows {
                let (state, n, bytes) = row.map_err(|e| error::sql(e, "count photos"))?;
                if let Some(s) = PhotoState::parse(&state) {
                    counts.insert(s, n);
                }
                jpeg_bytes += bytes;
            }
        }
        let one = |sql: &str| -> Result<u64, StoreError> {
            self.conn
                .query_row(sql, [], |r| r.get(0))
                .map_err(|e| error::sql(e, "count"))
        };
        Ok(QueueStats {
            by_state: ALL_STATES
                .iter()
                .map(|s| (*s, counts.get(s).copied().unwrap_or(0)))
                .collect(),
            superseded: one("SELECT COUNT(*) FROM photos WHERE superseded_by IS NOT NULL")?,
            students: one("SELECT COUNT(*) FROM students")?,
            students_done: one(
                "SELECT COUNT(DISTINCT student_id) FROM photos WHERE superseded_by IS NULL
                 AND state IN ('accepted', 'override_accepted', 'uploaded')",
            )?,
            jpeg_bytes,
        })
    }

    /// Lists photos (metadata only), oldest first, or newest first when `limit` is set.
    pub fn list_photos(&self, filter: &PhotoFilter) -> Result<Vec<PhotoSummary>, StoreError> {
        let order = if filter.limit.is_some() {
            "DESC"
        } else {
            "ASC"
        };
        let sql = format!(
            "SELECT p.id, s.student_no, s.name, c.name, p.state, p.station_id, p.captured_at, p.jpeg_bytes,
                    p.verdict_pass, p.superseded_by
             FROM photos p JOIN students s ON s.id = p.student_id JOIN classes c ON c.id = s.class_id
             WHERE (?1 IS NULL OR p.state = ?1) AND (?2 OR p.superseded_by IS NULL)
             ORDER BY p.id {order} LIMIT ?3"
        );
        let mut stmt = self
            .conn
            .prepare_cached(&sql)
            .map_err(|e| error::sql(e, "list photos"))?;
        let limit = filter.limit.map(i64::from).unwrap_or(-1);
        let rows = stmt
            .query_map(
                params![
                    filter.state.map(|s| s.as_str()),
                    filter.include_superseded,
                    limit
                ],
                |r| {
                    let state: String = r.get(4)?;
                    Ok(PhotoSummary {
                        id: r.get(0)?,
                        student_no: r.get(1)?,
                        name: r.get(2)?,
                        class: r.get(3)?,
                        state: PhotoState::parse(&state).unwrap_or(PhotoState::Captured),
                        station_id: r.get(5)?,
                        captured_at: r.get(6)?,
                        jpeg_bytes: r.get(7)?,
                        verdict_pass: r.get(8)?,
                        superseded_by: r.get(9)?,
                    })
                },
            )
            .map_err(|e| error::sql(e, "list photos"))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| error::sql(e, "list photos"))
    }
}
