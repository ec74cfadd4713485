//! Roster columns: the fields the station reads, their usual header names, header-row detection and the
//! mapping from fields to columns (config overrides and `--map field=header` win over the built-in names).

use serde::Serialize;

use super::grid::{Grid, column_letter};
use super::settings::ColumnNames;
use super::text::fold_width;

/// A roster field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// 学号.
    StudentNo,
    /// 姓名.
    Name,
    /// 班级.
    Class,
    /// 学院.
    School,
    /// 专业.
    Major,
    /// 身份证号.
    IdNo,
    /// 降级/复读 (备注, 类别, 学籍异动, 状态).
    Status,
    /// 采集码.
    Code,
}

/// Every field, in display order.
pub const ALL_FIELDS: [Field; 8] = [
    Field::StudentNo,
    Field::Name,
    Field::Class,
    Field::School,
    Field::Major,
    Field::IdNo,
    Field::Status,
    Field::Code,
];

impl Field {
    /// The key used in config and `--map`.
    pub fn key(self) -> &'static str {
        match self {
            Field::StudentNo => "student_no",
            Field::Name => "name",
            Field::Class => "class",
            Field::School => "school",
            Field::Major => "major",
            Field::IdNo => "id_no",
            Field::Status => "status",
            Field::Code => "code",
        }
    }

    /// Parses a config/`--map` key (also accepts the Chinese header word).
    pub fn parse(s: &str) -> Option<Field> {
        let n = normalise_header(s);
        ALL_FIELDS
            .into_iter()
            .find(|f| normalise_header(f.key()) == n || normalise_header(f.zh()) == n)
    }

    /// The usual Chinese header.
    pub fn zh(self) -> &'static str {
        match self {
            Field::StudentNo => "学号",
            Field::Name => "姓名",
            Field::Class => "班级",
            Field::School => "学院",
            Field::Major => "专业",
            Field::IdNo => "身份证号",
            Field::Status => "备注",
            Field::Code => "采集码",
        }
    }

    /// Known header names, best first (compared after [`normalise_header`]).
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Field::StudentNo => &[
                "学号",
                "学生学号",
                "学生编号",
                "studentno",
                "studentnumber",
                "studentid",
                "no",
            ],
            Field::Name => &[
                "姓名",
                "学生姓名",
                "名字",
                "name",
                "studentname",
                "fullname",
            ],
            Field::Class => &[
                "班级",
                "班级名称",
                "行政班",
                "行政班级",
                "班",
                "class",
                "classname",
            ],
            Field::School => &[
                "学院",
                "院系",
                "所在学院",
                "学院名称",
                "系",
                "school",
                "college",
                "faculty",
                "department",
            ],
            Field::Major => &[
                "专业",
                "专业名称",
                "所学专业",
                "major",
                "programme",
                "program",
            ],
            Field::IdNo => &[
                "身份证号",
                "身份证号码",
                "身份证",
                "公民身份号码",
                "证件号码",
                "证件号",
                "idno",
                "idnumber",
                "idcard",
                "idcardno",
            ],
            Field::Status => &[
                "学籍异动",
                "异动类别",
                "类别",
                "学生类别",
                "学籍状态",
                "状态",
                "备注",
                "status",
                "category",
                "remark",
                "remarks",
                "note",
            ],
            Field::Code => &[
                "采集码",
                "图像采集码",
                "采集码编号",
                "collectioncode",
                "code",
            ],
        }
    }
}

