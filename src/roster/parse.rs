//! From sheets of text to validated roster rows. Everything here is checked before the store is touched.
//!
//! Rules:
//! - blank rows are skipped; the header row is found automatically (see [`super::columns`]);
//! - student numbers lose spaces and full-width digits; `2020123456.0` becomes `2020123456`; scientific
//!   notation (`2.02E+09`) and numbers longer than a spreadsheet number can hold are errors telling the user
//!   to format the column as text;
//! - names are cleaned with [`clean_name`]; blank class cells take the class above them (merged cells, or a
//!   CSV exported from merged cells) with one warning per run; school and major are filled down silently;
//! - an exact duplicate row is ignored with a warning; the same student number with different data is an error;
//! - a blank ID-number, collection-code, school or major cell never erases a stored value.

use std::collections::HashMap;

use serde::Serialize;

use super::columns::{Field, HeaderMap, MappedColumn, find_header};
use super::grid::{Cell, Grid};
use super::id_no::{self, IdNoError};
use super::report::{Problem, ProblemKind, Severity, SheetInfo};
use super::settings::{ColumnNames, RosterSettings};
use super::text::{
    EXACT_INTEGER_LIMIT, Text, clean_label, clean_name, clean_token, is_scientific,
    strip_float_tail,
};
use crate::store::StudentStatus;

/// One validated student row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RosterRow {
    /// Sheet (`None` for CSV).
    pub sheet: Option<String>,
    /// Row number as the spreadsheet shows it.
    pub row: u32,
    /// 学号, cleaned.
    pub student_no: String,
    /// 姓名, cleaned.
    pub name: String,
    /// 班级.
    pub class: String,
    /// 学院, if given.
    pub school: Option<String>,
    /// 专业, if given.
    pub major: Option<String>,
    /// Status; `None` when the file has no status column (the stored status is kept).
    pub status: Option<StudentStatus>,
    /// Normalised ID number, if given.
    #[serde(skip)]
    pub id_no: Option<String>,
    /// Collection code, if given.
    #[serde(skip)]
    pub code: Option<String>,
}

/// A file read and checked on its own (before comparing with the store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedRoster {
    /// File name for the report.
    pub file: String,
    /// CSV encoding used.
    pub encoding: Option<String>,
    /// Sheets read.
    pub sheets: Vec<SheetInfo>,
    /// Valid rows in file order (rows with errors are left out; see `problems`).
    pub rows: Vec<RosterRow>,
    /// Problems found in the file.
    pub problems: Vec<Problem>,
}

impl ParsedRoster {
    /// True if the file itself has blocking problems.
    pub fn has_errors(&self) -> bool {
        self.problems.iter().any(|p| p.severity == Severity::Error)
    }
}

/// What to read and how to understand it.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Only this sheet (default: every sheet with a header row).
    pub sheet: Option<String>,
    /// Header overrides (config merged with `--map`).
    pub columns: ColumnNames,
    /// Extra status words.
    pub normal_words: Vec<String>,
    /// Extra 降级 words.
    pub held_back_words: Vec<String>,
    /// Extra 复读 words.
    pub repeating_words: Vec<String>,
}

impl ReadOptions {
    /// Options from the `[roster]` settings.
    pub fn from_settings(s: &RosterSettings) -> ReadOptions {
        ReadOptions {
            sheet: None,
            columns: s.columns.clone(),
            normal_words: s.normal_words.clone(),
            held_back_words: s.held_back_words.clone(),
            repeating_words: s.repeating_words.clone(),
        }
    }

