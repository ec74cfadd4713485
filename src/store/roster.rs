//! Roster import (all-or-nothing upsert), shooting order, the next student and progress per class.
//!
//! Import rules (see also `crate::roster`):
//! - the file is checked first ([`crate::roster::parse_grids`]); then, inside one `BEGIN IMMEDIATE`
//!   transaction, against what is loaded; any error and the transaction is rolled back, so nothing is written;
//! - a student number already loaded is the same student: changed name, class, status, school, major, ID number
//!   or collection code are updated and reported field by field (ID numbers masked, codes never shown);
//! - except when **both** the name and the class differ: that is reported as an error
//!   ([`ProblemKind::StudentNoTaken`]), since it is far more often a typo in the student number than a student
//!   who changed name and class at once; fix the file, or change one of them at a time;
//! - an ID number or collection code that belongs to another loaded student is an error, unless the same file
//!   gives that student a different one (a correction or a swap);
//! - a walk-in student found on the roster becomes a roster student;
//! - students of the file's classes who are missing from the file are reported, never deleted; photos are never
//!   touched by an import.

use std::collections::{HashMap, HashSet};

use rusqlite::{Transaction, TransactionBehavior, params};
use serde::Serialize;

use super::students::{class_id, id_no_aad, id_no_tail};
use super::{OnStep, PhotoState, Store, StoreError, StudentStatus, audit, error, records, time};
use crate::crypto;
use crate::roster::columns::Field;
use crate::roster::id_no;
use crate::roster::order::cmp_in_class;
use crate::roster::parse::{ParsedRoster, RosterRow};
use crate::roster::report::{
    FieldChange, ImportReport, Problem, ProblemKind, Severity, StudentChange, StudentLine,
};
use crate::roster::text::Text;

/// One student in shooting order, with the state of their current photo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueueEntry {
    /// 1-based position in the whole shooting order (or in the class, for a class queue).
    pub position: usize,
    /// 学号.
    pub student_no: String,
    /// 姓名 (in full).
    pub name: String,
    /// 班级.
    pub class: String,
    /// Status (`normal`, `held_back`, `repeating`).
    pub status: StudentStatus,
    /// 学院.
    pub school: Option<String>,
    /// 专业.
    pub major: Option<String>,
    /// Masked ID number (`****8746`).
    pub id_no_masked: Option<String>,
    /// State of the current photo; `None` if never photographed.
    pub photo_state: Option<PhotoState>,
    /// The current photo.
    pub photo_id: Option<i64>,
    /// True if the student still has to be photographed: no photo yet, or a re-shoot was requested.
    pub needs_photo: bool,
    /// Marked absent (缺席) at the station: out of the shooting order until recalled.
    pub absent: bool,
    /// Accepted at another station of the group, or called up there within the last minute: out of this
    /// station's order.
    pub elsewhere: Option<super::Elsewhere>,
}

/// Counts for one class or the whole roster. `accepted + awaiting_review + reshoot_requested +
/// not_photographed == total`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProgressCounts {
    /// Students.
    pub total: u64,
    /// With an accepted photo (accepted, override-accepted, uploaded or purged after upload).
    pub accepted: u64,
    /// With a rejected (or just captured) photo awaiting the supervisor.
    pub awaiting_review: u64,
    /// Re-shoot requested.
    pub reshoot_requested: u64,
    /// Not yet photographed.
    pub not_photographed: u64,
}

impl ProgressCounts {
    fn add(&mut self, state: Option<PhotoState>, n: u64) {
        self.total += n;
        let slot = match state {
            None => &mut self.not_photographed,
            Some(PhotoState::ReshootRequested) => &mut self.reshoot_requested,
            Some(PhotoState::Captured | PhotoState::Rejected) => &mut self.awaiting_review,
            Some(
                PhotoState::Accepted
                | PhotoState::OverrideAccepted
                | PhotoState::Uploaded
                | PhotoState::Purged,
            ) => &mut self.accepted,
        };
        *slot += n;
    }
}

/// Progress of one class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClassProgress {
    /// 班级.
    pub class: String,
    /// Counts.
    #[serde(flatten)]
    pub counts: ProgressCounts,
}

/// Progress per class (in class order) and overall.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// Per class.
    pub classes: Vec<ClassProgress>,
    /// All classes.
    pub overall: ProgressCounts,
}

