//! Bounds on what a roster file may hold, checked before anything large is allocated: a hostile file (a
//! sheet that claims a million columns, a zip bomb, a 10 MB cell) gets a clear error at once instead of
//! taking the station's memory.

use std::io::Read;
use std::path::Path;

use crate::i18n::Text;

/// Largest roster file read (a class list of 5,000 students is well under 1 MB).
pub const MAX_FILE_BYTES: u64 = 20 << 20;
/// Largest total size of a workbook's unpacked parts.
pub const MAX_UNPACKED_BYTES: u64 = 64 << 20;
/// Most parts in a workbook.
pub const MAX_PARTS: usize = 2_000;
/// Most rows read from a sheet or CSV file.
pub const MAX_ROWS: u32 = 100_000;
/// Most columns read.
pub const MAX_COLS: u32 = 256;
/// Longest cell, in characters.
pub const MAX_CELL_CHARS: usize = 2_000;

/// A bound that a file exceeds, in both languages.
pub fn exceeded(zh: String, en: String) -> Text {
    Text::new(zh, en)
}

/// Refuses files larger than [`MAX_FILE_BYTES`] before reading them.
pub fn check_file_size(path: &Path) -> Result<(), Text> {
    let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if len > MAX_FILE_BYTES {
        return Err(exceeded(
            format!(
                "文件有 {} MB，名单文件最多 {} MB",
                len >> 20,
                MAX_FILE_BYTES >> 20
            ),
            format!(
                "the file is {} MB; a roster file may be at most {} MB",
                len >> 20,
                MAX_FILE_BYTES >> 20
            ),
        ));
    }
    Ok(())
}

/// Checks a zip-based workbook (`.xlsx`, `.xlsm`, `.ods`) before it is parsed: the number of parts and
/// their unpacked size, measured by actually inflating each part through a bounded reader, since the sizes
/// a zip declares can lie.
pub fn check_zip(path: &Path) -> Result<(), Text> {
    let file = std::fs::File::open(path)
        .map_err(|e| exceeded(format!("无法读取：{e}"), format!("cannot read: {e}")))?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| {
        exceeded(
            format!("不是有效的 Excel 文件（zip 结构损坏：{e}）"),
            format!("not a valid workbook (broken zip structure: {e})"),
        )
    })?;
    if zip.len() > MAX_PARTS {
        return Err(exceeded(
            format!("工作簿含 {} 个部件，最多 {MAX_PARTS} 个", zip.len()),
            format!(
                "the workbook has {} parts; at most {MAX_PARTS} are read",
                zip.len()
            ),
        ));
    }
    let too_big = || {
        exceeded(
            format!(
                "工作簿解压后超过 {} MB（可能是压缩炸弹），未读取",
                MAX_UNPACKED_BYTES >> 20
            ),
            format!(
                "the workbook unpacks to more than {} MB (a zip bomb?); it was not read",
                MAX_UNPACKED_BYTES >> 20
            ),
        )
    };
    let mut declared = 0u64;
    for i in 0..zip.len() {
        let size = zip.by_index_raw(i).map(|f| f.size()).unwrap_or(0);
        declared = declared.saturating_add(size);
    }
    if declared > MAX_UNPACKED_BYTES {
        return Err(too_big());
    }
    let mut budget = MAX_UNPACKED_BYTES;
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(|e| {
            exceeded(
                format!("工作簿部件 {i} 无法解压：{e}"),
                format!("part {i} of the workbook cannot be unpacked: {e}"),
            )
        })?;
        loop {
            let n = match part.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n as u64,
                Err(e) => {
                    return Err(exceeded(
                        format!("工作簿部件 {i} 损坏：{e}"),
                        format!("part {i} of the workbook is damaged: {e}"),
                    ));
                }
            };
            budget = budget.checked_sub(n).ok_or_else(too_big)?;
        }
    }
    Ok(())
}

/// Checks one cell's position and length; `where_` names it (sheet and cell, or CSV line) in Chinese
/// (`true`) or English.
pub fn check_cell(
    row: u32,
    col: u32,
    chars: usize,
    where_: &dyn Fn(bool) -> String,
) -> Result<(), Text> {
    if row >= MAX_ROWS || col >= MAX_COLS {
        return Err(exceeded(
            format!(
                "{} 超出名单范围（最多 {MAX_ROWS} 行、{MAX_COLS} 列）",
                where_(true)
            ),
            format!(
                "{} lies outside what a roster may use (at most {MAX_ROWS} rows and {MAX_COLS} columns)",
                where_(false)
            ),
        ));
    }
    if chars > MAX_CELL_CHARS {
        return Err(exceeded(
            format!(
                "{} 有 {chars} 个字符，单元格最多 {MAX_CELL_CHARS} 个",
                where_(true)
            ),
            format!(
                "{} holds {chars} characters; a cell may hold at most {MAX_CELL_CHARS}",
                where_(false)
            ),
        ));
    }
    Ok(())
}
