//! Store benchmarks: ingest end to end, stats and filtered lists on a 20,000-photo database, opening the store
//! (key derivation excluded) and the default Argon2id key derivation on its own.

use std::hint::black_box;
use std::path::Path;

use capture_station::crypto::{DataKey, KdfParams};
use capture_station::store::{
    Decision, NewShot, NewStudent, PhotoFilter, PhotoState, Store, StudentStatus,
};
use criterion::{Criterion, criterion_group, criterion_main};

const FAST: KdfParams = KdfParams {
    memory_kib: 64,
    iterations: 1,
    parallelism: 1,
};

/// A 480×640 JPEG of about 40 KB.
fn jpeg_40k() -> Vec<u8> {
    let mut state = 7u32;
    let img = image::RgbImage::from_fn(480, 640, |x, y| {
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
        let n = ((state >> 16) % 14) as u8;
        image::Rgb([100u8.wrapping_add(n), (150 + (x + y) / 20) as u8, 255 - n])
    });
    capture_station::imaging::encode_spec_jpeg(&img, &Default::default())
        .unwrap()
        .bytes
}

fn student(s: &mut Store, no: &str) {
    let st = NewStudent {
        student_no: no.into(),
        name: "测试".into(),
        class: "bench".into(),
        status: StudentStatus::Normal,
        id_no: None,
    };
    s.add_student(&st, "bench").unwrap();
}

fn shot<'a>(no: &'a str, code: &'a str, jpeg: &'a [u8]) -> NewShot<'a> {
    NewShot {
        student_no: no,
        code,
        jpeg,
        width: 480,
        height: 640,
        quality: 75,
        checks: &[],
        verdict_pass: None,
        supersede: true,
    }
}

/// Builds a database with `n` photos spread over the states, copying one real sealed row in bulk.
fn big_store(path: &Path, n: usize, jpeg: &[u8]) {
    let mut s = Store::create(path, "bench-pass", FAST, "B1", "bench").unwrap();
    student(&mut s, "seed");
    s.store_shot(&shot("seed", "seed-code", jpeg), &Decision::Accept, "bench")
        .unwrap();
    drop(s);
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch("PRAGMA synchronous=OFF; BEGIN;")
        .unwrap();
    let class: i64 = conn
        .query_row("SELECT class_id FROM students LIMIT 1", [], |r| r.get(0))
        .unwrap();
    for i in 1..n {
        let state = match i % 20 {
            0 | 1 => PhotoState::Rejected,
            2 => PhotoState::Uploaded,
            3 => PhotoState::ReshootRequested,
            _ => PhotoState::Accepted,
        };
        conn.execute(
            "INSERT INTO students (student_no, name, class_id, source, created_at, updated_at)
             VALUES (?1, '学生', ?2, 'roster', 'now', 'now')",
            rusqlite::params![format!("S{i:06}"), class],
        )
        .unwrap();
        let sid = conn.last_insert_rowid();
        conn.execute(
            "INSERT INTO photos (student_id, station_id, state, code_digest, code_enc, width, height, jpeg_bytes,
                                 jpeg_quality, captured_at, updated_at)
             SELECT ?1, station_id, ?2, randomblob(32), code_enc, width, height, jpeg_bytes, jpeg_quality,
                    captured_at, updated_at FROM photos WHERE id = 1",
            rusqlite::params![sid, state.as_str()],
        )
        .unwrap();
        let pid = conn.last_insert_rowid();
        conn.execute(
            "INSERT INTO photo_blobs SELECT ?1, blob FROM photo_blobs WHERE photo_id = 1",
            [pid],
        )
        .unwrap();
    }
    conn.execute_batch("COMMIT;").unwrap();
}

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let jpeg = jpeg_40k();
    println!("ingest JPEG size: {} bytes", jpeg.len());

    let ingest_db = dir.path().join("ingest.db");
    let mut s = Store::create(&ingest_db, "bench-pass", FAST, "B1", "bench").unwrap();
    student(&mut s, "1");
    let mut n = 0u64;
    c.bench_function(
        "ingest 40 KB JPEG (encrypt + 2 commits, synchronous=FULL)",
        |b| {
            b.iter(|| {
                n += 1;
                let code = format!("code-{n}");
                black_box(
                    s.store_shot(&shot("1", &code, &jpeg), &Decision::Accept, "bench")
                        .unwrap(),
                )
            })
        },
    );
    drop(s);

    let big = dir.path().join("big.db");
    big_store(&big, 20_000, &jpeg);
    let s = Store::open(&big, "bench-pass").unwrap();
    assert_eq!(
        s.list_photos(&PhotoFilter::default()).unwrap().len(),
        20_000
    );
    c.bench_function("queue stats, 20k photos", |b| {
        b.iter(|| black_box(s.queue_stats().unwrap()))
    });
    let rejected = PhotoFilter {
        state: Some(PhotoState::Rejected),
        ..Default::default()
    };
    c.bench_function("queue list --state rejected, 20k photos (2k rows)", |b| {
        b.iter(|| black_box(s.list_photos(&rejected).unwrap()))
    });
    let newest = PhotoFilter {
        limit: Some(50),
        ..Default::default()
    };
    c.bench_function("queue list newest 50, 20k photos", |b| {
        b.iter(|| black_box(s.list_photos(&newest).unwrap()))
    });
    drop(s);
    // Verify needs genuine rows (the bulk copies above fail authentication), so this store is filled through
    // the store's own API, on tmpfs where there is one so that building it does not wait on fsync.
    let shm = Path::new("/dev/shm");
    let vdir = if shm.is_dir() {
        tempfile::tempdir_in(shm).unwrap()
    } else {
        tempfile::tempdir().unwrap()
    };
    let vpath = vdir.path().join("verify.db");
    let mut s = Store::create(&vpath, "bench-pass", FAST, "B1", "bench").unwrap();
    for i in 0..20_000 {
        let no = format!("V{i:06}");
        student(&mut s, &no);
        s.store_shot(
            &shot(&no, &format!("vcode-{i}"), &jpeg),
            &Decision::Accept,
            "bench",
        )
        .unwrap();
    }
    let mut g = c.benchmark_group("verify");
    g.sample_size(10);
    g.bench_function(
        "queue verify, 20k photos (every blob, code and record MAC, audit chain)",
        |b| {
            b.iter(|| {
                let report = s.verify().unwrap();
                assert!(report.bad.is_empty());
                black_box(report)
            })
        },
    );
    g.finish();
    drop(s);

    c.bench_function("open store, 20k photos (key derivation excluded)", |b| {
        b.iter(|| black_box(Store::open(&big, "bench-pass").unwrap()))
    });
    let (_, wrapped) = DataKey::generate(
        "bench-pass",
        KdfParams {
            memory_kib: 65536,
            iterations: 3,
            parallelism: 1,
        },
    )
    .unwrap();
    let mut g = c.benchmark_group("kdf");
    g.sample_size(10);
    g.bench_function("Argon2id unwrap, default cost (64 MiB, 3 passes)", |b| {
        b.iter(|| black_box(DataKey::unwrap("bench-pass", &wrapped).unwrap()))
    });
    g.finish();
}

criterion_group! {
    name = store;
    config = Criterion::default().sample_size(30).warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3));
    targets = benches
}
criterion_main!(store);
