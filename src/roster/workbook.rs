//! Excel workbooks (`.xlsx`, `.xls`, also `.xlsm`/`.ods`) read through calamine, every cell as the text Excel
//! shows in its General format; merged areas give every covered cell the top-left value.

use std::path::Path;

use calamine::{Data, Dimensions, Range, Reader, Sheets, open_workbook_auto};

use super::grid::{Cell, Grid, GridRow};
use super::text::format_number;

/// Why a workbook could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct WorkbookError(pub String);

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

/// Reads the named sheet, or every sheet when `sheet` is `None`.
pub fn read(path: &Path, sheet: Option<&str>) -> Result<Vec<Grid>, WorkbookError> {
    let mut book = open_workbook_auto(path).map_err(|e| WorkbookError(e.to_string()))?;
    let names = book.sheet_names();
    let wanted: Vec<String> = match sheet {
        Some(s) => {
            let found = names
                .iter()
                .find(|n| n.as_str() == s)
                .or_else(|| names.iter().find(|n| n.trim() == s.trim()))
                .ok_or_else(|| {
                    WorkbookError(format!(
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
        let range = book
            .worksheet_range(&name)
            .map_err(|e| WorkbookError(format!("sheet {name:?}: {e}")))?;
        let merged = match &mut book {
            Sheets::Xlsx(x) => x.merge_cells_by_sheet_name(&name).unwrap_or_default(),
            Sheets::Xls(x) => x.merge_cells_by_sheet_name(&name).unwrap_or_default(),
            _ => Vec::new(),
        };
        out.push(grid_of(&name, &range, &merged));
    }
    Ok(out)
}