/// A class in shooting order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClassInfo {
    /// 班级.
    pub name: String,
    /// Position (1-based).
    pub position: usize,
    /// 学院.
    pub school: Option<String>,
    /// 专业.
    pub major: Option<String>,
    /// Students in the class.
    pub students: u64,
}

struct Existing {
    id: i64,
    name: String,
    class: String,
    status: StudentStatus,
    school: Option<String>,
    major: Option<String>,
    id_no_enc: Option<Vec<u8>>,
    code_digest: Option<Vec<u8>>,
    walk_in: bool,
}

fn status_word(s: StudentStatus) -> String {
    match s {
        StudentStatus::Normal => "正常/normal".into(),
        other => format!("{}/{}", other.zh(), other.as_str()),
    }
}

/// A planned write for one file row.
enum Plan {
    Add,
    Update {
        id: i64,
        changes: Vec<FieldChange>,
    },
    Same,
    /// The row has a problem against the store (reported); nothing is written.
    Refused,
}

fn load_existing(tx: &Transaction<'_>) -> Result<HashMap<String, Existing>, StoreError> {
    let mut stmt = tx
        .prepare(
            "SELECT s.student_no, s.id, s.name, c.name, s.status, s.school, s.major, s.id_no_enc, s.code_digest,
                    s.source
             FROM students s JOIN classes c ON c.id = s.class_id",
        )
        .map_err(|e| error::sql(e, "read students"))?;
    let rows = stmt
        .query_map([], |r| {
            let status: String = r.get(4)?;
            let source: String = r.get(9)?;
            Ok((
                r.get::<_, String>(0)?,
                Existing {
                    id: r.get(1)?,
                    name: r.get(2)?,
                    class: r.get(3)?,
                    status: StudentStatus::parse(&status).unwrap_or(StudentStatus::Normal),
                    school: r.get(5)?,
                    major: r.get(6)?,
                    id_no_enc: r.get(7)?,
                    code_digest: r.get(8)?,
                    walk_in: source == "walk_in",
                },
            ))
        })
        .map_err(|e| error::sql(e, "read students"))?;
    rows.collect::<Result<HashMap<_, _>, _>>()
        .map_err(|e| error::sql(e, "read students"))
}

/// Students whose current photo was accepted (accepted, override-accepted, uploaded or purged).
fn photographed_students(tx: &Transaction<'_>) -> Result<HashSet<i64>, StoreError> {
    let mut stmt = tx
        .prepare(
            "SELECT DISTINCT student_id FROM photos WHERE superseded_by IS NULL
             AND state IN ('accepted', 'override_accepted', 'uploaded', 'purged')",
        )
        .map_err(|e| error::sql(e, "read photographed students"))?;
    let rows = stmt
        .query_map([], |r| r.get(0))
        .map_err(|e| error::sql(e, "read photographed students"))?;
    rows.collect::<Result<HashSet<i64>, _>>()
        .map_err(|e| error::sql(e, "read photographed students"))
}

fn photo_code_owners(tx: &Transaction<'_>) -> Result<HashMap<Vec<u8>, String>, StoreError> {
    let mut stmt = tx
        .prepare(
            "SELECT DISTINCT p.code_digest, s.student_no FROM photos p JOIN students s ON s.id = p.student_id",
        )
        .map_err(|e| error::sql(e, "read photo codes"))?;
    let rows = stmt
        .query_map([], |r| {
            Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, String>(1)?))
        })
        .map_err(|e| error::sql(e, "read photo codes"))?;
    rows.collect::<Result<HashMap<_, _>, _>>()
        .map_err(|e| error::sql(e, "read photo codes"))
}

fn line(r: &RosterRow) -> StudentLine {
    StudentLine {
        student_no: r.student_no.clone(),
        name: r.name.clone(),
        class: r.class.clone(),
        sheet: r.sheet.clone(),
        row: Some(r.row),
    }
}

fn row_problem(
    roster: &ParsedRoster,
    r: &RosterRow,
    field: Field,
    kind: ProblemKind,
    message: Text,
) -> Problem {
    let col = roster
        .sheets
        .iter()
        .find(|s| s.sheet == r.sheet)
        .and_then(|s| s.columns.iter().find(|c| c.field == field));
    Problem {
        severity: Severity::Error,
        kind,
        file: roster.file.clone(),
        sheet: r.sheet.clone(),
        row: Some(r.row),
        column: col.map(|c| c.header.clone()),
        column_letter: col.map(|c| c.letter.clone()),
        message,
    }
}

