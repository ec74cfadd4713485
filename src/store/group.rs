//! The station group in the store: membership (the group secret sealed under the data key), what this
//! station publishes (derived from its audit log, plus claims), the events merged from other stations, and
//! the questions the workflow asks of them (accepted elsewhere? code bound elsewhere? claimed elsewhere?).

use std::collections::HashMap;

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError, error, kv, time};
use crate::crypto;
use crate::group::{Event, GroupKey, RosterEntry};

const MEMBERSHIP: &str = "group_membership";
const MEMBERSHIP_AAD: &[u8] = b"capture-station group membership v1";
const PUBLISHED: &str = "group_published_audit";
const SEQ: &str = "group_seq";
/// A claim counts for this long.
pub const CLAIM_SECONDS: i64 = 60;

/// Where another station has a student.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Elsewhere {
    /// The other station.
    pub station: String,
    /// When (RFC 3339).
    pub at: String,
    /// `accepted` (photographed there) or `claimed` (called up there within the last minute).
    pub what: &'static str,
}

/// One other station as this one last heard of it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PeerStatus {
    /// Station id.
    pub station: String,
    /// Segments merged from it.
    pub segments: i64,
    /// When its last segment was merged.
    pub last_seen: Option<String>,
    /// Why its last bad segment was refused.
    pub refused: Option<String>,
}

/// Combined progress of one class across the group.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct GroupClassProgress {
    /// 班级 (empty for the whole roster).
    pub class: String,
    /// Students.
    pub total: u64,
    /// With an accepted photo at some station.
    pub accepted: u64,
    /// Accepted photos by station.
    pub by_station: std::collections::BTreeMap<String, u64>,
    /// Not yet accepted anywhere.
    pub missing: u64,
}

/// Combined progress of the group: per class, and overall.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct GroupProgress {
    /// Per class, in shooting order.
    pub classes: Vec<GroupClassProgress>,
    /// The whole roster.
    pub overall: GroupClassProgress,
}

/// A student accepted at two stations (while they could not see each other).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GroupConflict {
    /// 学号.
    pub student_no: String,
    /// Stations with an accepted photo, with when.
    pub stations: Vec<(String, String)>,
}

/// An event as a `group_events` row: kind, student, code digest, photo id, state, time.
type EventRow<'a> = (
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
    Option<i64>,
    Option<&'a str>,
    String,
);

/// What [`Store::group_pending`] found: the events, the segment number, and the (audit, outbox) marks.
pub type Pending = (Vec<Event>, u64, (i64, i64));

const ACCEPTED_STATES: &str = "('accepted', 'override_accepted', 'uploaded', 'purged')";

/// Students whose photo at another station is, by its latest state there, accepted: (学号, station, when).
fn accepted_elsewhere(
    conn: &rusqlite::Connection,
    student_no: Option<&str>,
) -> Result<Vec<(String, String, String)>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT g.student_no, g.station, g.at, g.state FROM group_events g
             JOIN (SELECT station, photo_id, MAX(at) AS last FROM group_events
                   WHERE kind = 'state' AND (?1 IS NULL OR student_no = ?1) GROUP BY station, photo_id) l
               ON l.station = g.station AND l.photo_id = g.photo_id AND l.last = g.at
             WHERE g.kind = 'state' AND (?1 IS NULL OR g.student_no = ?1)
             ORDER BY g.at",
        )
        .map_err(|e| error::sql(e, "read group"))?;
    let rows = stmt
        .query_map([student_no], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })
        .map_err(|e| error::sql(e, "read group"))?;
    let mut out = Vec::new();
    for row in rows {
        let (no, station, at, state) = row.map_err(|e| error::sql(e, "read group"))?;
        if ["accepted", "override_accepted", "uploaded", "purged"].contains(&state.as_str()) {
            out.push((no, station, at));
        }
    }
    Ok(out)
}

/// Queues an event for the next publish.
pub(super) fn queue_event(conn: &rusqlite::Connection, event: &Event) -> Result<(), StoreError> {
    let json = serde_json::to_string(event).map_err(|e| StoreError::Invalid(e.to_string()))?;
    conn.execute("INSERT INTO group_outbox (event) VALUES (?1)", [json])
        .map_err(|e| error::sql(e, "queue group event"))?;
    Ok(())
}

