//! The index `unpack` writes beside the JPEGs, as CSV (UTF-8 with BOM, opens in Excel and scripts) and as
//! XLSX (every cell text, so student numbers and collection codes keep their exact form).

use std::path::{Path, PathBuf};

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use super::UploadError;

/// File name of the CSV index.
pub const INDEX_CSV: &str = "index.csv";
/// File name of the XLSX index.
pub const INDEX_XLSX: &str = "index.xlsx";

/// Column headers of both files.
pub const HEADERS: [&str; 13] = [
    "status",
    "file",
    "student_no",
    "name",
    "class",
    "collection_code",
    "station_id",
    "photo_id",
    "captured_at",
    "decision",
    "verdict",
    "sha256",
    "note",
];

/// One index row, in [`HEADERS`] order.
pub type Row = [String; 13];

/// Longest cell written (Excel's limit is 32,767 characters).
const MAX_CELL_CHARS: usize = 32_000;

fn csv_line(fields: &[&str]) -> String {
    let cells: Vec<String> = fields
        .iter()
        .map(|f| crate::text::csv_field(&crate::text::truncate_chars(f, MAX_CELL_CHARS)))
        .collect();
    cells.join(",") + "\r\n"
}

fn xlsx(rows: &[Row]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("index")?;
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    for (c, h) in HEADERS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let v = crate::text::truncate_chars(v, MAX_CELL_CHARS);
            sheet.write_string_with_format(r as u32 + 1, c as u16, v.as_ref(), &text)?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofit();
    book.save_to_buffer()
}

/// Writes `rows` as [`INDEX_CSV`] and [`INDEX_XLSX`] in `out` (private files; existing ones are replaced only
/// when `force`); returns both paths.
pub fn write(out: &Path, rows: &[Row], force: bool) -> Result<(PathBuf, PathBuf), UploadError> {
    let csv_path = out.join(INDEX_CSV);
    let mut text = String::from("\u{feff}");
    text += &csv_line(&HEADERS);
    for row in rows {
        let fields: Vec<&str> = row.iter().map(String::as_str).collect();
        text += &csv_line(&fields);
    }
    crate::files::write_new_private(&csv_path, text.as_bytes(), force).map_err(|source| {
        UploadError::Io {
            path: csv_path.clone(),
            source,
        }
    })?;
    let xlsx_path = out.join(INDEX_XLSX);
    let book = xlsx(rows).map_err(|e| UploadError::Io {
        path: xlsx_path.clone(),
        source: std::io::Error::other(e.to_string()),
    })?;
    crate::files::write_new_private(&xlsx_path, &book, force).map_err(|source| {
        UploadError::Io {
            path: xlsx_path.clone(),
            source,
        }
    })?;
    Ok((csv_path, xlsx_path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_only_what_needs_it_and_neutralises_formulas() {
        assert_eq!(csv_line(&["a", "b,c", "d\"e"]), "a,\"b,c\",\"d\"\"e\"\r\n");
        assert_eq!(csv_line(&["=1+1", "@x"]), "'=1+1,'@x\r\n");
    }
}