fn opt_change(field: &str, old: &Option<String>, new: &Option<String>) -> Option<FieldChange> {
    match new {
        Some(n) if old.as_ref() != Some(n) => Some(FieldChange {
            field: field.into(),
            old: old.clone().unwrap_or_default(),
            new: n.clone(),
        }),
        _ => None,
    }
}

impl Store {
    /// Checks a parsed roster against the store and, unless `dry_run` or any error was found, writes it in one
    /// transaction. The report lists problems, additions, changes and students missing from the file.
    pub fn import_roster(
        &mut self,
        roster: &ParsedRoster,
        dry_run: bool,
        actor: &str,
    ) -> Result<ImportReport, StoreError> {
        self.import_roster_with(roster, dry_run, actor, &mut |_, _| true)
    }

    /// Sets whether the next imports may change the name or ID number of a student who already has an
    /// accepted photo (off by default: such rows are refused and reported; with it, they are written and the
    /// audit row says the change was confirmed).
    pub fn set_confirm_identity_changes(&mut self, confirm: bool) {
        self.confirm_identity = confirm;
    }

    /// [`Store::import_roster`] reporting (rows written, rows in the file); when `on_step` returns `false` the
    /// transaction is rolled back and the import fails with [`StoreError::Cancelled`].
    pub fn import_roster_with(
        &mut self,
        roster: &ParsedRoster,
        dry_run: bool,
        actor: &str,
        on_step: OnStep,
    ) -> Result<ImportReport, StoreError> {
        use crate::text::{MAX_LABEL, MAX_NAME, MAX_STUDENT_NO, check_field};
        for r in &roster.rows {
            let checked = check_field("the student number", &r.student_no, MAX_STUDENT_NO)
                .and_then(|()| check_field("the name", &r.name, MAX_NAME))
                .and_then(|()| check_field("the class", &r.class, MAX_LABEL))
                .and_then(|()| match &r.code {
                    Some(code) => check_field("the collection code", code, self.code_max_len),
                    None => Ok(()),
                });
            if let Err(problem) = checked {
                return Err(StoreError::Invalid(format!(
                    "row {} (student {}): {problem}; nothing was imported",
                    r.row,
                    crate::text::truncate_chars(&r.student_no, 32)
                )));
            }
        }
        let group = if dry_run { None } else { self.group()? };
        let station = self.station_id.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| error::sql(e, "begin"))?;
        let existing = load_existing(&tx)?;
        let photo_codes = photo_code_owners(&tx)?;
        let student_codes: HashMap<&[u8], &str> = existing
            .iter()
            .filter_map(|(no, e)| e.code_digest.as_deref().map(|d| (d, no.as_str())))
            .collect();
        let file_nos: HashSet<&str> = roster.rows.iter().map(|r| r.student_no.as_str()).collect();
        let new_digests: HashMap<&str, [u8; 32]> = roster
            .rows
            .iter()
            .filter_map(|r| {
                r.code
                    .as_deref()
                    .map(|c| (r.student_no.as_str(), self.key.code_digest(c)))
            })
            .collect();

        // Loaded ID numbers, decrypted only when the file has ID numbers to compare.
        let mut stored_ids: HashMap<&str, String> = HashMap::new();
        if roster.rows.iter().any(|r| r.id_no.is_some()) {
            for (no, e) in &existing {
                if let Some(blob) = &e.id_no_enc {
                    let plain = crypto::open(&self.key, &id_no_aad(no), blob)?;
                    stored_ids.insert(no, String::from_utf8_lossy(&plain).into_owned());
                }
            }
        }
        let id_owners: HashMap<&str, &str> = stored_ids
            .iter()
            .map(|(no, id)| (id.as_str(), *no))
            .collect();
        let file_ids: HashMap<&str, Option<&str>> = roster
            .rows
            .iter()
            .map(|r| (r.student_no.as_str(), r.id_no.as_deref()))
            .collect();

