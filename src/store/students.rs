//! Classes and students. Names are stored as given; ID numbers only sealed, with their last four digits for
//! the masked display.

use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;

use super::{Store, StoreError, audit, error, records, time};
use crate::crypto;

/// A student's enrolment status, which decides shooting order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StudentStatus {
    /// Regular student.
    Normal,
    /// 降级: held back from an earlier class; photographed first.
    HeldBack,
    /// 复读: repeating; photographed first.
    Repeating,
}

impl StudentStatus {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            StudentStatus::Normal => "normal",
            StudentStatus::HeldBack => "held_back",
            StudentStatus::Repeating => "repeating",
        }
    }

    /// The Chinese word used on rosters (empty for normal students).
    pub fn zh(self) -> &'static str {
        match self {
            StudentStatus::Normal => "",
            StudentStatus::HeldBack => "降级",
            StudentStatus::Repeating => "复读",
        }
    }

    /// Parses a roster word or stored name: 降级/held_back, 复读/repeating, empty/正常/normal.
    pub fn parse(s: &str) -> Option<StudentStatus> {
        match s.trim() {
            "" | "normal" | "正常" | "无" => Some(StudentStatus::Normal),
            "降级" | "held_back" | "held-back" => Some(StudentStatus::HeldBack),
            "复读" | "repeating" => Some(StudentStatus::Repeating),
            _ => None,
        }
    }
}

/// A student to add (walk-in or roster row).
#[derive(Debug, Clone)]
pub struct NewStudent {
    /// 学号.
    pub student_no: String,
    /// 姓名.
    pub name: String,
    /// 班级.
    pub class: String,
    /// 降级/复读 status.
    pub status: StudentStatus,
    /// 身份证号, already validated by the caller; stored sealed.
    pub id_no: Option<String>,
}

/// A student as read back (ID number masked).
#[derive(Debug, Clone, Serialize)]
pub struct Student {
    /// Row id.
    pub id: i64,
    /// 学号.
    pub student_no: String,
    /// 姓名.
    pub name: String,
    /// 班级.
    pub class: String,
    /// Status.
    pub status: StudentStatus,
    /// Masked ID number such as `****8746`, if known.
    pub id_no_masked: Option<String>,
}

/// The last four characters of an ID number, kept in the clear for the masked display (`****8746`).
pub(super) fn id_no_tail(id_no: &str) -> String {
    crate::roster::id_no::mask(id_no)
        .trim_start_matches('*')
        .to_string()
}

/// Associated data binding a sealed ID number to its student.
pub(super) fn id_no_aad(student_no: &str) -> Vec<u8> {
    format!("id_no|{student_no}").into_bytes()
}

/// Finds or creates a class by name, appending it to the class order.
pub(super) fn class_id(tx: &Transaction<'_>, class: &str) -> Result<i64, StoreError> {
    if let Some(id) = tx
        .query_row("SELECT id FROM classes WHERE name = ?1", [class], |r| {
            r.get(0)
        })
        .optional()
        .map_err(|e| error::sql(e, "find class"))?
    {
        return Ok(id);
    }
    tx.execute(
        "INSERT INTO classes (name, sort_order) VALUES (?1, (SELECT COALESCE(MAX(sort_order), 0) + 1 FROM classes))",
        [class],
    )
    .map_err(|e| error::sql(e, "create class"))?;
    Ok(tx.last_insert_rowid())
}

impl Store {
    /// Adds a walk-in student (not on the roster). Refuses an existing student number.
    pub fn add_student(&mut self, s: &NewStudent, actor: &str) -> Result<Student, StoreError> {
        let student_no = s.student_no.trim();
        let name = s.name.trim();
        let class = s.class.trim();
        if student_no.is_empty() || name.is_empty() || class.is_empty() {
            return Err(StoreError::Invalid(
                "student number, name and class must not be empty".into(),
            ));
        }
        use crate::text::{MAX_LABEL, MAX_NAME, MAX_STUDENT_NO, check_field};
        check_field("the student number", student_no, MAX_STUDENT_NO)
            .and_then(|()| check_field("the name", name, MAX_NAME))
            .and_then(|()| check_field("the class", class, MAX_LABEL))
            .map_err(StoreError::Invalid)?;
        if let Some(existing) = self.find_student(student_no)? {
            return Err(StoreError::StudentExists {
                student_no: student_no.into(),
                name: existing.name,
            });
        }
        let (id_enc, tail) = match &s.id_no {
            Some(id) => {
                let sealed = crypto::seal(&self.key, &id_no_aad(student_no), id.as_bytes())?;
                (Some(sealed), Some(id_no_tail(id)))
            }
            None => (None, None),
        };
        let station = self.station_id.clone();
        let tx = self
            .conn
            .transaction()
            .map_err(|e| error::sql(e, "begin"))?;
        let class_id = class_id(&tx, class)?;
        let now = time::now();
        tx.execute(
            "INSERT INTO students (student_no, name, class_id, status, id_no_enc, id_no_tail, source, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'walk_in', ?7, ?7)",
            params![student_no, name, class_id, s.status.as_str(), id_enc, tail, now],
        )
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
                ..Default::default()
            },
        )?;
        tx.commit().map_err(|e| error::sql(e, "commit"))?;
        self.find_student(student_no)?
            .ok_or(StoreError::UnknownStudent {
                student_no: student_no.into(),
            })
    }

    /// Looks a student up by student number.
    pub fn find_student(&self, student_no: &str) -> Result<Option<Student>, StoreError> {
        self.conn
            .query_row(
                "SELECT s.id, s.student_no, s.name, c.name, s.status, s.id_no_tail
                 FROM students s JOIN classes c ON c.id = s.class_id WHERE s.student_no = ?1",
                [student_no.trim()],
                |r| {
                    let status: String = r.get(4)?;
                    let tail: Option<String> = r.get(5)?;
                    Ok(Student {
                        id: r.get(0)?,
                        student_no: r.get(1)?,
                        name: r.get(2)?,
                        class: r.get(3)?,
                        status: StudentStatus::parse(&status).unwrap_or(StudentStatus::Normal),
                        id_no_masked: tail.map(|t| format!("****{t}")),
                    })
                },
            )
            .optional()
            .map_err(|e| error::sql(e, "find student"))
    }

    /// Decrypts a student's ID number (for export naming); `None` if the roster gave none.
    pub fn student_id_no(&self, student_no: &str) -> Result<Option<String>, StoreError> {
        let sealed: Option<Vec<u8>> = self
            .conn
            .query_row(
                "SELECT id_no_enc FROM students WHERE student_no = ?1",
                [student_no],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| error::sql(e, "read ID number"))?
            .flatten();
        match sealed {
            None => Ok(None),
            Some(blob) => {
                let plain = crypto::open(&self.key, &id_no_aad(student_no), &blob)?;
                String::from_utf8(plain.to_vec())
                    .map(Some)
                    .map_err(|_| StoreError::Crypto(crypto::CryptoError::Tampered))
            }
        }
    }
}
