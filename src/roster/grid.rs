//! A sheet read as text: rows of cells with their 1-based row numbers as a spreadsheet shows them.

/// One cell as displayed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cell {
    /// The text as shown.
    pub text: String,
    /// The workbook stored a number here (digits past the 16th may be lost).
    pub numeric: bool,
    /// The number as stored, for numeric cells.
    pub number: Option<f64>,
}

impl Cell {
    /// A text cell.
    pub fn text(s: impl Into<String>) -> Cell {
        Cell {
            text: s.into(),
            numeric: false,
            number: None,
        }
    }
}

/// One non-blank row.
#[derive(Debug, Clone, PartialEq)]
pub struct GridRow {
    /// Row number as the spreadsheet shows it (1-based; for CSV the line where the record starts).
    pub row: u32,
    /// Cells from column A.
    pub cells: Vec<Cell>,
}

impl GridRow {
    /// True if every cell is blank.
    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| c.text.trim().is_empty())
    }
}

/// A sheet (or a whole CSV file) as rows of text.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    /// Sheet name; `None` for CSV.
    pub sheet: Option<String>,
    /// The rows, blank rows included (they are skipped later).
    pub rows: Vec<GridRow>,
}

/// Column letters as a spreadsheet shows them (0 → `A`, 26 → `AA`).
pub fn column_letter(mut col: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::column_letter;

    #[test]
    fn letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }
}