        let photographed = photographed_students(&tx)?;
        let mut problems = roster.problems.clone();
        let mut plans: Vec<Plan> = Vec::with_capacity(roster.rows.len());
        for r in &roster.rows {
            let old = existing.get(&r.student_no);
            if let Some(id) = &r.id_no
                && let Some(owner) = id_owners.get(id.as_str()).copied()
                && owner != r.student_no
                // The owner keeps the number unless this file gives them another one.
                && file_ids.get(owner).is_none_or(|f| f.is_none_or(|f| f == id))
            {
                let name = existing.get(owner).map_or("", |e| e.name.as_str());
                problems.push(row_problem(
                    roster,
                    r,
                    Field::IdNo,
                    ProblemKind::DuplicateIdNo,
                    Text::new(
                        format!("身份证号 {} 已属于已导入的 {owner} {name}", id_no::mask(id)),
                        format!(
                            "ID number {} already belongs to {owner} {name}, who is already loaded",
                            id_no::mask(id)
                        ),
                    ),
                ));
                plans.push(Plan::Refused);
                continue;
            }
            if let Some(digest) = new_digests.get(r.student_no.as_str()) {
                let photo_owner = photo_codes
                    .get(digest.as_slice())
                    .filter(|o| o.as_str() != r.student_no);
                let row_owner = student_codes
                    .get(digest.as_slice())
                    .filter(|o| **o != r.student_no)
                    .filter(|o| {
                        // The owner keeps the code unless this file gives them another one.
                        new_digests.get(**o).is_none_or(|d| d == digest)
                    });
                if let Some(owner) = photo_owner.map(String::as_str).or(row_owner.copied()) {
                    let name = existing.get(owner).map_or("", |e| e.name.as_str());
                    problems.push(row_problem(
                        roster,
                        r,
                        Field::Code,
                        ProblemKind::CodeTaken,
                        Text::new(
                            format!("采集码已属于 {owner} {name}"),
                            format!("the collection code already belongs to {owner} {name}"),
                        ),
                    ));
                    plans.push(Plan::Refused);
                    continue;
                }
            }
            let Some(old) = old else {
                plans.push(Plan::Add);
                continue;
            };
            if old.name != r.name && old.class != r.class {
                problems.push(row_problem(
                    roster,
                    r,
                    Field::StudentNo,
                    ProblemKind::StudentNoTaken,
                    Text::new(
                        format!(
                            "学号 {} 已属于另一名学生：{}（{}）；本行为 {}（{}）。请核对学号；如确为同一人，请分两次修改姓名和班级",
                            r.student_no, old.name, old.class, r.name, r.class
                        ),
                        format!(
                            "student number {} already belongs to {} ({}); this row says {} ({}). Check the number; if it is the same person, change the name and the class in separate imports",
                            r.student_no, old.name, old.class, r.name, r.class
                        ),
                    ),
                ));
                plans.push(Plan::Refused);
                continue;
            }
            let mut changes = Vec::new();
            if old.name != r.name {
                changes.push(FieldChange {
                    field: "name".into(),
                    old: old.name.clone(),
                    new: r.name.clone(),
                });
            }
            if old.class != r.class {
                changes.push(FieldChange {
                    field: "class".into(),
                    old: old.class.clone(),
                    new: r.class.clone(),
                });
            }
            if let Some(s) = r.status
                && s != old.status
            {
                changes.push(FieldChange {
                    field: "status".into(),
                    old: status_word(old.status),
                    new: status_word(s),
                });
            }
            changes.extend(opt_change("school", &old.school, &r.school));
            changes.extend(opt_change("major", &old.major, &r.major));
            if let Some(id) = &r.id_no {
                let old_id = stored_ids.get(r.student_no.as_str());
                if old_id.map(String::as_str) != Some(id.as_str()) {
                    changes.push(FieldChange {
                        field: "id_no".into(),
                        old: old_id.map(|o| id_no::mask(o)).unwrap_or_default(),
                        new: id_no::mask(id),
                    });
                }
            }
            if let Some(digest) = new_digests.get(r.student_no.as_str())
                && old.code_digest.as_deref() != Some(digest.as_slice())
            {
                changes.push(FieldChange {
                    field: "code".into(),
                    old: if old.code_digest.is_some() {
                        "(set)"
                    } else {
                        ""
                    }
                    .into(),
                    new: "(new)".into(),
                });
            }
            if old.walk_in {
                changes.push(FieldChange {
                    field: "source".into(),
                    old: "walk_in".into(),
                    new: "roster".into(),
                });
            }
            let identity: Vec<&FieldChange> = changes
                .iter()
                .filter(|c| c.field == "name" || c.field == "id_no")
                .collect();
            if !identity.is_empty() && photographed.contains(&old.id) && !self.confirm_identity {
                let what_zh: Vec<String> = identity
                    .iter()
                    .map(|c| {
                        format!(
                            "{}“{}”→“{}”",
                            if c.field == "name" {
                                "姓名"
                            } else {
                                "身份证号"
                            },
                            c.old,
                            c.new
                        )
                    })
                    .collect();
                let what_en: Vec<String> = identity
                    .iter()
                    .map(|c| {
                        format!(
                            "{} {:?} → {:?}",
                            if c.field == "name" {
                                "name"
                            } else {
                                "ID number"
                            },
                            c.old,
                            c.new
                        )
                    })
                    .collect();
                problems.push(row_problem(
                    roster,
                    r,
                    if identity[0].field == "name" { Field::Name } else { Field::IdNo },
                    ProblemKind::IdentityOfPhotographed,
                    Text::new(
                        format!(
                            "{} 已有通过的照片，本次导入会更改其{}。请核对；确认无误后用“确认更改并导入”（命令行 --confirm-identity-changes）",
                            r.student_no,
                            what_zh.join("、")
                        ),
                        format!(
                            "{} already has an accepted photo and this import would change their {}. Check it; if it is right, \
                             import with --confirm-identity-changes (“Confirm the changes and import” in the GUI)",
                            r.student_no,
                            what_en.join(", ")
                        ),
                    ),
                ));
                plans.push(Plan::Refused);
                continue;
            }
            plans.push(if changes.is_empty() {
                Plan::Same
            } else {
                Plan::Update {
                    id: old.id,
                    changes,
                }
            });
        }