    /// Reads a status cell: anything containing 降级 or 复读 (not both), the configured words, or a word that
    /// means "regular" (blank, 正常, 无, 应届, 在读, 在籍, 普通, normal, -, /).
    pub fn status_of(&self, raw: &str) -> Option<StudentStatus> {
        let t = clean_label(raw).to_lowercase();
        let listed = |words: &[String]| words.iter().any(|w| clean_label(w).to_lowercase() == t);
        if listed(&self.held_back_words) {
            return Some(StudentStatus::HeldBack);
        }
        if listed(&self.repeating_words) {
            return Some(StudentStatus::Repeating);
        }
        if listed(&self.normal_words) {
            return Some(StudentStatus::Normal);
        }
        match (t.contains("降级"), t.contains("复读")) {
            (true, true) => return None,
            (true, false) => return Some(StudentStatus::HeldBack),
            (false, true) => return Some(StudentStatus::Repeating),
            _ => {}
        }
        match t.as_str() {
            "held back" | "held_back" | "held-back" => Some(StudentStatus::HeldBack),
            "repeating" | "repeat" | "repeater" => Some(StudentStatus::Repeating),
            "" | "正常" | "无" | "应届" | "在读" | "在籍" | "普通" | "normal" | "none" | "-"
            | "—" | "/" | "n/a" => Some(StudentStatus::Normal),
            _ => None,
        }
    }
}

struct Ctx<'a> {
    file: &'a str,
    sheet: Option<String>,
    problems: &'a mut Vec<Problem>,
}

impl Ctx<'_> {
    fn push(
        &mut self,
        severity: Severity,
        kind: ProblemKind,
        row: Option<u32>,
        col: Option<&MappedColumn>,
        message: Text,
    ) {
        self.problems.push(Problem {
            severity,
            kind,
            file: self.file.to_string(),
            sheet: self.sheet.clone(),
            row,
            column: col.map(|c| c.header.clone()),
            column_letter: col.map(|c| c.letter.clone()),
            message,
        });
    }

    fn error(&mut self, kind: ProblemKind, row: u32, col: &MappedColumn, message: Text) {
        self.push(Severity::Error, kind, Some(row), Some(col), message);
    }
}

fn text_hint() -> (&'static str, &'static str) {
    (
        "请在 Excel 中把该列设置为“文本”格式并重新输入或导出",
        "format the column as Text in Excel and re-enter or re-export it",
    )
}

/// Checks a number-like cell (student number, code): rejects scientific notation and lost digits.
fn number_like(
    cell: &Cell,
    ctx: &mut Ctx<'_>,
    row: u32,
    col: &MappedColumn,
    what: (&str, &str),
) -> Option<String> {
    let value = clean_token(&cell.text);
    let (hint_zh, hint_en) = text_hint();
    if is_scientific(&value) {
        ctx.error(
            ProblemKind::ScientificNotation,
            row,
            col,
            Text::new(
                format!("{}“{value}”是科学计数法，原数字已丢失；{hint_zh}", what.0),
                format!(
                    "{} {value:?} is in scientific notation and its digits are lost; {hint_en}",
                    what.1
                ),
            ),
        );
        return None;
    }
    if cell.numeric && cell.number.is_some_and(|n| n.abs() > EXACT_INTEGER_LIMIT) {
        ctx.error(
            ProblemKind::DigitsLost,
            row,
            col,
            Text::new(
                format!(
                    "{}“{value}”以数字形式保存，超过 15 位的数字已被 Excel 改动；{hint_zh}",
                    what.0
                ),
                format!(
                    "{} {value:?} is stored as a number and Excel has changed its digits beyond the 15th; {hint_en}",
                    what.1
                ),
            ),
        );
        return None;
    }
    Some(strip_float_tail(&value).to_string())
}

fn cell<'g>(cells: &'g [Cell], col: Option<&MappedColumn>) -> Option<&'g Cell> {
    col.and_then(|c| cells.get(c.index))
}

