//! End-to-end tests of the foundation through the real binary and real SQLite files.

mod common;

use std::time::{Duration, Instant};

use common::{PASS, Station, contains, read_or_empty};

#[test]
fn ingest_export_round_trip_gives_spec_jpeg_and_verify_is_clean() {
    let st = Station::new();
    st.add_student("2020001", "张三", "计科2001");
    let photo = st.photo("a.jpg", 1);
    let out = st.ok(&[
        "ingest",
        photo.to_str().unwrap(),
        "--student",
        "2020001",
        "--code",
        "QR-PAYLOAD-0001",
    ]);
    assert!(out.contains("committed photo_id=1"), "{out}");
    assert!(
        st.ok(&["queue", "verify"])
            .contains("verified 1 photo blobs, 0 bad rows")
    );
    let out_dir = st.dir.path().join("export");
    st.ok(&["queue", "export", "--out", out_dir.to_str().unwrap()]);
    let bytes = std::fs::read(out_dir.join("2020001.jpg")).unwrap();
    assert!(bytes.len() <= 40 * 1024, "{} bytes", bytes.len());
    let img = image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg).unwrap();
    assert_eq!((img.width(), img.height()), (480, 640));
    let stats = st.ok(&["queue", "stats", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stats).unwrap();
    assert_eq!(v["students_done"], 1);
}

#[test]
fn wrong_passphrase_exits_2_and_leaves_database_byte_identical() {
    let st = Station::new();
    st.add_student("2020001", "张三", "计科2001");
    let before = std::fs::read(st.db()).unwrap();
    for args in [
        &["queue", "stats"][..],
        &["student", "add", "9", "--name", "x", "--class", "c"],
    ] {
        let out = st
            .cmd(args)
            .env("CAPTURE_STATION_PASSPHRASE", "not-the-passphrase")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("wrong passphrase"), "{err}");
    }
    assert_eq!(std::fs::read(st.db()).unwrap(), before);
    assert!(
        !st.data().join("station.db-wal").exists()
            || read_or_empty(&st.data().join("station.db-wal")).is_empty()
    );
}