impl Store {
    /// Joins a group (replacing any earlier membership).
    pub fn join_group(&mut self, group: &GroupKey, actor: &str) -> Result<(), StoreError> {
        let sealed = crypto::seal(&self.key, MEMBERSHIP_AAD, &group.to_bytes())?;
        let tx = self
            .conn
            .transaction()
            .map_err(|e| error::sql(e, "begin"))?;
        kv::put(&tx, MEMBERSHIP, &hex::encode(sealed))?;
        super::audit::write(
            &tx,
            &self.key,
            &self.station_id,
            &super::audit::Entry {
                actor,
                action: "group_joined",
                reason: Some(&group.group_id),
                ..Default::default()
            },
        )?;
        tx.commit().map_err(|e| error::sql(e, "commit"))
    }

    /// The group this station belongs to, if any.
    pub fn group(&self) -> Result<Option<GroupKey>, StoreError> {
        let Some(hexed) = kv::get(&self.conn, MEMBERSHIP)? else {
            return Ok(None);
        };
        let blob = hex::decode(hexed.trim()).map_err(|_| StoreError::DamagedKey)?;
        let plain = crypto::open(&self.key, MEMBERSHIP_AAD, &blob)?;
        GroupKey::from_bytes(&plain)
            .map(Some)
            .ok_or(StoreError::DamagedKey)
    }

    /// Queues a claim of `student_no` (the photographer called them up) for the next publish.
    pub fn group_claim(&self, student_no: &str) -> Result<(), StoreError> {
        queue_event(
            &self.conn,
            &Event::Claimed {
                student_no: student_no.to_string(),
                at: time::now(),
            },
        )
    }