/// Reads one sheet whose header is known.
fn read_sheet(
    grid: &Grid,
    header: &HeaderMap,
    opts: &ReadOptions,
    ctx: &mut Ctx<'_>,
    out: &mut Vec<RosterRow>,
) {
    let col = |f: Field| header.get(f);
    let empty = Cell::default();
    let class_col = col(Field::Class);
    let sheet_class = match (class_col, &grid.sheet) {
        (Some(_), _) => None,
        (None, Some(name)) => {
            ctx.push(
                Severity::Warning,
                ProblemKind::ClassFromSheetName,
                None,
                None,
                Text::new(
                    format!("没有“班级”列，使用工作表名“{name}”作为班级"),
                    format!("no class column; the sheet name {name:?} is used as the class"),
                ),
            );
            Some(clean_label(name))
        }
        (None, None) => {
            ctx.push(
                Severity::Error,
                ProblemKind::NoClassColumn,
                Some(header.row),
                None,
                Text::new(
                    "没有“班级”列；请添加该列，或用 --map class=列名 指定",
                    "no class column; add one, or name it with --map class=HEADER",
                ),
            );
            return;
        }
    };
    let mut last_class: Option<(String, u32)> = None;
    let mut fill_run: Option<(u32, u32, String, u32)> = None;
    let mut last_school: Option<String> = None;
    let mut last_major: Option<String> = None;
    let flush_run = |run: &mut Option<(u32, u32, String, u32)>, ctx: &mut Ctx<'_>| {
        if let (Some((first, last, class, from)), Some(c)) = (run.take(), class_col) {
            let rows = if first == last {
                format!("{first}")
            } else {
                format!("{first}–{last}")
            };
            ctx.push(
                Severity::Warning,
                ProblemKind::ClassFilledDown,
                Some(first),
                Some(c),
                Text::new(
                    format!("第 {rows} 行的班级为空（合并单元格？），沿用第 {from} 行的“{class}”"),
                    format!("rows {rows} have a blank class (merged cells?) and take {class:?} from row {from}"),
                ),
            );
        }
    };
    for r in grid.rows.iter().skip(header.row_index + 1) {
        if r.is_blank() {
            continue;
        }
        let row = r.row;
        let get = |f: Field| cell(&r.cells, col(f)).unwrap_or(&empty);
        let mut ok = true;

        let Some(no_col) = col(Field::StudentNo) else {
            return;
        };
        let student_no = number_like(
            get(Field::StudentNo),
            ctx,
            row,
            no_col,
            ("学号", "student number"),
        );
        let student_no = match student_no {
            None => {
                ok = false;
                String::new()
            }
            Some(s) if s.is_empty() => {
                ctx.error(
                    ProblemKind::MissingStudentNo,
                    row,
                    no_col,
                    Text::new("缺少学号", "the student number is missing"),
                );
                ok = false;
                s
            }
            Some(s)
                if !s
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
            {
                ctx.error(
                    ProblemKind::BadStudentNo,
                    row,
                    no_col,
                    Text::new(
                        format!("学号“{s}”含有字母、数字以外的字符，请检查该列是否正确"),
                        format!("student number {s:?} has characters other than letters and digits; check the column"),
                    ),
                );
                ok = false;
                s
            }
            Some(s) => s,
        };

        let name = clean_name(&get(Field::Name).text);
        if name.is_empty() {
            if let Some(c) = col(Field::Name) {
                ctx.error(
                    ProblemKind::MissingName,
                    row,
                    c,
                    Text::new("缺少姓名", "the name is missing"),
                );
            }
            ok = false;
        }

        let class = match (&sheet_class, class_col) {
            (Some(c), _) => c.clone(),
            (None, Some(c)) => {
                let v = clean_label(&get(Field::Class).text);
                if !v.is_empty() {
                    flush_run(&mut fill_run, ctx);
                    last_class = Some((v.clone(), row));
                    v
                } else if let Some((above, from)) = &last_class {
                    match &mut fill_run {
                        Some(run) => run.1 = row,
                        None => fill_run = Some((row, row, above.clone(), *from)),
                    }
                    above.clone()
                } else {
                    ctx.error(
                        ProblemKind::MissingClass,
                        row,
                        c,
                        Text::new("缺少班级", "the class is missing"),
                    );
                    ok = false;
                    String::new()
                }
            }
            (None, None) => String::new(),
        };

        let fill = |f: Field, last: &mut Option<String>| -> Option<String> {
            col(f)?;
            let v = clean_label(&get(f).text);
            if v.is_empty() {
                last.clone()
            } else {
                *last = Some(v.clone());
                Some(v)
            }
        };
        let school = fill(Field::School, &mut last_school);
        let major = fill(Field::Major, &mut last_major);

        let status = match col(Field::Status) {
            None => None,
            Some(c) => {
                let raw = &get(Field::Status).text;
                match opts.status_of(raw) {
                    Some(s) => Some(s),
                    None => {
                        let w = clean_label(raw);
                        ctx.error(
                            ProblemKind::UnknownStatus,
                            row,
                            c,
                            Text::new(
                                format!("无法识别“{w}”：只认“降级”“复读”或留空（正常）；其他词可在配置 [roster] normal_words 中登记"),
                                format!("unknown status {w:?}: use 降级 (held back), 复读 (repeating) or leave it blank; list other words under [roster] normal_words"),
                            ),
                        );
                        ok = false;
                        None
                    }
                }
            }
        };

        let id_no = match col(Field::IdNo) {
            None => None,
            Some(c) => {
                let cl = get(Field::IdNo);
                let raw = clean_token(&cl.text);
                if raw.is_empty() {
                    None
                } else if cl.numeric || is_scientific(&raw) {
                    let (hint_zh, hint_en) = text_hint();
                    ctx.error(
                        if is_scientific(&raw) {
                            ProblemKind::ScientificNotation
                        } else {
                            ProblemKind::DigitsLost
                        },
                        row,
                        c,
                        Text::new(
                            format!("身份证号以数字形式保存，后几位已被 Excel 改动；{hint_zh}"),
                            format!("the ID number is stored as a number and Excel has changed its last digits; {hint_en}"),
                        ),
                    );
                    ok = false;
                    None
                } else {
                    match id_no::normalise(&raw) {
                        Ok(v) => Some(v),
                        Err(IdNoError::Malformed(_)) => {
                            let n = raw.chars().count();
                            ctx.error(
                                ProblemKind::BadIdNo,
                                row,
                                c,
                                Text::new(
                                    format!("身份证号格式错误（{n} 个字符，应为 17 位数字加 1 位数字或 X），尾号 {}", id_no::mask(&raw)),
                                    format!("malformed ID number ({n} characters; expected 17 digits and a digit or X), ending {}", id_no::mask(&raw)),
                                ),
                            );
                            ok = false;
                            None
                        }
                        Err(IdNoError::CheckDigit {
                            value,
                            found,
                            expected,
                        }) => {
                            ctx.error(
                                ProblemKind::IdCheckDigit,
                                row,
                                c,
                                Text::new(
                                    format!("身份证号 {} 校验位错误：末位是 {found}，按前 17 位应为 {expected}；请核对", id_no::mask(&value)),
                                    format!("ID number {} fails its check digit: it ends in {found}, the first 17 digits give {expected}; please check it", id_no::mask(&value)),
                                ),
                            );
                            ok = false;
                            None
                        }
                    }
                }
            }
        };

        let code = match col(Field::Code) {
            None => None,
            Some(c) => {
                match number_like(get(Field::Code), ctx, row, c, ("采集码", "collection code")) {
                    None => {
                        ok = false;
                        None
                    }
                    Some(v) if v.is_empty() => None,
                    Some(v) => Some(v),
                }
            }
        };

        {
            use crate::text::{MAX_LABEL, MAX_NAME, MAX_STUDENT_NO, check_field};
            let fields = [
                (
                    Field::StudentNo,
                    "学号",
                    "student number",
                    Some(&student_no),
                    MAX_STUDENT_NO,
                ),
                (Field::Name, "姓名", "name", Some(&name), MAX_NAME),
                (Field::Class, "班级", "class", Some(&class), MAX_LABEL),
                (Field::School, "学院", "school", school.as_ref(), MAX_LABEL),
                (Field::Major, "专业", "major", major.as_ref(), MAX_LABEL),
                (
                    Field::Code,
                    "采集码",
                    "collection code",
                    code.as_ref(),
                    65_536,
                ),
            ];
            for (f, zh, en, value, max) in fields {
                let (Some(value), Some(c)) = (value, col(f)) else {
                    continue;
                };
                if let Err(problem) = check_field(en, value, max) {
                    ctx.error(
                        ProblemKind::UnsafeText,
                        row,
                        c,
                        Text::new(
                            format!("{zh}含有控制字符或文字方向控制符，或超过 {max} 个字符；请在表格中重新输入"),
                            problem,
                        ),
                    );
                    ok = false;
                }
            }
        }
        if ok {
            out.push(RosterRow {
                sheet: grid.sheet.clone(),
                row,
                student_no,
                name,
                class,
                school,
                major,
                status,
                id_no,
                code,
            });
        }
    }
    flush_run(&mut fill_run, ctx);
}

