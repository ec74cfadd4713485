//! CSV files: encoding detection (BOM → that encoding; valid UTF-8 → UTF-8; otherwise GB18030, a superset of
//! GBK) and an RFC 4180 reader (quoted fields, doubled quotes, line breaks inside quotes). The delimiter is
//! the one of `,`, tab and `;` that occurs most often outside quotes in the first lines.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::grid::{Cell, Grid, GridRow};
use super::limits;
use crate::i18n::Text;

/// A text encoding the user can choose for CSV files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CsvEncoding {
    /// Detect: a byte-order mark wins, valid UTF-8 is UTF-8, anything else is GB18030.
    #[default]
    Auto,
    /// UTF-8 (a BOM is skipped).
    #[serde(rename = "utf-8", alias = "utf8")]
    Utf8,
    /// GBK (decoded as GB18030, its superset).
    Gbk,
    /// GB18030.
    Gb18030,
}

impl FromStr for CsvEncoding {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "auto" => Ok(CsvEncoding::Auto),
            "utf-8" | "utf8" => Ok(CsvEncoding::Utf8),
            "gbk" | "cp936" | "gb2312" => Ok(CsvEncoding::Gbk),
            "gb18030" => Ok(CsvEncoding::Gb18030),
            other => Err(format!(
                "unknown encoding {other:?}; use auto, utf-8, gbk or gb18030"
            )),
        }
    }
}

/// Decodes CSV bytes; returns the text and the name of the encoding used. `None` if the bytes are not valid
/// in the chosen encoding.
pub fn decode(bytes: &[u8], choice: CsvEncoding) -> Option<(String, &'static str)> {
    let strict = |enc: &'static encoding_rs::Encoding, input: &[u8]| {
        enc.decode_without_bom_handling_and_without_replacement(input)
            .map(|s| (s.into_owned(), enc.name()))
    };
    match choice {
        CsvEncoding::Auto => {
            if let Some((enc, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
                return strict(enc, &bytes[bom_len..]);
            }
            if let Ok(s) = std::str::from_utf8(bytes) {
                return Some((s.to_string(), "UTF-8"));
            }
            strict(encoding_rs::GB18030, bytes)
        }
        CsvEncoding::Utf8 => {
            let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            strict(encoding_rs::UTF_8, body)
        }
        CsvEncoding::Gbk | CsvEncoding::Gb18030 => strict(encoding_rs::GB18030, bytes),
    }
}

fn guess_delimiter(text: &str) -> char {
    let mut counts = [0usize; 3];
    let candidates = [',', '\t', ';'];
    let mut in_quotes = false;
    let mut lines = 0;
    for c in text.chars() {
        match c {
            '"' => in_quotes = !in_quotes,
            '\n' if !in_quotes => {
                lines += 1;
                if lines >= 20 {
                    break;
                }
            }
            _ if !in_quotes => {
                if let Some(i) = candidates.iter().position(|d| *d == c) {
                    counts[i] += 1;
                }
            }
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|&i| (counts[i], 3 - i)).unwrap_or(0);
    candidates[best]
}

/// Splits decoded CSV text into rows; the row number is the line on which each record starts. A record past
/// [`limits::MAX_ROWS`], a column past [`limits::MAX_COLS`] or a field longer than
/// [`limits::MAX_CELL_CHARS`] stops the parse with an error naming its line.
pub fn parse(text: &str) -> Result<Grid, Text> {
    let delim = guess_delimiter(text);
    let mut rows = Vec::new();
    let mut cells: Vec<Cell> = Vec::new();
    let mut field = String::new();
    let mut in_quotes = false;
    let mut line: u32 = 1;
    let mut record_line: u32 = 1;
    let mut chars = text.chars().peekable();
    let mut pending = false;
    while let Some(c) = chars.next() {
        pending = true;
        if field.len() > 4 * limits::MAX_CELL_CHARS {
            // Already too long whatever follows: stop before a huge field is collected.
            check(rows.len(), cells.len(), &field, record_line)?;
        }
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                c => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.trim().is_empty() => {
                field.clear();
                in_quotes = true;
            }
            c if c == delim => {
                check(rows.len(), cells.len(), &field, record_line)?;
                cells.push(Cell::text(std::mem::take(&mut field)))
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                check(rows.len(), cells.len(), &field, record_line)?;
                cells.push(Cell::text(std::mem::take(&mut field)));
                rows.push(GridRow {
                    row: record_line,
                    cells: std::mem::take(&mut cells),
                });
                line += 1;
                record_line = line;
                pending = false;
            }
            c => field.push(c),
        }
    }
    if pending {
        check(rows.len(), cells.len(), &field, record_line)?;
        cells.push(Cell::text(field));
        rows.push(GridRow {
            row: record_line,
            cells,
        });
    }
    Ok(Grid { sheet: None, rows })
}

