//! Fixture builders shared by the roster tests: stores, valid ID numbers, xlsx and GBK CSV files.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use capture_station::crypto::KdfParams;
use capture_station::roster::id_no::check_char;
use capture_station::roster::{CsvEncoding, ReadOptions, read_file};
use capture_station::store::{Decision, NewShot, PhotoState, Store};
use rust_xlsxwriter::{Format, Workbook};

/// A fresh store in `dir`.
pub fn store(dir: &Path) -> Store {
    Store::create(
        &dir.join("station.db"),
        "pass-word",
        KdfParams {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        },
        "A1",
        "n",
    )
    .unwrap()
}

/// A valid ID number for a birth date and a sequence number (3 digits).
pub fn id_no(region_birth: &str, seq: u32) -> String {
    let first17 = format!("{region_birth}{seq:03}");
    let c = check_char(&first17).unwrap();
    format!("{first17}{c}")
}

/// A valid ID number that ends in X (searching sequence numbers from `from`).
pub fn id_no_x(region_birth: &str, from: u32) -> String {
    (from..1000)
        .map(|s| id_no(region_birth, s))
        .find(|id| id.ends_with('X'))
        .unwrap()
}

/// A valid number with its check digit replaced by a wrong one.
pub fn id_no_bad(region_birth: &str, seq: u32) -> String {
    let good = id_no(region_birth, seq);
    let last = good.chars().last().unwrap();
    let wrong = if last == '1' { '2' } else { '1' };
    format!("{}{wrong}", &good[..17])
}

/// A spreadsheet cell for fixtures.
#[derive(Clone, Debug)]
pub enum X {
    /// Text cell.
    T(String),
    /// Number cell.
    N(f64),
    /// Nothing written.
    Blank,
}

pub fn t(s: &str) -> X {
    X::T(s.to_string())
}

/// A sheet: name, rows (0-based row index → cells), merged ranges `(r0, c0, r1, c1, text)`.
pub struct SheetSpec {
    pub name: String,
    pub rows: Vec<(u32, Vec<X>)>,
    pub merged: Vec<(u32, u16, u32, u16, String)>,
}

/// Writes an xlsx workbook.
pub fn write_xlsx(path: &Path, sheets: &[SheetSpec]) {
    let mut book = Workbook::new();
    let plain = Format::new();
    for s in sheets {
        let ws = book.add_worksheet();
        ws.set_name(&s.name).unwrap();
        for (r, cells) in &s.rows {
            for (c, x) in cells.iter().enumerate() {
                match x {
                    X::T(v) => {
                        ws.write_string(*r, c as u16, v).unwrap();
                    }
                    X::N(v) => {
                        ws.write_number(*r, c as u16, *v).unwrap();
                    }
                    X::Blank => {}
                }
            }
        }
        for (r0, c0, r1, c1, text) in &s.merged {
            ws.merge_range(*r0, *c0, *r1, *c1, text, &plain).unwrap();
        }
    }
    book.save(path).unwrap();
}

/// Writes `text` as a GBK-encoded CSV file.
pub fn write_gbk_csv(path: &Path, text: &str) {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable, "fixture text must be representable in GBK");
    std::fs::write(path, bytes).unwrap();
}

/// Reads a file with default options and auto encoding.
pub fn read(path: &Path) -> capture_station::roster::ParsedRoster {
    read_file(path, CsvEncoding::Auto, &ReadOptions::default()).unwrap()
}

/// Stores a shot for a student and applies the decision; returns the photo id.
pub fn shoot(store: &mut Store, student_no: &str, code: &str, accept: bool) -> i64 {
    let decision = if accept {
        Decision::Accept
    } else {
        Decision::Reject {
            reason: "test".into(),
        }
    };
    store
        .store_shot(
            &NewShot {
                student_no,
                code,
                jpeg: b"\xFF\xD8fake jpeg\xFF\xD9",
                width: 480,
                height: 640,
                quality: 90,
                checks: &[],
                verdict_pass: Some(accept),
                supersede: false,
            },
            &decision,
            "tester",
        )
        .unwrap()
}

/// Requests a re-shoot for a rejected photo.
pub fn request_reshoot(store: &mut Store, photo_id: i64) {
    store
        .transition(
            photo_id,
            PhotoState::ReshootRequested,
            "supervisor",
            Some("blurred"),
        )
        .unwrap();
}

/// Path helper.
pub fn file(dir: &Path, name: &str) -> PathBuf {
    dir.join(name)
}