fn at(r: &RosterRow, zh: bool) -> String {
    match (&r.sheet, zh) {
        (Some(s), true) => format!("工作表「{s}」第 {} 行", r.row),
        (Some(s), false) => format!("sheet {s:?} row {}", r.row),
        (None, true) => format!("第 {} 行", r.row),
        (None, false) => format!("row {}", r.row),
    }
}

/// Finds duplicates across all sheets: exact duplicate rows are dropped with a warning; the same student number,
/// ID number or collection code on different students is an error on the later row.
fn dedupe(
    rows: Vec<RosterRow>,
    sheets: &[SheetInfo],
    file: &str,
    problems: &mut Vec<Problem>,
) -> Vec<RosterRow> {
    let column = |sheet: &Option<String>, f: Field| -> (Option<String>, Option<String>) {
        sheets
            .iter()
            .find(|s| &s.sheet == sheet)
            .and_then(|s| s.columns.iter().find(|c| c.field == f))
            .map(|c| (Some(c.header.clone()), Some(c.letter.clone())))
            .unwrap_or((None, None))
    };
    let mut by_no: HashMap<String, usize> = HashMap::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    let mut by_code: HashMap<String, usize> = HashMap::new();
    let mut out: Vec<RosterRow> = Vec::with_capacity(rows.len());
    for r in rows {
        let mut problem = |kind, severity, f: Field, message: Text| {
            let (column, column_letter) = column(&r.sheet, f);
            problems.push(Problem {
                severity,
                kind,
                file: file.to_string(),
                sheet: r.sheet.clone(),
                row: Some(r.row),
                column,
                column_letter,
                message,
            });
        };
        if let Some(&i) = by_no.get(&r.student_no) {
            let first = &out[i];
            let same = first.name == r.name
                && first.class == r.class
                && first.status == r.status
                && first.id_no == r.id_no
                && first.code == r.code
                && first.school == r.school
                && first.major == r.major;
            if same {
                problem(
                    ProblemKind::DuplicateRowIgnored,
                    Severity::Warning,
                    Field::StudentNo,
                    Text::new(
                        format!("与{}完全相同，已忽略", at(first, true)),
                        format!("identical to {}; ignored", at(first, false)),
                    ),
                );
            } else {
                problem(
                    ProblemKind::DuplicateStudentNo,
                    Severity::Error,
                    Field::StudentNo,
                    Text::new(
                        format!(
                            "学号 {} 重复：{}已有（{}，{}），内容不同",
                            r.student_no,
                            at(first, true),
                            first.name,
                            first.class
                        ),
                        format!(
                            "student number {} appears twice with different data: {} has {} ({})",
                            r.student_no,
                            at(first, false),
                            first.name,
                            first.class
                        ),
                    ),
                );
            }
            continue;
        }
        if let Some(id) = &r.id_no
            && let Some(&i) = by_id.get(id)
        {
            let first = &out[i];
            problem(
                ProblemKind::DuplicateIdNo,
                Severity::Error,
                Field::IdNo,
                Text::new(
                    format!(
                        "身份证号 {} 与{}（{} {}）相同",
                        id_no::mask(id),
                        at(first, true),
                        first.student_no,
                        first.name
                    ),
                    format!(
                        "ID number {} is the same as on {} ({} {})",
                        id_no::mask(id),
                        at(first, false),
                        first.student_no,
                        first.name
                    ),
                ),
            );
            continue;
        }
        if let Some(code) = &r.code
            && let Some(&i) = by_code.get(code)
        {
            let first = &out[i];
            problem(
                ProblemKind::DuplicateCode,
                Severity::Error,
                Field::Code,
                Text::new(
                    format!(
                        "采集码与{}（{} {}）相同",
                        at(first, true),
                        first.student_no,
                        first.name
                    ),
                    format!(
                        "the collection code is the same as on {} ({} {})",
                        at(first, false),
                        first.student_no,
                        first.name
                    ),
                ),
            );
            continue;
        }
        let i = out.len();
        by_no.insert(r.student_no.clone(), i);
        if let Some(id) = &r.id_no {
            by_id.insert(id.clone(), i);
        }
        if let Some(code) = &r.code {
            by_code.insert(code.clone(), i);
        }
        out.push(r);
    }
    out
}