#[test]
fn database_and_wal_hold_no_jpeg_and_no_plaintext_code() {
    let st = Station::new();
    let code = "CHSI-PLAINTEXT-CODE-7f3a9c";
    // An open connection keeps the WAL from being checkpointed and deleted when each ingest exits.
    let conn = rusqlite::Connection::open(st.db()).unwrap();
    let _n: i64 = conn
        .query_row("SELECT COUNT(*) FROM photos", [], |r| r.get(0))
        .unwrap();
    for i in 0..3 {
        let no = format!("20200{i}");
        st.add_student(&no, "李四", "计科2002");
        let p = st.photo(&format!("{i}.jpg"), i);
        st.ok(&[
            "ingest",
            p.to_str().unwrap(),
            "--student",
            &no,
            "--code",
            &format!("{code}-{i}"),
        ]);
    }
    for f in ["station.db", "station.db-wal"] {
        let bytes = read_or_empty(&st.data().join(f));
        assert!(bytes.len() > 4096, "{f} is missing or empty");
        // The spec encoder writes SOI + JFIF APP0; ten bytes that ciphertext does not contain by chance
        // (the bare 3-byte SOI turns up in ~1 % of runs' random ciphertext).
        assert!(
            !contains(
                &bytes,
                &[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F']
            ),
            "{f} contains a JPEG signature"
        );
        assert!(
            !contains(&bytes, code.as_bytes()),
            "{f} contains the collection code"
        );
    }
}

#[test]
fn verify_names_a_flipped_byte_and_both_swapped_blobs() {
    let st = Station::new();
    for i in 1..=3 {
        let no = format!("2020{i:03}");
        st.add_student(&no, "王五", "计科2003");
        let p = st.photo(&format!("{i}.jpg"), i);
        st.ok(&[
            "ingest",
            p.to_str().unwrap(),
            "--student",
            &no,
            "--code",
            &format!("code-{i}"),
        ]);
    }
    let conn = rusqlite::Connection::open(st.db()).unwrap();
    let mut blob: Vec<u8> = conn
        .query_row("SELECT blob FROM photo_blobs WHERE photo_id = 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    blob[100] ^= 0x01;
    conn.execute(
        "UPDATE photo_blobs SET blob = ?1 WHERE photo_id = 1",
        [&blob],
    )
    .unwrap();
    let out = st.run(&["queue", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("BAD photo #1"), "{text}");
    assert!(!text.contains("#2") && !text.contains("#3"), "{text}");

    let b2: Vec<u8> = conn
        .query_row("SELECT blob FROM photo_blobs WHERE photo_id = 2", [], |r| {
            r.get(0)
        })
        .unwrap();
    let b3: Vec<u8> = conn
        .query_row("SELECT blob FROM photo_blobs WHERE photo_id = 3", [], |r| {
            r.get(0)
        })
        .unwrap();
    conn.execute("UPDATE photo_blobs SET blob = ?1 WHERE photo_id = 2", [&b3])
        .unwrap();
    conn.execute("UPDATE photo_blobs SET blob = ?1 WHERE photo_id = 3", [&b2])
        .unwrap();
    drop(conn);
    let text = String::from_utf8(st.run(&["queue", "verify"]).stdout).unwrap();
    for id in 1..=3 {
        assert!(text.contains(&format!("BAD photo #{id}:")), "{text}");
    }
}

#[test]
fn bad_inputs_get_clear_errors_and_store_nothing() {
    let st = Station::new();
    st.add_student("2020001", "张三", "计科2001");
    let dir = st.dir.path();
    std::fs::write(dir.join("notes.txt"), "this is not an image").unwrap();
    let good = std::fs::read(st.photo("good.jpg", 5)).unwrap();
    std::fs::write(dir.join("cut.jpg"), &good[..good.len() / 3]).unwrap();
    let cases: [(&str, &str, &str); 4] = [
        ("missing.jpg", "2020001", "file not found"),
        ("notes.txt", "2020001", "not a JPEG or PNG"),
        ("cut.jpg", "2020001", "damaged or truncated"),
        (
            "good.jpg",
            "9999999",
            "no student with student number 9999999",
        ),
    ];
    for (file, student, expect) in cases {
        let path = dir.join(file);
        let out = st.run(&[
            "ingest",
            path.to_str().unwrap(),
            "--student",
            student,
            "--code",
            "c-1",
        ]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{file}: {err}");
        assert!(err.contains(expect), "{file}: {err}");
    }
    let stats: serde_json::Value =
        serde_json::from_str(&st.ok(&["queue", "stats", "--json"])).unwrap();
    assert!(
        stats["by_state"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s[1] == 0),
        "{stats}"
    );
}

#[test]
fn same_code_is_refused_unless_superseding_and_never_for_another_student() {
    let st = Station::new();
    st.add_student("2020001", "张三", "计科2001");
    st.add_student("2020002", "李四", "计科2001");
    let p = st.photo("a.jpg", 7);
    let p = p.to_str().unwrap();
    st.ok(&["ingest", p, "--student", "2020001", "--code", "CODE-A"]);
    let out = st.run(&["ingest", p, "--student", "2020001", "--code", "CODE-A"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("with this collection code; pass --supersede")
    );
    let out = st.run(&[
        "ingest",
        p,
        "--student",
        "2020002",
        "--code",
        "CODE-A",
        "--supersede",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("2020001 张三") && err.contains("2020002 李四"),
        "{err}"
    );
    st.ok(&[
        "ingest",
        p,
        "--student",
        "2020001",
        "--code",
        "CODE-A",
        "--supersede",
    ]);
    let list = st.ok(&["queue", "list", "--all", "--json"]);
    let rows: Vec<serde_json::Value> = list
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["superseded_by"], 2);
}

#[test]
fn locked_database_gives_a_clear_error_within_five_seconds() {
    let st = Station::new();
    st.add_student("2020001", "张三", "计科2001");
    let p = st.photo("a.jpg", 3);
    let conn = rusqlite::Connection::open(st.db()).unwrap();
    conn.execute_batch(
        "BEGIN EXCLUSIVE; INSERT INTO stations (id, name, created_at) VALUES ('X', 'x', 'now');",
    )
    .unwrap();
    let started = Instant::now();
    let out = st.run(&[
        "ingest",
        p.to_str().unwrap(),
        "--student",
        "2020001",
        "--code",
        "c-1",
    ]);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("locked by another process"));
    conn.execute_batch("ROLLBACK").unwrap();
}

#[test]
fn passwd_rewraps_without_touching_photos() {
    let st = Station::new();
    st.add_student("2020001", "张三", "计科2001");
    let p = st.photo("a.jpg", 9);
    st.ok(&[
        "ingest",
        p.to_str().unwrap(),
        "--student",
        "2020001",
        "--code",
        "c-9",
    ]);
    let conn = rusqlite::Connection::open(st.db()).unwrap();
    let blob_before: Vec<u8> = conn
        .query_row("SELECT blob FROM photo_blobs", [], |r| r.get(0))
        .unwrap();
    let out = st
        .cmd(&["passwd"])
        .env("CAPTURE_STATION_NEW_PASSPHRASE", "brand-new-passphrase")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let blob_after: Vec<u8> = conn
        .query_row("SELECT blob FROM photo_blobs", [], |r| r.get(0))
        .unwrap();
    assert_eq!(blob_before, blob_after);
    assert_eq!(
        st.run(&["queue", "verify"]).status.code(),
        Some(2),
        "old passphrase {PASS} must fail"
    );
    let out = st
        .cmd(&["queue", "verify"])
        .env("CAPTURE_STATION_PASSPHRASE", "brand-new-passphrase")
        .output()
        .unwrap();
    assert!(out.status.success());
}

#[test]
fn config_errors_name_file_key_and_line() {
    let st = Station::new();
    let bad = st.dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[station]\nid = \"ok\"\n\n[export]\nfile_name = \"{sid}.jpg\"\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_capture-station"))
        .args(["--config", bad.to_str().unwrap(), "queue", "stats"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml:5: `export.file_name`") && err.contains("{sid}"),
        "{err}"
    );
}

#[test]
fn failing_photo_is_refused_unless_sent_to_review_with_a_reason() {
    let st = Station::new();
    st.add_student("2020001", "张三", "计科2001");
    let path = st.dir.path().join("grey.jpg");
    let mut scene = capture_station::camera::DemoScene::new(1920, 1080);
    let (img, _) = scene.render(
        0.0,
        capture_station::camera::DemoDefect::WrongBackground,
        false,
        None,
        1,
    );
    img.save(&path).unwrap();
    let p = path.to_str().unwrap();
    let out = st.run(&["ingest", p, "--student", "2020001", "--code", "c-grey"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("background_colour") && err.contains("nothing stored"),
        "{err}"
    );
    assert!(st.ok(&["queue", "list"]).trim().is_empty());
    let out = st.ok(&[
        "ingest",
        p,
        "--student",
        "2020001",
        "--code",
        "c-grey",
        "--override-reason",
        "学生坚持",
    ]);
    assert!(out.contains("rejected (awaiting supervisor)"), "{out}");
    let rows = st.ok(&["queue", "list", "--state", "rejected", "--json"]);
    assert_eq!(rows.lines().count(), 1);
}

#[test]
fn supervisor_pin_is_stored_hashed_and_checked() {
    let st = Station::new();
    let out = st
        .cmd(&["pin"])
        .env("CAPTURE_STATION_PIN", "12ab")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "letters are refused");
    assert!(String::from_utf8_lossy(&out.stderr).contains("4 to 12 digits"));
    let out = st
        .cmd(&["pin"])
        .env("CAPTURE_STATION_PIN", "908172")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!contains(&std::fs::read(st.db()).unwrap(), b"908172"));
    let store = capture_station::store::Store::open(&st.db(), PASS).unwrap();
    assert!(store.check_supervisor_pin("908172").unwrap());
    assert!(!store.check_supervisor_pin("908173").unwrap());
}
