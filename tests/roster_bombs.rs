//! Hostile roster files, generated here: a sheet claiming the whole Excel grid, a zip bomb, a CSV with a
//! million columns and one with a 10 MB cell. Each gets a clear error in under a second and under 100 MB of
//! memory, measured on the real binary in a child process (`--dry-run` included), and imports nothing.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::Station;

const MAX_TIME: Duration = Duration::from_secs(1);
const MAX_RSS_KB: i64 = 100 * 1024;

/// Writes an `.xlsx` whose only sheet has the given XML (plus the minimal parts Excel needs).
fn xlsx(path: &Path, sheet_xml: &[u8]) {
    let file = std::fs::File::create(path).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(sheet_xml.len() > u32::MAX as usize / 2);
    let parts: [(&str, &[u8]); 4] = [
        (
            "[Content_Types].xml",
            br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            br#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
    ];
    for (name, body) in parts {
        zip.start_file(name, opts).unwrap();
        zip.write_all(body).unwrap();
    }
    zip.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
    zip.write_all(sheet_xml).unwrap();
    zip.finish().unwrap();
}

fn sheet(dimension: &str, rows: &str) -> Vec<u8> {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>{rows}</sheetData></worksheet>"#
    )
    .into_bytes()
}

fn inline(cell: &str, text: &str) -> String {
    format!(r#"<c r="{cell}" t="inlineStr"><is><t>{text}</t></is></c>"#)
}

/// Measures the child in a small Python parent: `ru_maxrss` of a process forked from the (large) test
/// process would count the test's own memory, since Linux carries the parent's high-water mark across exec.
const MEASURE: &str = "import resource, subprocess, sys, time
t = time.monotonic()
p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
dt = time.monotonic() - t
sys.stderr.buffer.write(p.stderr)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, dt)
sys.exit(p.returncode)";

/// Runs `roster import FILE --dry-run` and returns (exit code, stderr, wall time, max RSS in KiB).
fn import(st: &Station, file: &Path) -> (i32, String, Duration, i64) {
    let out = Command::new("python3")
        .arg("-c")
        .arg(MEASURE)
        .arg(env!("CARGO_BIN_EXE_capture-station"))
        .arg("--data-dir")
        .arg(st.data())
        .arg("--config")
        .arg(st.dir.path().join("config.toml"))
        .args(["roster", "import", file.to_str().unwrap(), "--dry-run"])
        .env("CAPTURE_STATION_PASSPHRASE", common::PASS)
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut it = stdout.split_whitespace();
    let rss: i64 = it.next().and_then(|v| v.parse().ok()).unwrap_or(i64::MAX);
    let secs: f64 = it.next().and_then(|v| v.parse().ok()).unwrap_or(f64::MAX);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        Duration::from_secs_f64(secs.min(1e6)),
        rss,
    )
}

fn assert_refused(st: &Station, file: &Path, expect: &str) {
    let (code, err, elapsed, rss) = import(st, file);
    println!("{}: exit {code}, {elapsed:?}, {rss} KiB", file.display());
    assert_eq!(code, 2, "{}: exit {code}\n{err}", file.display());
    assert!(err.contains(expect), "{}: {err}", file.display());
    assert!(err.contains("未导入任何内容"), "{err}");
    assert!(elapsed < MAX_TIME, "{}: took {elapsed:?}", file.display());
    assert!(rss < MAX_RSS_KB, "{}: {rss} KiB resident", file.display());
    let list = st.ok(&["roster", "list"]);
    assert!(
        list.trim().lines().count() <= 1,
        "something was imported: {list}"
    );
}

fn path(st: &Station, name: &str) -> PathBuf {
    st.dir.path().join(name)
}

#[test]
fn a_sheet_claiming_the_whole_grid_is_refused_without_allocating_it() {
    let st = Station::new();
    let f = path(&st, "dimension.xlsx");
    let rows = format!(
        r#"<row r="1">{}{}</row><row r="1048576">{}</row>"#,
        inline("A1", "学号"),
        inline("B1", "姓名"),
        inline("XFD1048576", "x")
    );
    xlsx(&f, &sheet("A1:XFD1048576", &rows));
    assert!(std::fs::metadata(&f).unwrap().len() < 4096);
    assert_refused(&st, &f, "Sheet1 XFD1048576 超出名单范围");
}

#[test]
fn a_zip_bomb_is_refused_before_it_is_unpacked() {
    let st = Station::new();
    let f = path(&st, "bomb.xlsx");
    let row = inline("A1", &"A".repeat(4096));
    let mut rows = String::with_capacity(300 << 20);
    while rows.len() < 300 << 20 {
        rows.push_str(&row);
    }
    xlsx(&f, &sheet("A1", &format!(r#"<row r="1">{rows}</row>"#)));
    drop(rows);
    assert!(std::fs::metadata(&f).unwrap().len() < 2 << 20);
    assert_refused(&st, &f, "工作簿解压后超过 64 MB");
}

#[test]
fn hostile_csv_files_are_refused_by_line() {
    let st = Station::new();
    let wide = path(&st, "wide.csv");
    let mut text = String::from("学号,姓名,班级\n");
    text.push_str(&"x,".repeat(1_000_000));
    text.push('\n');
    std::fs::write(&wide, text).unwrap();
    assert_refused(&st, &wide, "第 2 行第 257 个字段 超出名单范围");

    let long = path(&st, "long.csv");
    let mut text = String::from("学号,姓名,班级\n2020001,\"");
    text.push_str(&"名".repeat(10 << 20 >> 1));
    text.push_str("\",计科2001\n");
    std::fs::write(&long, text).unwrap();
    assert_refused(
        &st,
        &long,
        "第 2 行第 2 个字段 有 2667 个字符，单元格最多 2000 个",
    );

    let huge = path(&st, "huge.csv");
    let f = std::fs::File::create(&huge).unwrap();
    f.set_len(30 << 20).unwrap();
    assert_refused(&st, &huge, "名单文件最多 20 MB");
}
