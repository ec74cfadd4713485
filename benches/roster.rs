//! Roster benchmarks: reading and importing a 10-class, 5,000-student xlsx (goal ≤ 2 s), and the progress
//! and shooting-queue queries on it (goal ≤ 20 ms).

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use capture_station::crypto::KdfParams;
use capture_station::roster::id_no::check_char;
use capture_station::roster::{CsvEncoding, ReadOptions, read_file};
use capture_station::store::{Decision, NewShot, PhotoState, Store};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use rust_xlsxwriter::Workbook;

const KDF: KdfParams = KdfParams {
    memory_kib: 64,
    iterations: 1,
    parallelism: 1,
};

fn id_no(i: u32) -> String {
    let first17 = format!("110105{:08}{:03}", 20020101 + i / 1000, i % 1000);
    let c = check_char(&first17).unwrap_or('0');
    format!("{first17}{c}")
}

fn write_roster(path: &Path) {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.write_string(0, 0, "2024届毕业生名单").unwrap();
    let headers = [
        "序号",
        "学号",
        "姓名",
        "班级",
        "学院",
        "专业",
        "身份证号",
        "备注",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(2, c as u16, *h).unwrap();
    }
    for i in 0..5000u32 {
        let r = i + 3;
        let class = i / 500;
        ws.write_number(r, 0, f64::from(i + 1)).unwrap();
        ws.write_number(r, 1, f64::from(2_020_000_000 + class * 1000 + i % 500))
            .unwrap();
        ws.write_string(r, 2, format!("学生{i:04}")).unwrap();
        ws.write_string(r, 3, format!("计算机20{:02}班", class + 1))
            .unwrap();
        ws.write_string(r, 4, "信息学院").unwrap();
        ws.write_string(r, 5, "计算机科学与技术").unwrap();
        ws.write_string(r, 6, id_no(i)).unwrap();
        match i % 97 {
            0 => ws.write_string(r, 7, "降级").map(|_| ()),
            1 => ws.write_string(r, 7, "复读").map(|_| ()),
            _ => Ok(()),
        }
        .unwrap();
    }
    book.save(path).unwrap();
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("roster.xlsx");
    write_roster(&xlsx);
    let n = AtomicUsize::new(0);
    let mut g = c.benchmark_group("roster");
    g.sample_size(10);
    g.bench_function("read_and_import_5000_xlsx", |b| {
        b.iter_batched(
            || {
                let i = n.fetch_add(1, Ordering::Relaxed);
                Store::create(&dir.path().join(format!("s{i}.db")), "pw", KDF, "A1", "n").unwrap()
            },
            |mut store| {
                let parsed = read_file(&xlsx, CsvEncoding::Auto, &ReadOptions::default()).unwrap();
                assert_eq!(parsed.rows.len(), 5000, "{:?}", parsed.problems.first());
                let report = store.import_roster(&parsed, false, "bench").unwrap();
                assert!(report.written);
                store
            },
            BatchSize::PerIteration,
        )
    });

    let mut store = Store::create(&dir.path().join("main.db"), "pw", KDF, "A1", "n").unwrap();
    let parsed = read_file(&xlsx, CsvEncoding::Auto, &ReadOptions::default()).unwrap();
    store.import_roster(&parsed, false, "bench").unwrap();
    for (k, row) in parsed.rows.iter().step_by(25).enumerate() {
        let shot = NewShot {
            student_no: &row.student_no,
            code: &format!("CODE{k}"),
            jpeg: b"\xFF\xD8bench\xFF\xD9",
            width: 480,
            height: 640,
            quality: 90,
            checks: &[],
            verdict_pass: Some(k % 3 != 0),
            supersede: false,
        };
        let decision = if k % 3 == 0 {
            Decision::Reject {
                reason: "bench".into(),
            }
        } else {
            Decision::Accept
        };
        let id = store.store_shot(&shot, &decision, "bench").unwrap();
        if k % 6 == 0 {
            store
                .transition(id, PhotoState::ReshootRequested, "bench", None)
                .unwrap();
        }
    }
    g.sample_size(30);
    g.bench_function("progress_5000", |b| {
        b.iter(|| store.roster_progress().unwrap())
    });
    g.bench_function("shooting_queue_5000", |b| {
        b.iter(|| store.shooting_queue(None).unwrap())
    });
    g.bench_function("next_student_5000", |b| {
        b.iter(|| store.next_student(Some("2020000250")).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