fn check(rows: usize, col: usize, field: &str, line: u32) -> Result<(), Text> {
    // Counting characters only when the bytes could exceed the bound keeps long files fast.
    let chars = if field.len() > limits::MAX_CELL_CHARS {
        field.chars().count()
    } else {
        0
    };
    limits::check_cell(rows as u32, col as u32, chars, &|zh| {
        if zh {
            format!("第 {line} 行第 {} 个字段", col + 1)
        } else {
            format!("line {line}, field {}", col + 1)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_encodings() {
        let (gbk, _, _) = encoding_rs::GBK.encode("学号,姓名\n");
        assert_eq!(
            decode(&gbk, CsvEncoding::Auto),
            Some(("学号,姓名\n".to_string(), "gb18030"))
        );
        let bom = [b"\xEF\xBB\xBF".as_slice(), "学号".as_bytes()].concat();
        assert_eq!(
            decode(&bom, CsvEncoding::Auto),
            Some(("学号".to_string(), "UTF-8"))
        );
        assert_eq!(
            decode("学号".as_bytes(), CsvEncoding::Auto),
            Some(("学号".to_string(), "UTF-8"))
        );
        assert_eq!(decode(&[0xFF, 0xFF, 0x30], CsvEncoding::Gb18030), None);
        assert_eq!("GBK".parse::<CsvEncoding>(), Ok(CsvEncoding::Gbk));
        assert!("latin1".parse::<CsvEncoding>().is_err());
    }

    #[test]
    fn quotes_and_line_numbers() {
        let g = parse("a,b\r\n\"x, \"\"y\"\"\",\"two\nlines\"\n\nlast,1").unwrap();
        let texts: Vec<(u32, Vec<&str>)> = g
            .rows
            .iter()
            .map(|r| (r.row, r.cells.iter().map(|c| c.text.as_str()).collect()))
            .collect();
        assert_eq!(
            texts,
            vec![
                (1, vec!["a", "b"]),
                (2, vec!["x, \"y\"", "two\nlines"]),
                (4, vec![""]),
                (5, vec!["last", "1"]),
            ]
        );
    }

    #[test]
    fn tab_delimited() {
        let g = parse("学号\t姓名\n1\t张三\n").unwrap();
        assert_eq!(g.rows[1].cells[1].text, "张三");
    }

    #[test]
    fn too_many_columns_and_too_long_fields_are_refused_by_line() {
        let wide = format!("学号,姓名\n1,张三{}\n", ",x".repeat(300));
        let err = parse(&wide).unwrap_err();
        assert!(err.en.contains("line 2, field 257"), "{}", err.en);
        let long = format!("学号,姓名\n1,\"{}\"\n", "长".repeat(3000));
        let err = parse(&long).unwrap_err();
        assert!(err.en.contains("line 2, field 2 holds"), "{}", err.en);
        assert!(err.en.contains("at most 2000"), "{}", err.en);
    }
}
