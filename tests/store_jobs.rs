//! Long tasks with progress and cancel: through the store (`*_with` calls) and through the controller's job
//! thread, on real SQLite files and real encrypted photos.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use capture_station::controller::{Controller, ControllerConfig, Event, Job, Request};
use capture_station::crypto::{KdfParams, Passphrase};
use capture_station::roster::{CsvEncoding, ReadOptions, read_file};
use capture_station::store::{NameTemplate, PhotoFilter, Store, StoreError};

const FAST: KdfParams = KdfParams {
    memory_kib: 64,
    iterations: 1,
    parallelism: 1,
};
const PASS: &str = "job-test-pass";
const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 9, 9, 9, 0xFF, 0xD9];

fn roster_csv(dir: &Path, n: usize) -> std::path::PathBuf {
    let mut text = String::from("学号,姓名,班级\n");
    for i in 0..n {
        text.push_str(&format!("2021{i:05},学生{i},计科{}\n", i % 3));
    }
    let path = dir.join("roster.csv");
    std::fs::write(&path, text).unwrap();
    path
}

/// A station with `n` students from a real CSV and one accepted photo each.
fn station(n: usize) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::create(&dir.path().join("station.db"), PASS, FAST, "J1", "任务").unwrap();
    let parsed = read_file(
        &roster_csv(dir.path(), n),
        CsvEncoding::Auto,
        &ReadOptions::default(),
    )
    .unwrap();
    s.import_roster(&parsed, false, "t").unwrap();
    for i in 0..n {
        let no = format!("2021{i:05}");
        let code = format!("code-{i}");
        common::accept_photo(&mut s, &no, &code, JPEG);
    }
    (dir, s)
}

#[test]
fn verify_reports_progress_and_stops_when_cancelled() {
    let (_d, s) = station(40);
    let mut seen = Vec::new();
    let report = s
        .verify_with(&mut |done, total| {
            seen.push((done, total));
            true
        })
        .unwrap();
    assert_eq!(report.checked, 40);
    assert_eq!(seen.first(), Some(&(0, 40)));
    assert_eq!(seen.last(), Some(&(40, 40)));
    assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0));

    let mut calls = 0;
    let err = s
        .verify_with(&mut |done, _| {
            calls += 1;
            done < 16
        })
        .unwrap_err();
    assert!(matches!(err, StoreError::Cancelled));
    assert!(calls >= 2);
}

#[test]
fn cancelled_import_rolls_back_and_cancelled_export_leaves_no_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::create(&dir.path().join("station.db"), PASS, FAST, "J2", "任务").unwrap();
    let parsed = read_file(
        &roster_csv(dir.path(), 300),
        CsvEncoding::Auto,
        &ReadOptions::default(),
    )
    .unwrap();
    let audit_before = s.audit_count().unwrap();
    let err = s
        .import_roster_with(&parsed, false, "t", &mut |done, _| done < 128)
        .unwrap_err();
    assert!(matches!(err, StoreError::Cancelled));
    assert!(
        s.shooting_queue(None).unwrap().is_empty(),
        "nothing imported"
    );
    assert_eq!(s.audit_count().unwrap(), audit_before, "nothing audited");
    // Cancelling at the very end (after every row) still rolls back.
    let err = s
        .import_roster_with(&parsed, false, "t", &mut |done, total| done < total)
        .unwrap_err();
    assert!(matches!(err, StoreError::Cancelled));
    assert!(s.shooting_queue(None).unwrap().is_empty());
    let report = s
        .import_roster_with(&parsed, false, "t", &mut |_, _| true)
        .unwrap();
    assert!(report.written);
    assert_eq!(s.shooting_queue(None).unwrap().len(), 300);

    let (_d2, s) = station(10);
    let out = dir.path().join("export");
    let template = NameTemplate::parse("{student_no}.jpg").unwrap();
    let err = s
        .export_accepted_with(&out, &template, false, &mut |done, _| done < 5)
        .unwrap_err();
    assert!(matches!(err, StoreError::Cancelled));
    assert_eq!(
        std::fs::read_dir(&out).unwrap().count(),
        0,
        "files written before the cancel are removed"
    );
    let written = s
        .export_accepted_with(&out, &template, false, &mut |_, _| true)
        .unwrap()
        .written;
    assert_eq!(written.len(), 10);
    assert_eq!(std::fs::read(&written[0]).unwrap(), JPEG);
}