    /// What this station has to tell the group since its last publish: events derived from its audit log
    /// (rosters it imported itself, codes bound, photo states, absences) and queued claims. Returns the
    /// events, the segment number to use and the marks to pass to [`Store::group_published`].
    pub fn group_pending(&self, group: &GroupKey) -> Result<Pending, StoreError> {
        let from: i64 = kv::get(&self.conn, PUBLISHED)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let seq: u64 = kv::get(&self.conn, SEQ)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
            + 1;
        let mut events = Vec::new();
        let mut stmt = self
            .conn
            .prepare(
                "SELECT a.id, a.at, a.actor, a.action, a.photo_id, a.to_state, s.student_no, a.reason
                 FROM audit_log a LEFT JOIN students s ON s.id = a.student_id
                 WHERE a.id > ?1 ORDER BY a.id",
            )
            .map_err(|e| error::sql(e, "read audit log"))?;
        type Row = (
            i64,
            String,
            String,
            String,
            Option<i64>,
            Option<String>,
            Option<String>,
        );
        let rows: Vec<Row> = stmt
            .query_map([from], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })
            .and_then(|rows| rows.collect())
            .map_err(|e| error::sql(e, "read audit log"))?;
        let mut last_audit = from;
        for (id, at, actor, action, photo_id, to_state, student_no) in rows {
            last_audit = id;
            let Some(no) = student_no.clone() else {
                if action == "roster_imported" && !actor.starts_with("group:") {
                    events.push(self.roster_event()?);
                }
                continue;
            };
            match action.as_str() {
                "photo_captured" => {
                    if let Some(pid) = photo_id {
                        let code = self.photo_code(pid)?;
                        events.push(Event::CodeBound {
                            digest: group.code_digest(&code),
                            student_no: no,
                            at,
                        });
                    }
                }
                "photo_state" | "photo_uploaded" => {
                    if let (Some(pid), Some(state)) = (photo_id, to_state) {
                        events.push(Event::PhotoState {
                            student_no: no,
                            photo_id: pid,
                            state,
                            at,
                        });
                    }
                }
                "student_absent" | "student_recalled" => events.push(Event::Absence {
                    student_no: no,
                    absent: action == "student_absent",
                    at,
                }),
                _ => {}
            }
        }
        let mut outbox = self
            .conn
            .prepare("SELECT id, event FROM group_outbox ORDER BY id")
            .map_err(|e| error::sql(e, "read group outbox"))?;
        let queued: Vec<(i64, String)> = outbox
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .and_then(|rows| rows.collect())
            .map_err(|e| error::sql(e, "read group outbox"))?;
        let mut last_outbox = 0;
        for (id, json) in queued {
            last_outbox = id;
            if let Ok(e) = serde_json::from_str::<Event>(&json) {
                events.push(e);
            }
        }
        Ok((events, seq, (last_audit, last_outbox)))
    }

    /// Records that segment `seq` holding everything up to `marks` was written to the journal.
    pub fn group_published(&self, seq: u64, marks: (i64, i64)) -> Result<(), StoreError> {
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(|e| error::sql(e, "begin"))?;
        kv::put(&tx, PUBLISHED, &marks.0.to_string())?;
        kv::put(&tx, SEQ, &seq.to_string())?;
        tx.execute("DELETE FROM group_outbox WHERE id <= ?1", [marks.1])
            .map_err(|e| error::sql(e, "clear group outbox"))?;
        tx.commit().map_err(|e| error::sql(e, "commit"))
    }

    fn photo_code(&self, photo_id: i64) -> Result<String, StoreError> {
        let (student_id, enc): (i64, Vec<u8>) = self
            .conn
            .query_row(
                "SELECT student_id, code_enc FROM photos WHERE id = ?1",
                [photo_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(|e| error::sql(e, "read photo code"))?;
        let plain = crypto::open(
            &self.key,
            &super::photos::code_aad(photo_id, student_id),
            &enc,
        )?;
        Ok(String::from_utf8_lossy(&plain).into_owned())
    }

    fn roster_event(&self) -> Result<Event, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT s.student_no, s.name, c.name, s.school, s.major, s.status FROM students s
                 JOIN classes c ON c.id = s.class_id WHERE s.source = 'roster' ORDER BY s.file_order, s.id",
            )
            .map_err(|e| error::sql(e, "read roster"))?;
        type Row = (
            String,
            String,
            String,
            Option<String>,
            Option<String>,
            String,
        );
        let rows: Vec<Row> = stmt
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })
            .and_then(|rows| rows.collect())
            .map_err(|e| error::sql(e, "read roster"))?;
        let mut out = Vec::with_capacity(rows.len());
        for (no, name, class, school, major, status) in rows {
            out.push(RosterEntry {
                id_no: self.student_id_no(&no)?.map(|s| s.to_string()),
                student_no: no,
                name,
                class,
                school,
                major,
                status: super::StudentStatus::parse(&status),
                code: None,
            });
        }
        Ok(Event::Roster {
            file: format!("{} roster", self.station_id),
            rows: out,
        })
    }

    /// The last segment number merged from `station`, and the key pinned for it (first seen).
    pub fn group_peer(&self, station: &str) -> Result<Option<(u64, String)>, StoreError> {
        self.conn
            .query_row(
                "SELECT last_seq, public_key FROM group_stations WHERE station = ?1",
                [station],
                |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?)),
            )
            .optional()
            .map_err(|e| error::sql(e, "read group station"))
    }

    /// Merges a verified segment of another station: its events (idempotent), its seq and key.
    pub fn group_merge(
        &self,
        station: &str,
        seq: u64,
        public_key: &str,
        events: &[Event],
    ) -> Result<(), StoreError> {
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(|e| error::sql(e, "begin"))?;
        {
            let mut ins = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO group_events (station, seq, idx, kind, student_no, digest, photo_id, state, at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )
                .map_err(|e| error::sql(e, "merge group events"))?;
            for (i, e) in events.iter().enumerate() {
                let (kind, no, digest, pid, state, at): EventRow<'_> = match e {
                    Event::Roster { .. } => ("roster", None, None, None, None, time::now()),
                    Event::Claimed { student_no, at } => {
                        ("claimed", Some(student_no), None, None, None, at.clone())
                    }
                    Event::CodeBound {
                        digest,
                        student_no,
                        at,
                    } => (
                        "code",
                        Some(student_no),
                        Some(digest),
                        None,
                        None,
                        at.clone(),
                    ),
                    Event::PhotoState {
                        student_no,
                        photo_id,
                        state,
                        at,
                    } => (
                        "state",
                        Some(student_no),
                        None,
                        Some(*photo_id),
                        Some(state),
                        at.clone(),
                    ),
                    Event::Absence {
                        student_no,
                        absent,
                        at,
                    } => (
                        "absence",
                        Some(student_no),
                        None,
                        None,
                        Some(if *absent { "absent" } else { "recalled" }),
                        at.clone(),
                    ),
                };
                ins.execute(params![
                    station, seq as i64, i as i64, kind, no, digest, pid, state, at
                ])
                .map_err(|e| error::sql(e, "merge group events"))?;
            }
        }
        tx.execute(
            "INSERT INTO group_stations (station, public_key, last_seq, last_seen) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(station) DO UPDATE SET last_seq = MAX(last_seq, excluded.last_seq),
                 last_seen = excluded.last_seen, refused = NULL",
            params![station, public_key, seq as i64, time::now()],
        )
        .map_err(|e| error::sql(e, "record group station"))?;
        tx.commit().map_err(|e| error::sql(e, "commit"))
    }

    /// Records why a segment of `station` was refused (shown in `group status`).
    pub fn group_refused(&self, station: &str, why: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO group_stations (station, public_key, refused) VALUES (?1, '', ?2)
                 ON CONFLICT(station) DO UPDATE SET refused = excluded.refused",
                params![station, why],
            )
            .map_err(|e| error::sql(e, "record group refusal"))?;
        Ok(())
    }

    /// The other stations as last heard of.
    pub fn group_peers(&self) -> Result<Vec<PeerStatus>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT station, last_seq, last_seen, refused FROM group_stations ORDER BY station",
            )
            .map_err(|e| error::sql(e, "read group stations"))?;
        stmt.query_map([], |r| {
            Ok(PeerStatus {
                station: r.get(0)?,
                segments: r.get(1)?,
                last_seen: r.get(2)?,
                refused: r.get(3)?,
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| error::sql(e, "read group stations"))
    }

    /// Where another station has `student_no`: accepted there (latest state of one of its photos), or
    /// claimed there within the last minute.
    pub fn group_elsewhere(&self) -> Result<HashMap<String, Elsewhere>, StoreError> {
        let mut out = HashMap::new();
        for (no, station, at) in accepted_elsewhere(&self.conn, None)? {
            out.entry(no).or_insert(Elsewhere {
                station,
                at,
                what: "accepted",
            });
        }
        let since = time::before_now(CLAIM_SECONDS);
        let mut stmt = self
            .conn
            .prepare_cached("SELECT student_no, station, MAX(at) FROM group_events WHERE kind = 'claimed' AND at > ?1 GROUP BY student_no")
            .map_err(|e| error::sql(e, "read group claims"))?;
        let rows = stmt
            .query_map([since], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .map_err(|e| error::sql(e, "read group claims"))?;
        for row in rows {
            let (no, station, at) = row.map_err(|e| error::sql(e, "read group claims"))?;
            out.entry(no).or_insert(Elsewhere {
                station,
                at,
                what: "claimed",
            });
        }
        Ok(out)
    }

    /// The station where `student_no` has an accepted photo (and when), if another station has one.
    pub fn group_accepted_at(
        &self,
        student_no: &str,
    ) -> Result<Option<(String, String)>, StoreError> {
        Ok(accepted_elsewhere(&self.conn, Some(student_no))?
            .into_iter()
            .next()
            .map(|(_, station, at)| (station, at)))
    }

    /// The station and student another station bound `code` to, if any.
    pub fn group_code_owner(&self, code: &str) -> Result<Option<(String, String)>, StoreError> {
        let Some(group) = self.group()? else {
            return Ok(None);
        };
        let digest = group.code_digest(code);
        self.conn
            .query_row(
                "SELECT station, student_no FROM group_events WHERE kind = 'code' AND digest = ?1 ORDER BY at LIMIT 1",
                [digest],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| error::sql(e, "read group codes"))
    }

    /// Progress across the group, per class and per station (this station's accepted photos and those the
    /// others published).
    pub fn group_progress(&self) -> Result<GroupProgress, StoreError> {
        let queue = self.shooting_queue(None)?;
        // A student accepted at several stations (while they were apart) counts for the earliest acceptance,
        // so every station computes the same numbers.
        let mut first: HashMap<String, (String, String)> = HashMap::new();
        let mut note = |no: String, station: String, at: String| {
            let e = first
                .entry(no)
                .or_insert_with(|| (at.clone(), station.clone()));
            if (at.as_str(), station.as_str()) < (e.0.as_str(), e.1.as_str()) {
                *e = (at, station);
            }
        };
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT s.student_no, (SELECT MIN(a.at) FROM audit_log a WHERE a.photo_id = p.id
                                       AND a.to_state IN {ACCEPTED_STATES})
                 FROM photos p JOIN students s ON s.id = p.student_id
                 WHERE p.superseded_by IS NULL AND p.state IN {ACCEPTED_STATES}"
            ))
            .map_err(|e| error::sql(e, "read accepted photos"))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
            })
            .map_err(|e| error::sql(e, "read accepted photos"))?;
        for row in rows {
            let (no, at) = row.map_err(|e| error::sql(e, "read accepted photos"))?;
            note(no, self.station_id.clone(), at.unwrap_or_default());
        }
        for (no, station, at) in accepted_elsewhere(&self.conn, None)? {
            note(no, station, at);
        }
        let mut out = GroupProgress::default();
        for e in &queue {
            if out.classes.last().is_none_or(|c| c.class != e.class) {
                out.classes.push(GroupClassProgress {
                    class: e.class.clone(),
                    ..Default::default()
                });
            }
            let station = first.get(&e.student_no).map(|(_, s)| s.clone());
            for c in [out.classes.last_mut(), Some(&mut out.overall)]
                .into_iter()
                .flatten()
            {
                c.total += 1;
                match &station {
                    Some(s) => {
                        c.accepted += 1;
                        *c.by_station.entry(s.clone()).or_default() += 1;
                    }
                    None => c.missing += 1,
                }
            }
        }
        Ok(out)
    }

    /// Resolves a conflict for the supervisor: the photo accepted at another station is kept, and this
    /// station's accepted photo of `student_no` becomes `reshoot_requested` (it is not uploaded; the student
    /// stays done because the other station has them). Audited and published like any state change. A photo
    /// already uploaded cannot be withdrawn here: the registrar's `unpack` then keeps the later capture and
    /// lists the other as a conflict.
    pub fn group_keep_other(
        &mut self,
        student_no: &str,
        actor: &str,
    ) -> Result<String, StoreError> {
        let (station, _) = self.group_accepted_at(student_no)?.ok_or_else(|| {
            StoreError::Invalid(format!(
                "{student_no} has no accepted photo at another station; nothing to resolve"
            ))
        })?;
        let current: Option<(i64, String, i64)> = self
            .conn
            .query_row(
                "SELECT p.id, p.state, p.student_id FROM photos p JOIN students s ON s.id = p.student_id
                 WHERE s.student_no = ?1 AND p.superseded_by IS NULL ORDER BY p.id DESC LIMIT 1",
                [student_no],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(|e| error::sql(e, "read photo"))?;
        let Some((photo_id, state, student_id)) = current else {
            return Err(StoreError::Invalid(format!(
                "{student_no} has no photo at this station"
            )));
        };
        if state != "accepted" && state != "override_accepted" {
            return Err(StoreError::Invalid(format!(
                "photo #{photo_id} of {student_no} is {state}: only a photo not yet uploaded can give way"
            )));
        }
        let reason = format!("group conflict: the photo accepted at station {station} is kept");
        let tx = self
            .conn
            .transaction()
            .map_err(|e| error::sql(e, "begin"))?;
        tx.execute(
            "UPDATE photos SET state = 'reshoot_requested', updated_at = ?1 WHERE id = ?2",
            params![time::now(), photo_id],
        )
        .map_err(|e| error::sql(e, "update photo state"))?;
        super::records::seal_photo(&tx, &self.key, photo_id)?;
        super::audit::write(
            &tx,
            &self.key,
            &self.station_id,
            &super::audit::Entry {
                actor,
                action: "photo_state",
                photo_id: Some(photo_id),
                student_id: Some(student_id),
                from_state: Some(&state),
                to_state: Some("reshoot_requested"),
                reason: Some(&reason),
            },
        )?;
        tx.commit().map_err(|e| error::sql(e, "commit"))?;
        Ok(station)
    }

    /// Students accepted at more than one station (this one included), for the supervisor.
    pub fn group_conflicts(&self) -> Result<Vec<GroupConflict>, StoreError> {
        let mut by: HashMap<String, Vec<(String, String)>> = HashMap::new();
        for (no, e) in self.group_elsewhere()? {
            if e.what == "accepted" {
                by.entry(no).or_default().push((e.station, e.at));
            }
        }
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT s.student_no, p.captured_at FROM photos p JOIN students s ON s.id = p.student_id
                 WHERE p.superseded_by IS NULL AND p.state IN {ACCEPTED_STATES}"
            ))
            .map_err(|e| error::sql(e, "read accepted photos"))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(|e| error::sql(e, "read accepted photos"))?;
        let mut out = Vec::new();
        for row in rows {
            let (no, at) = row.map_err(|e| error::sql(e, "read accepted photos"))?;
            if let Some(others) = by.get(&no) {
                let mut stations = vec![(self.station_id.clone(), at)];
                stations.extend(others.iter().cloned());
                out.push(GroupConflict {
                    student_no: no,
                    stations,
                });
            }
        }
        out.sort_by(|a, b| a.student_no.cmp(&b.student_no));
        Ok(out)
    }
}