/// Checks sheets already read as text. With `opts.sheet` unset, every sheet with a header row is read and the
/// others are skipped with a warning.
pub fn parse_grids(
    file: &str,
    encoding: Option<String>,
    grids: &[Grid],
    opts: &ReadOptions,
) -> ParsedRoster {
    let mut problems = Vec::new();
    let mut sheets = Vec::new();
    let mut rows = Vec::new();
    for grid in grids {
        let mut ctx = Ctx {
            file,
            sheet: grid.sheet.clone(),
            problems: &mut problems,
        };
        match find_header(grid, &opts.columns) {
            Some(header) => {
                sheets.push(SheetInfo {
                    sheet: grid.sheet.clone(),
                    header_row: header.row,
                    columns: header.columns.clone(),
                });
                read_sheet(grid, &header, opts, &mut ctx, &mut rows);
            }
            None if grid.rows.iter().all(|r| r.is_blank()) => {}
            None => ctx.push(
                Severity::Warning,
                ProblemKind::SheetSkipped,
                None,
                None,
                Text::new(
                    "前 30 行中没有同时含“学号”和“姓名”的表头，已跳过该工作表",
                    "no header row with 学号 (student number) and 姓名 (name) in the first 30 rows; sheet skipped",
                ),
            ),
        }
    }
    if sheets.is_empty() {
        problems.push(Problem {
            severity: Severity::Error,
            kind: ProblemKind::NoHeader,
            file: file.to_string(),
            sheet: opts.sheet.clone(),
            row: None,
            column: None,
            column_letter: None,
            message: Text::new(
                "找不到表头：需要一行同时含“学号”和“姓名”（或用 --map student_no=列名 --map name=列名 指定）",
                "no header row found: one row must name 学号 (student number) and 姓名 (name); or use --map student_no=HEADER --map name=HEADER",
            ),
        });
    }
    let rows = dedupe(rows, &sheets, file, &mut problems);
    ParsedRoster {
        file: file.to_string(),
        encoding,
        sheets,
        rows,
        problems,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_words() {
        let o = ReadOptions {
            normal_words: vec!["转专业".into()],
            ..Default::default()
        };
        assert_eq!(o.status_of(""), Some(StudentStatus::Normal));
        assert_eq!(o.status_of(" 降级 "), Some(StudentStatus::HeldBack));
        assert_eq!(o.status_of("2019级降级"), Some(StudentStatus::HeldBack));
        assert_eq!(o.status_of("复读生"), Some(StudentStatus::Repeating));
        assert_eq!(o.status_of("Held Back"), Some(StudentStatus::HeldBack));
        assert_eq!(o.status_of("转专业"), Some(StudentStatus::Normal));
        assert_eq!(o.status_of("降级复读"), None);
        assert_eq!(o.status_of("休学"), None);
    }
}
