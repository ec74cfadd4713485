//! Class lists: import from Excel (`.xlsx`, `.xls`) and CSV (UTF-8, GBK, GB18030), validation with a located
//! report, all-or-nothing loading into the store, shooting order, progress and follow-up lists.
//!
//! Reading: every cell is read as the text a spreadsheet shows (numeric `2020123456.0` → `2020123456`, leading
//! zeros of text cells kept); the header row is found below title rows; columns are mapped by their usual
//! Chinese or English names ([`columns`]) unless `[roster.columns]` or `--map field=header` say otherwise.
//! The checks are listed in [`parse`]; the store-side rules (re-import, changes, missing students) in
//! `store/roster.rs` ([`crate::store::Store::import_roster`]).
//!
//! Shooting order ([`order`]): per class, 降级 and 复读 first, then student numbers ascending, comparing digit
//! runs by numeric value (`2020012` < `20200101`); classes in the order set by the roster staff.
//!
//! Privacy: ID numbers are stored sealed with the station's data key and shown only as `****8746`.

pub mod cli;
pub mod columns;
pub mod csv;
pub mod export;
pub mod grid;
pub mod id_no;
pub mod limits;
pub mod order;
pub mod parse;
pub mod report;
pub mod settings;
pub mod text;
pub mod workbook;

use std::path::Path;

pub use columns::Field;
pub use csv::CsvEncoding;
pub use parse::{ParsedRoster, ReadOptions, RosterRow, parse_grids};
pub use report::{ImportReport, Problem, ProblemKind, Severity};
pub use settings::{ColumnNames, RosterSettings};
pub use text::Text;

/// A roster file that could not be read at all (as opposed to problems inside it).
#[derive(Debug, thiserror::Error)]
pub enum RosterError {
    /// The file could not be opened.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// Not a readable workbook.
    #[error("cannot read the workbook {path}: {reason}")]
    Workbook {
        /// The file.
        path: String,
        /// calamine's reason.
        reason: String,
    },
    /// The CSV bytes are not valid in the chosen or detected encoding.
    #[error(
        "{path} is not valid {encoding} text; choose the encoding with --encoding utf-8, gbk or gb18030"
    )]
    Encoding {
        /// The file.
        path: String,
        /// The encoding tried.
        encoding: &'static str,
    },
    /// The file exceeds what a roster may hold (size, rows, columns, cell length, unpacked size).
    #[error("{path}: {}; nothing was imported", .reason.en)]
    Limit {
        /// The file.
        path: String,
        /// Which bound, in both languages.
        reason: Text,
    },
    /// Unknown extension.
    #[error("{path}: unsupported file type; use .xlsx, .xls or .csv")]
    UnsupportedType {
        /// The file.
        path: String,
    },
    /// `--sheet` given for a CSV file.
    #[error("--sheet applies to Excel workbooks only; {path} is a CSV file")]
    SheetForCsv {
        /// The file.
        path: String,
    },
}

impl RosterError {
    /// The message in Chinese and English.
    pub fn text(&self) -> Text {
        let zh = match self {
            RosterError::Io { path, source } => format!("无法读取 {path}：{source}"),
            RosterError::Workbook { path, reason } => {
                format!("无法读取 Excel 文件 {path}：{reason}")
            }
            RosterError::Limit { path, reason } => format!("{path}：{}；未导入任何内容", reason.zh),
            RosterError::Encoding { path, encoding } => format!(
                "{path} 不是有效的 {encoding} 文本；请用 --encoding utf-8、gbk 或 gb18030 指定编码"
            ),
            RosterError::UnsupportedType { path } => {
                format!("{path}：不支持的文件类型，请使用 .xlsx、.xls 或 .csv")
            }
            RosterError::SheetForCsv { path } => {
                format!("--sheet 只适用于 Excel 文件；{path} 是 CSV 文件")
            }
        };
        Text::new(zh, self.to_string())
    }
}

/// Reads and checks a roster file (`.xlsx`, `.xlsm`, `.xls`, `.ods` or `.csv`); nothing is written.
pub fn read_file(
    path: &Path,
    encoding: CsvEncoding,
    opts: &ReadOptions,
) -> Result<ParsedRoster, RosterError> {
    let shown = path.display().to_string();
    let file = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| shown.clone());
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "csv" | "txt" => {
            if opts.sheet.is_some() {
                return Err(RosterError::SheetForCsv { path: shown });
            }
            limits::check_file_size(path).map_err(|reason| RosterError::Limit {
                path: shown.clone(),
                reason,
            })?;
            let bytes = std::fs::read(path).map_err(|source| RosterError::Io {
                path: shown.clone(),
                source,
            })?;
            let (text, used) =
                csv::decode(&bytes, encoding).ok_or_else(|| RosterError::Encoding {
                    path: shown.clone(),
                    encoding: match encoding {
                        CsvEncoding::Utf8 => "UTF-8",
                        _ => "GB18030/GBK",
                    },
                })?;
            let grid = csv::parse(&text).map_err(|reason| RosterError::Limit {
                path: shown.clone(),
                reason,
            })?;
            Ok(parse_grids(&file, Some(used.to_string()), &[grid], opts))
        }
        "xlsx" | "xlsm" | "xls" | "xlsb" | "ods" => {
            if !path.exists() {
                return Err(RosterError::Io {
                    path: shown,
                    source: std::io::Error::from(std::io::ErrorKind::NotFound),
                });
            }
            let grids = workbook::read(path, opts.sheet.as_deref()).map_err(|e| match e {
                workbook::WorkbookError::Unreadable(reason) => RosterError::Workbook {
                    path: shown.clone(),
                    reason,
                },
                workbook::WorkbookError::Limit(reason) => RosterError::Limit {
                    path: shown.clone(),
                    reason,
                },
            })?;
            Ok(parse_grids(&file, None, &grids, opts))
        }
        _ => Err(RosterError::UnsupportedType { path: shown }),
    }
}