        let file_classes: HashSet<&str> = roster.rows.iter().map(|r| r.class.as_str()).collect();
        let mut missing: Vec<StudentLine> = existing
            .iter()
            .filter(|(no, e)| {
                !e.walk_in
                    && !file_nos.contains(no.as_str())
                    && file_classes.contains(e.class.as_str())
            })
            .map(|(no, e)| StudentLine {
                student_no: no.clone(),
                name: e.name.clone(),
                class: e.class.clone(),
                sheet: None,
                row: None,
            })
            .collect();
        missing.sort_by(|a, b| {
            a.class
                .cmp(&b.class)
                .then_with(|| crate::roster::order::cmp_student_no(&a.student_no, &b.student_no))
        });
        let known_classes: HashSet<String> = {
            let mut stmt = tx
                .prepare("SELECT name FROM classes")
                .map_err(|e| error::sql(e, "read classes"))?;
            let names = stmt
                .query_map([], |r| r.get::<_, String>(0))
                .map_err(|e| error::sql(e, "read classes"))?;
            names
                .collect::<Result<_, _>>()
                .map_err(|e| error::sql(e, "read classes"))?
        };
        let mut new_classes: Vec<String> = Vec::new();
        for r in &roster.rows {
            if !known_classes.contains(&r.class) && !new_classes.contains(&r.class) {
                new_classes.push(r.class.clone());
            }
        }

        let mut report = ImportReport {
            file: roster.file.clone(),
            encoding: roster.encoding.clone(),
            sheets: roster.sheets.clone(),
            dry_run,
            written: false,
            rows: roster.rows.len(),
            added: Vec::new(),
            changed: Vec::new(),
            unchanged: 0,
            missing_from_file: missing,
            new_classes,
            problems,
        };
        for (r, plan) in roster.rows.iter().zip(&plans) {
            match plan {
                Plan::Add => report.added.push(line(r)),
                Plan::Update { changes, .. } => report.changed.push(StudentChange {
                    student: line(r),
                    changes: changes.clone(),
                }),
                Plan::Same => report.unchanged += 1,
                Plan::Refused => {}
            }
        }
        if dry_run || report.has_errors() {
            return Ok(report);
        }

