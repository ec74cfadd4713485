//! Excel workbooks (`.xlsx`, `.xls`, also `.xlsm`/`.ods`) read through calamine, every cell as the text Excel
//! shows in its General format; merged areas give every covered cell the top-left value. Zip-based
//! workbooks are checked against [`super::limits`] before parsing, and `.xlsx` sheets are streamed cell by
//! cell, so a sheet that claims a huge size allocates nothing.

use std::collections::BTreeMap;
use std::path::Path;

use calamine::{Data, Dimensions, Range, Reader, Sheets, open_workbook_auto};

use super::grid::{Cell, Grid, GridRow};
use super::limits;
use super::text::format_number;
use crate::i18n::Text;

/// Why a workbook could not be read.
#[derive(Debug, thiserror::Error)]
pub enum WorkbookError {
    /// calamine could not read it.
    #[error("{0}")]
    Unreadable(String),
    /// It exceeds a bound of [`super::limits`].
    #[error("{}", .0.en)]
    Limit(Text),
}

fn cell_of(d: &Data) -> Cell {
    match d {
        Data::Empty => Cell::default(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::text(s.clone()),
        Data::Int(i) => Cell {
            text: i.to_string(),
            numeric: true,
            number: Some(*i as f64),
        },
        Data::Float(f) => Cell {
            text: format_number(*f),
            numeric: true,
            number: Some(*f),
        },
        Data::Bool(b) => Cell::text(if *b { "TRUE" } else { "FALSE" }),
        Data::DateTime(dt) => {
            let (y, mo, d, h, mi, s, _) = dt.to_ymd_hms_milli();
            if (h, mi, s) == (0, 0, 0) {
                Cell::text(format!("{y:04}-{mo:02}-{d:02}"))
            } else {
                Cell::text(format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}"))
            }
        }
        Data::Error(e) => Cell::text(e.to_string()),
    }
}

fn grid_of(name: &str, range: &Range<Data>, merged: &[Dimensions]) -> Grid {
    let Some((row0, col0)) = range.start() else {
        return Grid {
            sheet: Some(name.to_string()),
            rows: Vec::new(),
        };
    };
    let mut rows: Vec<GridRow> = range
        .rows()
        .enumerate()
        .map(|(i, r)| {
            let mut cells = vec![Cell::default(); col0 as usize];
            cells.extend(r.iter().map(cell_of));
            GridRow {
                row: row0 + i as u32 + 1,
                cells,
            }
        })
        .collect();
    for m in merged {
        let Some(value) = range.get_value(m.start).map(cell_of) else {
            continue;
        };
        for r in m.start.0..=m.end.0 {
            let Some(row) = r.checked_sub(row0).and_then(|i| rows.get_mut(i as usize)) else {
                continue;
            };
            for c in m.start.1..=m.end.1 {
                if let Some(cell) = row.cells.get_mut(c as usize)
                    && cell.text.is_empty()
                {
                    *cell = value.clone();
                }
            }
        }
    }
    Grid {
        sheet: Some(name.to_string()),
        rows,
    }
}

/// Streams an `.xlsx` sheet into rows, refusing cells outside [`limits`] as they arrive.
fn stream_xlsx<RS: std::io::Read + std::io::Seek>(
    book: &mut calamine::Xlsx<RS>,
    name: &str,
) -> Result<Grid, WorkbookError> {
    let unreadable =
        |e: calamine::XlsxError| WorkbookError::Unreadable(format!("sheet {name:?}: {e}"));
    let mut reader = book.worksheet_cells_reader(name).map_err(unreadable)?;
    let mut rows: BTreeMap<u32, Vec<Cell>> = BTreeMap::new();
    while let Some(cell) = reader.next_cell().map_err(unreadable)? {
        let (r, c) = cell.get_position();
        let value: Data = cell.get_value().clone().into();
        if matches!(value, Data::Empty) {
            continue;
        }
        let cell = cell_of(&value);
        limits::check_cell(r, c, cell.text.chars().count(), &|_| {
            format!("{name} {}{}", super::grid::column_letter(c as usize), r + 1)
        })
        .map_err(WorkbookError::Limit)?;
        let row = rows.entry(r).or_default();
        if row.len() <= c as usize {
            row.resize(c as usize + 1, Cell::default());
        }
        row[c as usize] = cell;
    }
    drop(reader);
    let merged = book.merge_cells_by_sheet_name(name).unwrap_or_default();
    let mut grid = Grid {
        sheet: Some(name.to_string()),
        rows: rows
            .into_iter()
            .map(|(r, cells)| GridRow { row: r + 1, cells })
            .collect(),
    };
    fill_merged(&mut grid, &merged);
    Ok(grid)
}

/// Gives every blank cell of a merged area the area's top-left value (rows and columns within the limits).
fn fill_merged(grid: &mut Grid, merged: &[Dimensions]) {
    for m in merged {
        let top_left = grid
            .rows
            .iter()
            .find(|r| r.row == m.start.0 + 1)
            .and_then(|r| r.cells.get(m.start.1 as usize))
            .cloned();
        let Some(value) = top_left.filter(|c| !c.text.is_empty()) else {
            continue;
        };
        let last_col = m.end.1.min(limits::MAX_COLS - 1);
        for row in grid
            .rows
            .iter_mut()
            .filter(|r| r.row > m.start.0 && r.row <= m.end.0 + 1)
        {
            if row.cells.len() <= last_col as usize {
                row.cells.resize(last_col as usize + 1, Cell::default());
            }
            for c in m.start.1..=last_col {
                if let Some(cell) = row.cells.get_mut(c as usize)
                    && cell.text.is_empty()
                {
                    *cell = value.clone();
                }
            }
        }
    }
}

/// Reads the named sheet, or every sheet when `sheet` is `None`.
pub fn read(path: &Path, sheet: Option<&str>) -> Result<Vec<Grid>, WorkbookError> {
    limits::check_file_size(path).map_err(WorkbookError::Limit)?;
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if matches!(ext.as_str(), "xlsx" | "xlsm" | "ods") {
        limits::check_zip(path).map_err(WorkbookError::Limit)?;
    }
    let mut book =
        open_workbook_auto(path).map_err(|e| WorkbookError::Unreadable(e.to_string()))?;
    let names = book.sheet_names();
    let wanted: Vec<String> = match sheet {
        Some(s) => {
            let found = names
                .iter()
                .find(|n| n.as_str() == s)
                .or_else(|| names.iter().find(|n| n.trim() == s.trim()))
                .ok_or_else(|| {
                    WorkbookError::Unreadable(format!(
                        "no sheet named {s:?}; the workbook has: {}",
                        names.join(", ")
                    ))
                })?;
            vec![found.clone()]
        }
        None => names.clone(),
    };
    let mut out = Vec::with_capacity(wanted.len());
    for name in wanted {
        if let Sheets::Xlsx(x) = &mut book {
            out.push(stream_xlsx(x, &name)?);
            continue;
        }
        let range = book
            .worksheet_range(&name)
            .map_err(|e| WorkbookError::Unreadable(format!("sheet {name:?}: {e}")))?;
        if let Some((h, w)) = Some(range.get_size())
            && (h as u64 > limits::MAX_ROWS as u64 || w as u64 > limits::MAX_COLS as u64)
        {
            return Err(WorkbookError::Limit(limits::exceeded(
                format!(
                    "工作表 {name} 有 {h} 行 × {w} 列，名单最多 {} 行 × {} 列",
                    limits::MAX_ROWS,
                    limits::MAX_COLS
                ),
                format!(
                    "sheet {name:?} spans {h} rows × {w} columns; a roster may use at most {} × {}",
                    limits::MAX_ROWS,
                    limits::MAX_COLS
                ),
            )));
        }
        let merged = match &mut book {
            Sheets::Xlsx(x) => x.merge_cells_by_sheet_name(&name).unwrap_or_default(),
            Sheets::Xls(x) => x.merge_cells_by_sheet_name(&name).unwrap_or_default(),
            _ => Vec::new(),
        };
        out.push(grid_of(&name, &range, &merged));
    }
    Ok(out)
}
