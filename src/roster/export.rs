//! Follow-up lists for `.xlsx`: who has not been photographed yet, and who must be photographed again.
//! One sheet per list (`未拍摄`, `需重拍`), rows in shooting order with the class in the first column and a
//! per-class count sheet (`汇总`). ID numbers appear masked only.

use std::path::Path;

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use serde::Serialize;

use crate::store::{PhotoState, QueueEntry, StudentStatus};

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FollowUpSummary {
    /// Students not yet photographed.
    pub not_photographed: usize,
    /// Students with a re-shoot requested.
    pub reshoot: usize,
    /// Classes that have at least one of them.
    pub classes: usize,
}

/// Writing the workbook failed.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {path}: {source}")]
pub struct ExportError {
    /// The output file.
    pub path: String,
    /// The writer's reason.
    pub source: XlsxError,
}

const HEADERS: [&str; 8] = [
    "班级",
    "序号",
    "学号",
    "姓名",
    "类别",
    "学院",
    "专业",
    "身份证号",
];

fn write_list(
    sheet: &mut Worksheet,
    rows: &[&QueueEntry],
    bold: &Format,
    text: &Format,
) -> Result<(), XlsxError> {
    for (c, h) in HEADERS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, bold)?;
    }
    let mut class = "";
    let mut n = 0u32;
    for (i, e) in rows.iter().enumerate() {
        if e.class != class {
            class = &e.class;
            n = 0;
        }
        n += 1;
        let r = i as u32 + 1;
        sheet.write_string(r, 0, &e.class)?;
        sheet.write_number(r, 1, n)?;
        sheet.write_string_with_format(r, 2, &e.student_no, text)?;
        sheet.write_string(r, 3, &e.name)?;
        sheet.write_string(
            r,
            4,
            match e.status {
                StudentStatus::Normal => "",
                s => s.zh(),
            },
        )?;
        sheet.write_string(r, 5, e.school.as_deref().unwrap_or(""))?;
        sheet.write_string(r, 6, e.major.as_deref().unwrap_or(""))?;
        sheet.write_string_with_format(r, 7, e.id_no_masked.as_deref().unwrap_or(""), text)?;
    }
    sheet.set_column_width(0, 18)?;
    sheet.set_column_width(2, 16)?;
    sheet.set_column_width(3, 12)?;
    sheet.set_column_width(5, 18)?;
    sheet.set_column_width(6, 18)?;
    sheet.set_column_width(7, 12)?;
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

fn build(queue: &[QueueEntry], path: &Path) -> Result<FollowUpSummary, XlsxError> {
    // Students accepted at another station of the group are not missing.
    let done_elsewhere =
        |e: &QueueEntry| e.elsewhere.as_ref().is_some_and(|w| w.what == "accepted");
    let queue: Vec<&QueueEntry> = queue.iter().filter(|e| !done_elsewhere(e)).collect();
    let missing: Vec<&QueueEntry> = queue
        .iter()
        .copied()
        .filter(|e| e.photo_state.is_none())
        .collect();
    let reshoot: Vec<&QueueEntry> = queue
        .iter()
        .copied()
        .filter(|e| e.photo_state == Some(PhotoState::ReshootRequested))
        .collect();
    let mut classes: Vec<(&str, usize, usize)> = Vec::new();
    for e in queue {
        if classes.last().is_none_or(|c| c.0 != e.class) {
            classes.push((&e.class, 0, 0));
        }
        if let Some(c) = classes.last_mut() {
            match e.photo_state {
                None => c.1 += 1,
                Some(PhotoState::ReshootRequested) => c.2 += 1,
                _ => {}
            }
        }
    }
    classes.retain(|c| c.1 + c.2 > 0);
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    write_list(
        book.add_worksheet().set_name("未拍摄")?,
        &missing,
        &bold,
        &text,
    )?;
    write_list(
        book.add_worksheet().set_name("需重拍")?,
        &reshoot,
        &bold,
        &text,
    )?;
    let sum = book.add_worksheet().set_name("汇总")?;
    for (c, h) in ["班级", "未拍摄", "需重拍"].iter().enumerate() {
        sum.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (i, (class, m, r)) in classes.iter().enumerate() {
        let row = i as u32 + 1;
        sum.write_string(row, 0, *class)?;
        sum.write_number(row, 1, *m as f64)?;
        sum.write_number(row, 2, *r as f64)?;
    }
    sum.set_column_width(0, 18)?;
    book.save(path)?;
    Ok(FollowUpSummary {
        not_photographed: missing.len(),
        reshoot: reshoot.len(),
        classes: classes.len(),
    })
}

/// Writes the follow-up workbook from a shooting queue ([`crate::store::Store::shooting_queue`]).
pub fn write_follow_up(queue: &[QueueEntry], path: &Path) -> Result<FollowUpSummary, ExportError> {
    build(queue, path).map_err(|source| ExportError {
        path: path.display().to_string(),
        source,
    })
}