        let now = time::now();
        let mut class_ids: HashMap<String, i64> = HashMap::new();
        for r in &roster.rows {
            if !class_ids.contains_key(&r.class) {
                let id = class_id(&tx, &r.class)?;
                tx.execute(
                    "UPDATE classes SET school = COALESCE(school, ?2), major = COALESCE(major, ?3) WHERE id = ?1",
                    params![id, r.school, r.major],
                )
                .map_err(|e| error::sql(e, "update class"))?;
                class_ids.insert(r.class.clone(), id);
            }
        }
        // Codes that move between students are released first so the UNIQUE index never sees two owners.
        for plan in &plans {
            if let Plan::Update { id, changes } = plan
                && changes.iter().any(|c| c.field == "code")
            {
                tx.execute("UPDATE students SET code_digest = NULL WHERE id = ?1", [id])
                    .map_err(|e| error::sql(e, "release collection code"))?;
            }
        }
        let base_order: i64 = tx
            .query_row(
                "SELECT COALESCE(MAX(file_order), 0) FROM students",
                [],
                |r| r.get(0),
            )
            .map_err(|e| error::sql(e, "read file order"))?;
        let total = roster.rows.len() as u64;
        for (i, (r, plan)) in roster.rows.iter().zip(&plans).enumerate() {
            if (i as u64).is_multiple_of(64) && !on_step(i as u64, total) {
                return Err(StoreError::Cancelled);
            }
            let class_id = class_ids.get(&r.class).copied().unwrap_or_default();
            let seal = |id: &str| crypto::seal(&self.key, &id_no_aad(&r.student_no), id.as_bytes());
            let digest = new_digests.get(r.student_no.as_str()).map(|d| d.to_vec());
            match plan {
                Plan::Same | Plan::Refused => {}
                Plan::Add => {
                    let sealed = r.id_no.as_deref().map(seal).transpose()?;
                    let tail = r.id_no.as_deref().map(id_no_tail);
                    tx.prepare_cached(
                        "INSERT INTO students (student_no, name, class_id, status, school, major, id_no_enc, id_no_tail,
                                               code_digest, source, file_order, created_at, updated_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'roster', ?10, ?11, ?11)",
                    )
                    .and_then(|mut s| {
                        s.execute(params![
                            r.student_no,
                            r.name,
                            class_id,
                            r.status.unwrap_or(StudentStatus::Normal).as_str(),
                            r.school,
                            r.major,
                            sealed,
                            tail,
                            digest,
                            base_order + i as i64 + 1,
                            now
                        ])
                    })
                    .map_err(|e| error::sql(e, "add student"))?;
                    let id = tx.last_insert_rowid();
                    records::seal_student(&tx, &self.key, id)?;
                    audit::write(
                        &tx,
                        &self.key,
                        &station,
                        &audit::Entry {
                            actor,
                            action: "student_added",
                            student_id: Some(id),
                            reason: Some("roster import"),
                            ..Default::default()
                        },
                    )?;
                }
                Plan::Update { id, changes } => {
                    let has = |f: &str| changes.iter().any(|c| c.field == f);
                    let (sealed, tail) = match (&r.id_no, has("id_no")) {
                        (Some(v), true) => (Some(seal(v)?), Some(id_no_tail(v))),
                        _ => (None, None),
                    };
                    tx.prepare_cached(
                        "UPDATE students SET name = ?2, class_id = ?3, status = COALESCE(?4, status),
                                school = COALESCE(?5, school), major = COALESCE(?6, major),
                                id_no_enc = COALESCE(?7, id_no_enc), id_no_tail = COALESCE(?8, id_no_tail),
                                code_digest = COALESCE(?9, code_digest), source = 'roster', file_order = ?10,
                                updated_at = ?11
                         WHERE id = ?1",
                    )
                    .and_then(|mut s| {
                        s.execute(params![
                            id,
                            r.name,
                            class_id,
                            r.status.map(StudentStatus::as_str),
                            r.school,
                            r.major,
                            sealed,
                            tail,
                            digest,
                            base_order + i as i64 + 1,
                            now
                        ])
                    })
                    .map_err(|e| error::sql(e, "update student"))?;
                    records::seal_student(&tx, &self.key, *id)?;
                    let fields: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
                    let mut reason = format!("roster import changed {}", fields.join(", "));
                    if (has("name") || has("id_no")) && photographed.contains(id) {
                        reason.push_str(
                            "; identity of a student with an accepted photo, confirmed by the operator",
                        );
                    }
                    audit::write(
                        &tx,
                        &self.key,
                        &station,
                        &audit::Entry {
                            actor,
                            action: "student_updated",
                            student_id: Some(*id),
                            reason: Some(&reason),
                            ..Default::default()
                        },
                    )?;
                }
            }
        }
        let summary = format!(
            "{}: {} added, {} changed, {} unchanged, {} missing from the file",
            roster.file,
            report.added.len(),
            report.changed.len(),
            report.unchanged,
            report.missing_from_file.len()
        );
        audit::write(
            &tx,
            &self.key,
            &station,
            &audit::Entry {
                actor,
                action: "roster_imported",
                reason: Some(&summary),
                ..Default::default()
            },
        )?;
        if !on_step(total, total) {
            return Err(StoreError::Cancelled);
        }
        // In a group, the codes a roster binds go to the other stations as digests (the store keeps only its
        // own keyed digest, so they cannot be published later).
        if let Some(group) = &group {
            for r in &roster.rows {
                if let Some(code) = &r.code {
                    super::group::queue_event(
                        &tx,
                        &crate::group::Event::CodeBound {
                            digest: group.code_digest(code),
                            student_no: r.student_no.clone(),
                            at: now.clone(),
                        },
                    )?;
                }
            }
        }
        tx.commit().map_err(|e| error::sql(e, "commit roster"))?;
        report.written = true;
        tracing::info!(
            file = %roster.file,
            added = report.added.len(),
            changed = report.changed.len(),
            "roster imported"
        );
        Ok(report)
    }

    /// Students in shooting order (all classes in class order, or one class) with their current photo state.
    pub fn shooting_queue(&self, class: Option<&str>) -> Result<Vec<QueueEntry>, StoreError> {
        if let Some(c) = class
            && !self.class_exists(c)?
        {
            return Err(StoreError::Invalid(format!(
                "no class named {c:?}; see `capture-station roster list` for the classes"
            )));
        }
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT s.student_no, s.name, c.name, s.status, s.school, s.major, s.id_no_tail, p.state, p.id,
                        c.sort_order, c.id, s.file_order,
                        EXISTS (SELECT 1 FROM absences a WHERE a.student_id = s.id)
                 FROM students s
                 JOIN classes c ON c.id = s.class_id
                 LEFT JOIN photos p ON p.id = (SELECT id FROM photos WHERE student_id = s.id
                                               AND superseded_by IS NULL ORDER BY id DESC LIMIT 1)
                 WHERE ?1 IS NULL OR c.name = ?1",
            )
            .map_err(|e| error::sql(e, "read queue"))?;
        type Row = (QueueEntry, i64, i64, i64);
        let rows = stmt
            .query_map([class], |r| {
                let status: String = r.get(3)?;
                let state: Option<String> = r.get(7)?;
                let tail: Option<String> = r.get(6)?;
                let photo_state = state.as_deref().and_then(PhotoState::parse);
                Ok((
                    QueueEntry {
                        position: 0,
                        student_no: r.get(0)?,
                        name: r.get(1)?,
                        class: r.get(2)?,
                        status: StudentStatus::parse(&status).unwrap_or(StudentStatus::Normal),
                        school: r.get(4)?,
                        major: r.get(5)?,
                        id_no_masked: tail.map(|t| format!("****{t}")),
                        photo_state,
                        photo_id: r.get(8)?,
                        needs_photo: matches!(
                            photo_state,
                            None | Some(PhotoState::ReshootRequested)
                        ),
                        absent: r.get(12)?,
                        elsewhere: None,
                    },
                    r.get(9)?,
                    r.get(10)?,
                    r.get(11)?,
                ))
            })
            .map_err(|e| error::sql(e, "read queue"))?;
        let mut all: Vec<Row> = rows
            .collect::<Result<_, _>>()
            .map_err(|e| error::sql(e, "read queue"))?;
        let elsewhere = self.group_elsewhere()?;
        if !elsewhere.is_empty() {
            for row in &mut all {
                let local_accepted = matches!(
                    row.0.photo_state,
                    Some(
                        PhotoState::Accepted
                            | PhotoState::OverrideAccepted
                            | PhotoState::Uploaded
                            | PhotoState::Purged
                    )
                );
                if let Some(e) = elsewhere.get(&row.0.student_no)
                    && !local_accepted
                {
                    row.0.elsewhere = Some(e.clone());
                }
            }
        }
        all.sort_by(|a, b| {
            a.1.cmp(&b.1).then(a.2.cmp(&b.2)).then_with(|| {
                cmp_in_class(
                    (a.0.status, &a.0.student_no, a.3),
                    (b.0.status, &b.0.student_no, b.3),
                )
            })
        });
        Ok(all
            .into_iter()
            .enumerate()
            .map(|(i, (mut e, ..))| {
                e.position = i + 1;
                e
            })
            .collect())
    }

    /// The next student to photograph: every re-shoot first, then the first after `after` (a student number) in
    /// shooting order who still needs a photo and is not absent, wrapping around to the start (and finally
    /// `after` itself); `None` when everyone is accepted, awaiting review or absent. Without `after`, the
    /// first such student.
    pub fn next_student(&self, after: Option<&str>) -> Result<Option<QueueEntry>, StoreError> {
        let queue = self.shooting_queue(None)?;
        let after = after.map(str::trim);
        if let Some(no) = after
            && !queue.iter().any(|e| e.student_no == no)
        {
            return Err(StoreError::UnknownStudent {
                student_no: no.to_string(),
            });
        }
        Ok(crate::workflow::next_after(&queue, after, |_| false).cloned())
    }

    fn class_exists(&self, class: &str) -> Result<bool, StoreError> {
        self.conn
            .query_row(
                "SELECT EXISTS(SELECT 1 FROM classes WHERE name = ?1)",
                [class],
                |r| r.get(0),
            )
            .map_err(|e| error::sql(e, "find class"))
    }

    /// Progress per class (in class order) and overall.
    pub fn roster_progress(&self) -> Result<Progress, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT c.name, p.state, COUNT(*)
                 FROM students s
                 JOIN classes c ON c.id = s.class_id
                 LEFT JOIN photos p ON p.id = (SELECT id FROM photos WHERE student_id = s.id
                                               AND superseded_by IS NULL ORDER BY id DESC LIMIT 1)
                 GROUP BY c.id, p.state
                 ORDER BY c.sort_order, c.id",
            )
            .map_err(|e| error::sql(e, "count progress"))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, u64>(2)?,
                ))
            })
            .map_err(|e| error::sql(e, "count progress"))?;
        let mut classes: Vec<ClassProgress> = Vec::new();
        let mut overall = ProgressCounts::default();
        for row in rows {
            let (class, state, n) = row.map_err(|e| error::sql(e, "count progress"))?;
            let state = state.as_deref().and_then(PhotoState::parse);
            if classes.last().is_none_or(|c| c.class != class) {
                classes.push(ClassProgress {
                    class,
                    counts: ProgressCounts::default(),
                });
            }
            if let Some(c) = classes.last_mut() {
                c.counts.add(state, n);
                overall.add(state, n);
            }
        }
        Ok(Progress { classes, overall })
    }

    /// Classes in shooting order.
    pub fn classes(&self) -> Result<Vec<ClassInfo>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT c.name, c.school, c.major, (SELECT COUNT(*) FROM students s WHERE s.class_id = c.id)
                 FROM classes c ORDER BY c.sort_order, c.id",
            )
            .map_err(|e| error::sql(e, "read classes"))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(ClassInfo {
                    name: r.get(0)?,
                    position: 0,
                    school: r.get(1)?,
                    major: r.get(2)?,
                    students: r.get(3)?,
                })
            })
            .map_err(|e| error::sql(e, "read classes"))?;
        let mut out: Vec<ClassInfo> = rows
            .collect::<Result<_, _>>()
            .map_err(|e| error::sql(e, "read classes"))?;
        for (i, c) in out.iter_mut().enumerate() {
            c.position = i + 1;
        }
        Ok(out)
    }

    /// Puts the named classes first, in the given order; the other classes follow in their previous order.
    /// Refuses unknown or repeated class names. One transaction, one audit row.
    pub fn set_class_order(
        &mut self,
        first: &[&str],
        actor: &str,
    ) -> Result<Vec<ClassInfo>, StoreError> {
        let current = self.classes()?;
        let mut seen = HashSet::new();
        for name in first {
            if !seen.insert(*name) {
                return Err(StoreError::Invalid(format!(
                    "class {name:?} is listed twice"
                )));
            }
            if !current.iter().any(|c| c.name == *name) {
                return Err(StoreError::Invalid(format!(
                    "no class named {name:?}; known classes: {}",
                    current
                        .iter()
                        .map(|c| c.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        }
        let mut order: Vec<&str> = first.to_vec();
        order.extend(
            current
                .iter()
                .map(|c| c.name.as_str())
                .filter(|n| !seen.contains(n)),
        );
        let station = self.station_id.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| error::sql(e, "begin"))?;
        for (i, name) in order.iter().enumerate() {
            tx.execute(
                "UPDATE classes SET sort_order = ?1 WHERE name = ?2",
                params![i as i64 + 1, name],
            )
            .map_err(|e| error::sql(e, "set class order"))?;
        }
        let reason = order.join(" > ");
        audit::write(
            &tx,
            &self.key,
            &station,
            &audit::Entry {
                actor,
                action: "class_order_set",
                reason: Some(&reason),
                ..Default::default()
            },
        )?;
        tx.commit()
            .map_err(|e| error::sql(e, "commit class order"))?;
        self.classes()
    }
}
