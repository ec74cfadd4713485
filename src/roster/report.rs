//! The import report: problems found in the file (with file, sheet, row and column) and what an import
//! added, changed or found missing.

use serde::Serialize;

use super::text::Text;

/// How serious a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Blocks the import: nothing is written.
    Error,
    /// Worth knowing; the import goes ahead.
    Warning,
}

/// What kind of problem; the message says the details.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// No sheet has a header row with 学号 and 姓名.
    NoHeader,
    /// A sheet without a header row was skipped.
    SheetSkipped,
    /// No class column; the class cannot be known.
    NoClassColumn,
    /// The sheet name is used as the class.
    ClassFromSheetName,
    /// Blank student number.
    MissingStudentNo,
    /// Blank name.
    MissingName,
    /// Blank class (and nothing above to inherit).
    MissingClass,
    /// Blank class cells took the class written above them.
    ClassFilledDown,
    /// Characters a student number cannot have.
    BadStudentNo,
    /// A number shown in scientific notation (`2.02E+09`): the digits are lost.
    ScientificNotation,
    /// A number too long for a spreadsheet number: the last digits are lost.
    DigitsLost,
    /// The same student number twice with different data.
    DuplicateStudentNo,
    /// An exact duplicate row, ignored.
    DuplicateRowIgnored,
    /// The student number belongs to a different student already loaded (other name and other class).
    StudentNoTaken,
    /// Not an 18-character ID number.
    BadIdNo,
    /// The ID number's check digit is wrong.
    IdCheckDigit,
    /// The same ID number for two student numbers.
    DuplicateIdNo,
    /// A status word that is neither 降级, 复读 nor a known "regular" word.
    UnknownStatus,
    /// The same collection code twice in the file.
    DuplicateCode,
    /// The collection code already belongs to another student.
    CodeTaken,
    /// Control or text-direction characters, or text longer than a field allows.
    UnsafeText,
    /// The import would change the name or ID number of a student who has an accepted photo.
    IdentityOfPhotographed,
}

/// One problem, located as the spreadsheet shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Error or warning.
    pub severity: Severity,
    /// Kind.
    pub kind: ProblemKind,
    /// File name.
    pub file: String,
    /// Sheet name (`None` for CSV).
    pub sheet: Option<String>,
    /// Row number as the spreadsheet shows it (1-based); `None` for whole-file problems.
    pub row: Option<u32>,
    /// Column header as written in the file.
    pub column: Option<String>,
    /// Column letter.
    pub column_letter: Option<String>,
    /// What is wrong and what to do.
    pub message: Text,
}

impl Problem {
    /// `file, sheet S, row R, column C (B)` in `lang`.
    pub fn location(&self, lang: crate::i18n::Lang) -> String {
        let zh = lang == crate::i18n::Lang::Zh;
        let mut parts = vec![self.file.clone()];
        if let Some(s) = &self.sheet {
            parts.push(if zh {
                format!("工作表「{s}」")
            } else {
                format!("sheet {s:?}")
            });
        }
        if let Some(r) = self.row {
            parts.push(if zh {
                format!("第 {r} 行")
            } else {
                format!("row {r}")
            });
        }
        if let Some(c) = &self.column {
            let letter = self
                .column_letter
                .as_deref()
                .map(|l| format!(" ({l})"))
                .unwrap_or_default();
            parts.push(if zh {
                format!("列「{c}」{letter}")
            } else {
                format!("column {c:?}{letter}")
            });
        }
        parts.join(", ")
    }
}

/// A student named in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StudentLine {
    /// 学号.
    pub student_no: String,
    /// 姓名.
    pub name: String,
    /// 班级.
    pub class: String,
    /// Sheet of the row (for students in the file).
    pub sheet: Option<String>,
    /// Row (for students in the file).
    pub row: Option<u32>,
}

/// One changed value. ID numbers appear masked, collection codes never appear.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// `name`, `class`, `status`, `school`, `major`, `id_no`, `code` or `source`.
    pub field: String,
    /// Old value (display form).
    pub old: String,
    /// New value (display form).
    pub new: String,
}

/// A loaded student whose row in the new file differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StudentChange {
    /// The student as in the new file.
    pub student: StudentLine,
    /// The differences.
    pub changes: Vec<FieldChange>,
}

/// Everything an import (or dry run) found and did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// File name.
    pub file: String,
    /// CSV encoding used (`None` for workbooks).
    pub encoding: Option<String>,
    /// Sheets read, with their header rows.
    pub sheets: Vec<SheetInfo>,
    /// Only checked, nothing written.
    pub dry_run: bool,
    /// True if the transaction was committed.
    pub written: bool,
    /// Student rows read (after skipping blank and duplicate rows).
    pub rows: usize,
    /// New students.
    pub added: Vec<StudentLine>,
    /// Changed students.
    pub changed: Vec<StudentChange>,
    /// Students in the file that were already loaded unchanged.
    pub unchanged: usize,
    /// Roster students of the file's classes who are not in the file (kept, with their photos).
    pub missing_from_file: Vec<StudentLine>,
    /// Classes created, in order.
    pub new_classes: Vec<String>,
    /// Problems; any error means nothing was written.
    pub problems: Vec<Problem>,
}

impl ImportReport {
    /// Number of blocking problems.
    pub fn error_count(&self) -> usize {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .count()
    }

    /// True if the file has blocking problems.
    pub fn has_errors(&self) -> bool {
        self.error_count() > 0
    }
}

/// A sheet that was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SheetInfo {
    /// Sheet name (`None` for CSV).
    pub sheet: Option<String>,
    /// Header row number.
    pub header_row: u32,
    /// `field → header (letter)` pairs.
    pub columns: Vec<super::columns::MappedColumn>,
}