fn controller(db: &Path) -> Controller {
    let ctl = Controller::start(
        ControllerConfig {
            db_path: db.to_path_buf(),
            kdf: FAST,
            spec: Default::default(),
            roster: Default::default(),
            actor: "test".into(),
            export_template: "{class}-{student_no}.jpg".into(),
            data_dir: db.parent().unwrap().to_path_buf(),
            upload: Default::default(),
            code_max_len: 512,
            group_interval: std::time::Duration::from_secs(2),
        },
        Arc::new(|| {}),
    );
    ctl.send(Request::Unlock {
        passphrase: Passphrase::new(PASS.to_string()),
    });
    ctl
}

/// Waits for an event matching `pick`, skipping others.
fn wait_for<T>(ctl: &Controller, what: &str, mut pick: impl FnMut(Event) -> Option<T>) -> T {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while std::time::Instant::now() < deadline {
        if let Some(e) = ctl.wait(Duration::from_millis(200)) {
            if let Event::Failed(t) = &e {
                panic!("{what}: failed: {}", t.en);
            }
            if let Some(v) = pick(e) {
                return v;
            }
        }
    }
    panic!("timed out waiting for {what}");
}

#[test]
fn controller_jobs_run_beside_the_store_worker() {
    let (dir, s) = station(12);
    let db = s.path().to_path_buf();
    drop(s);
    let ctl = controller(&db);
    wait_for(&ctl, "unlock", |e| {
        matches!(e, Event::Unlocked(_)).then_some(())
    });

    let out = dir.path().join("photos");
    ctl.send(Request::Start(Job::ExportPhotos {
        dir: out.clone(),
        replace: false,
    }));
    let handle = wait_for(&ctl, "job start", |e| match e {
        Event::JobStarted(h) => Some(h),
        _ => None,
    });
    assert_eq!(
        handle.job(),
        &Job::ExportPhotos {
            dir: out.clone(),
            replace: false
        }
    );
    let files = wait_for(&ctl, "export", |e| match e {
        Event::Exported { files, .. } => Some(files),
        _ => None,
    });
    assert_eq!(files, 12);
    assert!(out.join("计科0-202100000.jpg").is_file());
    let cancelled = wait_for(&ctl, "job end", |e| match e {
        Event::JobEnded { cancelled, .. } => Some(cancelled),
        _ => None,
    });
    assert!(!cancelled);
    assert_eq!(handle.progress(), (12, 12));
    assert!(handle.finished());

    // A cancelled verification ends with `cancelled` and no result.
    ctl.send(Request::Start(Job::Verify));
    let handle = wait_for(&ctl, "verify start", |e| match e {
        Event::JobStarted(h) => Some(h),
        _ => None,
    });
    handle.cancel();
    let mut verified = false;
    let cancelled = wait_for(&ctl, "verify end", |e| match e {
        Event::Verified(_) => {
            verified = true;
            None
        }
        Event::JobEnded { cancelled, .. } => Some(cancelled),
        _ => None,
    });
    // The job may have finished before the cancel arrived; either way the outcome is consistent.
    assert_eq!(cancelled, !verified);

    // A bad roster path fails with the file named; the store stays usable.
    let missing = dir.path().join("nope.xlsx");
    ctl.send(Request::Start(Job::ImportRoster {
        path: missing.clone(),
        dry_run: true,
        encoding: CsvEncoding::Auto,
        confirm_identity: false,
    }));
    let failed = loop {
        match ctl.wait(Duration::from_secs(10)) {
            Some(Event::Failed(t)) => break t,
            Some(_) => continue,
            None => panic!("no failure reported"),
        }
    };
    assert!(failed.en.contains("nope.xlsx"), "{}", failed.en);
    ctl.send(Request::Refresh);
    let stats = wait_for(&ctl, "stats", |e| match e {
        Event::Stats(s) => Some(s),
        _ => None,
    });
    assert_eq!(stats.students_done, 12);
    let store = Store::open(&db, PASS).unwrap();
    assert_eq!(
        store.list_photos(&PhotoFilter::default()).unwrap().len(),
        12
    );
}