/// Header comparison form: full width folded, lower case, without spaces, punctuation and a trailing
/// parenthesised note (`学号（必填）` → `学号`).
pub fn normalise_header(s: &str) -> String {
    let folded = fold_width(s).to_lowercase();
    let mut out = String::new();
    let mut depth = 0u32;
    for c in folded.chars() {
        match c {
            '(' | '[' | '【' => depth += 1,
            ')' | ']' | '】' => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            c if c.is_whitespace() || "_-.:*#/'\"、：".contains(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// Where a field was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MappedColumn {
    /// The field.
    pub field: Field,
    /// 0-based column index.
    pub index: usize,
    /// The header text as written in the file.
    pub header: String,
    /// Column letter (`A`, `B`, …).
    pub letter: String,
}

/// The header row of a sheet and its field → column mapping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeaderMap {
    /// Index of the header row in [`Grid::rows`].
    pub row_index: usize,
    /// Spreadsheet row number of the header.
    pub row: u32,
    /// The mapped columns.
    pub columns: Vec<MappedColumn>,
}

impl HeaderMap {
    /// The column of `field`, if the sheet has it.
    pub fn get(&self, field: Field) -> Option<&MappedColumn> {
        self.columns.iter().find(|c| c.field == field)
    }
}

/// Rows searched for the header (title rows above it are common).
pub const HEADER_SEARCH_ROWS: usize = 30;

/// Maps the cells of one row; `None` unless both 学号 and 姓名 are found.
fn map_row(cells: &[super::grid::Cell], overrides: &ColumnNames) -> Option<Vec<MappedColumn>> {
    let headers: Vec<String> = cells.iter().map(|c| normalise_header(&c.text)).collect();
    let mut out: Vec<MappedColumn> = Vec::new();
    let pick = |field: Field, index: usize, out: &mut Vec<MappedColumn>| {
        out.push(MappedColumn {
            field,
            index,
            header: cells[index].text.trim().to_string(),
            letter: column_letter(index),
        });
    };
    let mut pending = Vec::new();
    for field in super::columns::ALL_FIELDS {
        if let Some(name) = overrides.get(field) {
            let want = normalise_header(name);
            if let Some(i) = headers.iter().position(|h| !h.is_empty() && *h == want) {
                pick(field, i, &mut out);
                continue;
            }
        }
        pending.push(field);
    }
    for field in pending {
        let best = field.aliases().iter().find_map(|alias| {
            (0..headers.len()).find(|&i| headers[i] == *alias && !out.iter().any(|m| m.index == i))
        });
        if let Some(i) = best {
            pick(field, i, &mut out);
        }
    }
    let has = |f: Field| out.iter().any(|m| m.field == f);
    (has(Field::StudentNo) && has(Field::Name)).then(|| {
        out.sort_by_key(|m| m.index);
        out
    })
}

/// Finds the first row, among the first [`HEADER_SEARCH_ROWS`] non-blank ones, that names both the student
/// number and the name column.
pub fn find_header(grid: &Grid, overrides: &ColumnNames) -> Option<HeaderMap> {
    grid.rows
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.is_blank())
        .take(HEADER_SEARCH_ROWS)
        .find_map(|(i, r)| {
            map_row(&r.cells, overrides).map(|columns| HeaderMap {
                row_index: i,
                row: r.row,
                columns,
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roster::grid::{Cell, GridRow};

    fn grid(rows: &[&[&str]]) -> Grid {
        Grid {
            sheet: Some("S".into()),
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, r)| GridRow {
                    row: i as u32 + 1,
                    cells: r.iter().map(|s| Cell::text(*s)).collect(),
                })
                .collect(),
        }
    }

    #[test]
    fn header_below_title_rows() {
        let g = grid(&[
            &["2024届毕业生名单"],
            &[],
            &[
                "序号",
                "学号（必填）",
                "姓 名",
                "班级",
                "身份证号码",
                "备注",
                "状态",
            ],
        ]);
        let h = find_header(&g, &ColumnNames::default()).unwrap();
        assert_eq!(h.row, 3);
        assert_eq!(h.get(Field::StudentNo).unwrap().letter, "B");
        assert_eq!(h.get(Field::Name).unwrap().header, "姓 名");
        assert_eq!(h.get(Field::IdNo).unwrap().index, 4);
        // 状态 ranks above 备注.
        assert_eq!(h.get(Field::Status).unwrap().index, 6);
        assert!(h.get(Field::Code).is_none());
    }

    #[test]
    fn english_and_overrides() {
        let g = grid(&[&["Student No.", "Name", "Class", "Remark", "学生号码"]]);
        let h = find_header(&g, &ColumnNames::default()).unwrap();
        assert_eq!(h.get(Field::StudentNo).unwrap().index, 0);
        let mut o = ColumnNames::default();
        o.set(Field::StudentNo, "学生号码".into());
        let h = find_header(&g, &o).unwrap();
        assert_eq!(h.get(Field::StudentNo).unwrap().index, 4);
        assert_eq!(Field::parse("学号"), Some(Field::StudentNo));
        assert_eq!(Field::parse("ID_NO"), Some(Field::IdNo));
        assert!(find_header(&grid(&[&["学号", "班级"]]), &ColumnNames::default()).is_none());
    }
}
