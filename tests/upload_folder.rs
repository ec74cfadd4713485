//! The folder target, `unpack` at the registrar (verification, merging stations, conflicts), `purge`, and
//! the background worker's status.

mod upload_support;

use std::time::{Duration, Instant};

use calamine::{Reader, Xlsx, open_workbook};
use capture_station::config::UploadSettings;
use capture_station::upload::{UploadWorker, WorkerConfig, WorkerPhase};
use upload_support::{PASS, Station, uploaded_ids};

fn outbox(st: &Station) -> std::path::PathBuf {
    st.dir.path().join("usb")
}

fn folder_config(st: &Station) {
    st.write_config(&format!("folder = \"{}\"\n", outbox(st).display()));
}

#[test]
fn folder_upload_then_unpack_writes_named_jpegs_and_index() {
    let st = Station::new("A", 3);
    folder_config(&st);
    let (code, out, err) = st.run(&["upload", "--once"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(uploaded_ids(&st.db()), vec![1, 2, 3]);
    assert!(outbox(&st).join("A/00000002.csp").is_file());
    let dest = st.dir.path().join("registrar");
    let key = st.export_key_file();
    let (code, out, err) = st.run(&[
        "unpack",
        outbox(&st).to_str().unwrap(),
        "--out",
        dest.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
        "--stations",
        st.stations_dir().to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    let store = st.open();
    for (i, no) in ["A-0001", "A-0002", "A-0003"].iter().enumerate() {
        let jpeg = std::fs::read(dest.join(format!("{no}.jpg"))).unwrap();
        assert_eq!(jpeg, store.photo_jpeg(i as i64 + 1).unwrap().as_slice());
    }
    let index = std::fs::read_to_string(dest.join("index.csv")).unwrap();
    assert_eq!(index.lines().count(), 4, "{index}");
    assert!(
        index.contains("kept,A-0001.jpg,A-0001,学生A-0001,计科2001,CODE-A-0,A,1,"),
        "{index}"
    );
    // The same rows in the workbook, every cell text.
    let mut book: Xlsx<_> = open_workbook(dest.join("index.xlsx")).unwrap();
    let sheet = book.worksheet_range("index").unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    let csv_rows: Vec<Vec<String>> = index
        .trim_start_matches('\u{feff}')
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    assert_eq!(rows, csv_rows);
    assert!(out.contains("index.xlsx"), "{out}");
}

#[test]
fn unwritable_outbox_is_a_clear_error_and_nothing_is_marked() {
    let st = Station::new("B", 2);
    // A path below a regular file cannot be created, even by root (chmod-based read-only folders are not
    // enforced for root, and no small tmpfs is available to fill up).
    let blocker = st.dir.path().join("usb-is-a-file");
    std::fs::write(&blocker, b"x").unwrap();
    st.write_config(&format!(
        "folder = \"{}\"\n",
        blocker.join("outbox").display()
    ));
    let (code, out, err) = st.run(&["upload", "--once"]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(err.contains("cannot write to the outbox folder"), "{err}");
    assert!(uploaded_ids(&st.db()).is_empty());
    let s = st.status();
    assert_eq!(s["uploaded"], 0);
    assert_eq!(s["failed"], 1);
    assert!(s["last_error"].as_str().unwrap().contains("outbox"), "{s}");
}

#[test]
fn tampered_package_and_header_are_refused_by_file() {
    let st = Station::new("C", 3);
    folder_config(&st);
    assert_eq!(st.run(&["upload", "--once"]).0, 0);
    let key = st.export_key_file();
    // Photo #2: flip one byte of the encrypted photo.
    let p2 = outbox(&st).join("C/00000002.csp");
    let mut bytes = std::fs::read(&p2).unwrap();
    let last = bytes.len() - 100;
    bytes[last] ^= 0x20;
    std::fs::write(&p2, bytes).unwrap();
    // Photo #3: edit the plaintext header (claims to be another photo).
    let p3 = outbox(&st).join("C/00000003.csp");
    let bytes = std::fs::read(&p3).unwrap();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let from = "\"photo_id\":3";
    assert!(text.contains(from));
    let edited = replace_bytes(&bytes, from.as_bytes(), b"\"photo_id\":9");
    std::fs::write(&p3, edited).unwrap();
    let dest = st.dir.path().join("registrar");
    let (code, out, err) = st.run(&[
        "unpack",
        outbox(&st).to_str().unwrap(),
        "--out",
        dest.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
        "--stations",
        st.stations_dir().to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{out}\n{err}");
    // Refusals name the file: ids from an unverified header are not repeated.
    assert!(err.contains("00000002.csp: bad signature"), "{err}");
    assert!(err.contains("00000003.csp: bad signature"), "{err}");
    assert!(!err.contains("photo #9"), "{err}");
    assert!(dest.join("C-0001.jpg").is_file());
    assert!(!dest.join("C-0002.jpg").exists());
    assert!(!dest.join("C-0003.jpg").exists());
    let index = std::fs::read_to_string(dest.join("index.csv")).unwrap();
    assert_eq!(index.matches("refused,").count(), 2, "{index}");

    // A wrong key file opens nothing.
    let other = st.dir.path().join("other.key");
    capture_station::upload::ExportSecretKey::generate()
        .write_new(&other)
        .unwrap();
    let (code, _, err) = st.run(&[
        "unpack",
        outbox(&st).to_str().unwrap(),
        "--out",
        st.dir.path().join("x").to_str().unwrap(),
        "--key",
        other.to_str().unwrap(),
        "--stations",
        st.stations_dir().to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("REFUSED photo #1 (station C)"), "{err}");
    assert!(err.contains("made for export key"), "{err}");
}

fn replace_bytes(hay: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let at = hay.windows(from.len()).position(|w| w == from).unwrap();
    let mut out = hay[..at].to_vec();
    out.extend_from_slice(to);
    out.extend_from_slice(&hay[at + from.len()..]);
    out
}

#[test]
fn unpack_merges_stations_and_lists_conflicts() {
    // Two stations sharing one export key and one outbox (the USB drive goes round).
    let a = Station::new("S1", 2);
    let mut b = Station::new("S2", 0);
    b.export_key = capture_station::upload::ExportSecretKey::read(&a.export_key_file()).unwrap();
    let usb = a.dir.path().join("usb");
    for st in [&a, &b] {
        st.write_config(&format!("folder = \"{}\"\n", usb.display()));
    }
    {
        let mut store = b.open();
        // Later, at station S2: S1-0001 again (same student), and a new student with S1-0002's code.
        std::thread::sleep(Duration::from_millis(1100));
        b.add_photo(&mut store, "S1-0001", "CODE-S1-0-retake", 100);
        b.add_photo(&mut store, "S2-9999", "CODE-S1-1", 101);
        b.add_photo(&mut store, "S2-0005", "CODE-S2-5", 102);
    }
    assert_eq!(a.run(&["upload", "--once"]).0, 0);
    assert_eq!(b.run(&["upload", "--once"]).0, 0);
    let dest = a.dir.path().join("registrar");
    let (code, out, err) = a.run(&[
        "unpack",
        usb.to_str().unwrap(),
        "--out",
        dest.to_str().unwrap(),
        "--key",
        a.export_key_file().to_str().unwrap(),
        "--stations",
        b.enrol(&a.stations_dir()).to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("wrote 3 photos"), "{out}");
    assert!(out.contains("2 conflicts"), "{out}");
    let s2 = b.open();
    assert_eq!(
        std::fs::read(dest.join("S1-0001.jpg")).unwrap(),
        s2.photo_jpeg(1).unwrap().as_slice(),
        "the later capture (station S2) must win"
    );
    assert!(dest.join("S2-9999.jpg").is_file());
    assert!(!dest.join("S1-0002.jpg").exists());
    let index = std::fs::read_to_string(dest.join("index.csv")).unwrap();
    assert!(
        index.contains("superseded: same student as kept S2 photo #1"),
        "{index}"
    );
    assert!(
        index.contains("superseded: same collection code as kept S2 photo #2"),
        "{index}"
    );
    assert!(index.contains("also accepted at S1 photo #1"), "{index}");
}

#[test]
fn purge_respects_retention_and_keeps_the_audit_trail() {
    let st = Station::new("P", 2);
    folder_config(&st);
    // Retention 30 days: nothing is due right after the upload.
    let text = std::fs::read_to_string(st.config_path()).unwrap();
    std::fs::write(
        st.config_path(),
        text.replace("retention_days = 0", "retention_days = 30"),
    )
    .unwrap();
    let (code, out, _) = st.run(&["purge"]);
    assert_eq!(code, 0);
    assert!(out.contains("0 photos past the 30-day retention"), "{out}");
    assert_eq!(st.run(&["upload", "--once"]).0, 0);
    let (_, out, _) = st.run(&["purge"]);
    assert!(out.contains("0 photos past the 30-day retention"), "{out}");
    // Retention 0: due at once; dry run changes nothing.
    folder_config(&st);
    let audit_before = st.open().audit_count().unwrap();
    let (code, out, _) = st.run(&["purge", "--dry-run"]);
    assert_eq!(code, 0);
    assert!(out.contains("would purge photo #1"), "{out}");
    assert_eq!(st.open().audit_count().unwrap(), audit_before);
    let (code, out, _) = st.run(&["purge"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("2 purged"), "{out}");
    let store = st.open();
    assert!(store.photo_jpeg(1).is_err(), "blob still there");
    assert_eq!(store.audit_count().unwrap(), audit_before + 2);
    let s = st.status();
    assert_eq!(s["purged"], 2);
    assert_eq!(s["uploaded"], 0);
    let (_, verify, _) = st.run(&["queue", "verify"]);
    assert!(verify.contains("0 bad rows"), "{verify}");
}

#[test]
fn worker_uploads_in_background_and_picks_up_new_photos() {
    let st = Station::new("W", 3);
    folder_config(&st);
    let settings: UploadSettings = st.config().upload;
    let key = capture_station::crypto::DataKey::unwrap(
        PASS,
        &capture_station::store::Store::read_key_material(&st.db()).unwrap(),
    )
    .unwrap();
    let worker = UploadWorker::spawn(WorkerConfig {
        db_path: st.db(),
        key,
        data_dir: st.data(),
        settings,
        target: None,
        actor: "gui:test".into(),
        idle_poll: Duration::from_secs(30),
    })
    .unwrap();
    let wait_for = |n: u64| {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let s = worker.status();
            if s.counts.uploaded == n && s.phase == WorkerPhase::Idle {
                return s;
            }
            assert!(Instant::now() < deadline, "{s:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    let s = wait_for(3);
    assert_eq!(s.session_confirmed, 3);
    assert!(s.session_bytes > 3 * 40 * 1024);
    assert!(s.last_success_at.is_some());
    assert!(s.error.is_none());
    assert!(s.target.starts_with("folder "), "{}", s.target);
    // A new accepted photo goes out after wake(), long before the 30 s idle poll.
    let mut store = st.open();
    st.add_photo(&mut store, "W-0100", "CODE-W-100", 100);
    worker.wake();
    let s = wait_for(4);
    assert_eq!(s.counts.queued, 0);
    worker.stop();
    assert_eq!(uploaded_ids(&st.db()), vec![1, 2, 3, 4]);
}

#[test]
fn worker_reports_errors_in_both_languages_without_blocking() {
    let st = Station::new("E", 1);
    let blocker = st.dir.path().join("file");
    std::fs::write(&blocker, b"x").unwrap();
    st.write_config(&format!("folder = \"{}\"\n", blocker.join("o").display()));
    let key = capture_station::crypto::DataKey::unwrap(
        PASS,
        &capture_station::store::Store::read_key_material(&st.db()).unwrap(),
    )
    .unwrap();
    let started = Instant::now();
    let worker = UploadWorker::spawn(WorkerConfig {
        db_path: st.db(),
        key,
        data_dir: st.data(),
        settings: st.config().upload,
        target: None,
        actor: "gui:test".into(),
        idle_poll: Duration::from_secs(1),
    })
    .unwrap();
    assert!(started.elapsed() < Duration::from_millis(500));
    let deadline = Instant::now() + Duration::from_secs(20);
    let s = loop {
        let s = worker.status();
        if s.phase == WorkerPhase::Waiting {
            break s;
        }
        assert!(Instant::now() < deadline, "{s:?}");
        std::thread::sleep(Duration::from_millis(20));
    };
    let err = s.error.unwrap();
    assert!(err.en.contains("outbox"), "{}", err.en);
    assert!(err.zh.contains("导出文件夹"), "{}", err.zh);
    assert_eq!(s.counts.failed, 1);
    assert!(s.retry_in_ms.is_some());
    worker.stop();
    assert!(uploaded_ids(&st.db()).is_empty());
}

#[test]
fn export_key_new_refuses_overwrite_and_missing_key_is_explained() {
    let st = Station::new("K", 1);
    let file = st.dir.path().join("registrar.key");
    let (code, out, err) = st.run(&["export-key", "new", "--out", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let public = out
        .lines()
        .find_map(|l| l.strip_prefix("export_public_key = \""))
        .unwrap()
        .trim_end_matches('"')
        .to_string();
    let (_, printed, _) = st.run(&["export-key", "public", file.to_str().unwrap()]);
    assert_eq!(printed.trim(), public);
    let (code, _, err) = st.run(&["export-key", "new", "--out", file.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("exists"), "{err}");
    std::fs::write(
        st.config_path(),
        "[security]\nkdf_memory_kib = 19456\nkdf_iterations = 2\n",
    )
    .unwrap();
    let (code, _, err) = st.run(&["upload", "--once"]);
    assert_eq!(code, 2);
    assert!(err.contains("upload.export_public_key is not set"), "{err}");
}

#[test]
fn purge_keeps_every_blob_whose_package_is_gone_from_the_target() {
    let st = Station::new("V", 3);
    folder_config(&st);
    assert_eq!(st.run(&["upload", "--once"]).0, 0);
    // The USB drive was wiped (outbox removed), and one package was replaced by other bytes.
    std::fs::remove_file(outbox(&st).join("V/00000001.csp")).unwrap();
    std::fs::remove_file(outbox(&st).join("V/00000002.csp")).unwrap();
    std::fs::write(outbox(&st).join("V/00000003.csp"), b"not the package").unwrap();
    let (code, out, err) = st.run(&["purge"]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(out.contains("0 purged, 3 kept"), "{out}");
    assert!(err.contains("KEPT photo #1"), "{err}");
    assert!(err.contains("KEPT photo #3"), "{err}");
    let store = st.open();
    for id in 1..=3 {
        assert!(store.photo_jpeg(id).is_ok(), "photo #{id} lost its blob");
    }
    let (_, verify, _) = st.run(&["queue", "verify"]);
    assert!(verify.contains("0 bad rows"), "{verify}");
}
