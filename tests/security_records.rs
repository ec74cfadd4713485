//! Edits of the database file made with any SQLite tool, as an attacker holding the station's files would:
//! each is named by `queue verify`, and upload refuses the photo whose record no longer verifies.

mod upload_support;

use capture_station::store::{Decision, NewShot};
use rusqlite::Connection;
use upload_support::{Station, fake_jpeg, uploaded_ids};

/// A station with accepted photos #1–#3 (students T-0001…T-0003) and photo #4 rejected (student T-0004).
fn station() -> Station {
    let st = Station::new("T", 3);
    let mut store = st.open();
    st.add_photo(&mut store, "T-0004", "CODE-T-3", 3);
    let jpeg = fake_jpeg(40, 30_000);
    store
        .store_shot(
            &NewShot {
                student_no: "T-0004",
                code: "CODE-T-3b",
                jpeg: &jpeg,
                width: 480,
                height: 640,
                quality: 90,
                checks: &[],
                verdict_pass: Some(false),
                supersede: true,
            },
            &Decision::Reject {
                reason: "eyes closed".into(),
            },
            "test",
        )
        .unwrap();
    st.write_config(&format!(
        "folder = \"{}\"\n",
        st.dir.path().join("usb").display()
    ));
    st
}

fn verify(st: &Station) -> (i32, String) {
    let (code, out, err) = st.run(&["queue", "verify"]);
    (code, format!("{out}{err}"))
}

fn sql(st: &Station, sql: &str) {
    Connection::open(st.db())
        .unwrap()
        .execute_batch(sql)
        .unwrap();
}

#[test]
fn an_untouched_station_verifies() {
    let st = station();
    let (code, out) = verify(&st);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("0 bad rows"), "{out}");
}

#[test]
fn swapped_student_numbers_are_named_and_not_uploaded() {
    let st = station();
    sql(
        &st,
        "UPDATE students SET student_no = 'tmp' WHERE student_no = 'T-0001';
         UPDATE students SET student_no = 'T-0001' WHERE student_no = 'T-0002';
         UPDATE students SET student_no = 'T-0002' WHERE student_no = 'tmp';",
    );
    let (code, out) = verify(&st);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("student T-0002 学生T-0001: number, name or ID number was edited"),
        "{out}"
    );
    assert!(out.contains("student T-0001 学生T-0002"), "{out}");
    let (code, out, err) = st.run(&["upload", "--once"]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(err.contains("refused"), "{err}");
    // Photos #1 and #2 belong to the edited students; #3 is untouched and goes.
    assert_eq!(uploaded_ids(&st.db()), vec![3]);
}

#[test]
fn rejected_made_accepted_is_named_and_not_uploaded() {
    let st = station();
    sql(&st, "UPDATE photos SET state = 'accepted' WHERE id = 5");
    let (code, out) = verify(&st);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("BAD photo #5: the photo record (state accepted"),
        "{out}"
    );
    let (code, _, err) = st.run(&["upload", "--once"]);
    assert_eq!(code, 1);
    assert!(err.contains("photo #5 refused"), "{err}");
    assert_eq!(uploaded_ids(&st.db()), vec![1, 2, 3]);
    // Queue export refuses it too.
    let (code, _, err) = st.run(&[
        "queue",
        "export",
        "--out",
        st.dir.path().join("export").to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("photo #5 refused"), "{err}");
}

#[test]
fn deleted_blob_marked_purged_is_named() {
    let st = station();
    sql(
        &st,
        "DELETE FROM photo_blobs WHERE photo_id = 2; UPDATE photos SET state = 'purged' WHERE id = 2;",
    );
    let (code, out) = verify(&st);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("BAD photo #2: the photo record (state purged"),
        "{out}"
    );
}

#[test]
fn audit_edits_deletions_and_truncation_are_named() {
    let st = station();
    sql(&st, "UPDATE audit_log SET actor = 'nobody' WHERE id = 3");
    let (code, out) = verify(&st);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("BAD audit row #3"), "{out}");
    assert!(
        !out.contains("audit row #4"),
        "one edit, one finding: {out}"
    );

    let st = station();
    sql(&st, "DELETE FROM audit_log WHERE id = 4");
    let (code, out) = verify(&st);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("BAD audit row #5"), "{out}");

    let st = station();
    sql(
        &st,
        "DELETE FROM audit_log WHERE id = (SELECT MAX(id) FROM audit_log)",
    );
    let (code, out) = verify(&st);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("last rows were deleted"), "{out}");

    // A photo row deleted outright (the log still records it).
    let st = station();
    sql(
        &st,
        "PRAGMA foreign_keys = OFF; DELETE FROM check_results WHERE photo_id = 3;
         DELETE FROM photo_blobs WHERE photo_id = 3; DELETE FROM upload_state WHERE photo_id = 3;
         DELETE FROM photos WHERE id = 3;",
    );
    let (code, out) = verify(&st);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("BAD photo #3: the audit log records this photo"),
        "{out}"
    );
}

#[test]
fn legitimate_changes_keep_verifying() {
    let st = station();
    assert_eq!(st.run(&["upload", "--once"]).0, 0);
    let (code, out, err) = st.run(&["purge"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let (code, out) = verify(&st);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn a_station_from_before_record_macs_is_sealed_once_on_upgrade() {
    let st = station();
    sql(
        &st,
        "ALTER TABLE photos DROP COLUMN mac; ALTER TABLE students DROP COLUMN mac;
         ALTER TABLE audit_log DROP COLUMN mac;
         DELETE FROM settings WHERE key IN ('audit_head', 'station_signing_key');
         DROP TABLE group_events; DROP TABLE group_stations; DROP TABLE group_outbox;
         PRAGMA user_version = 5;",
    );
    let (code, out) = verify(&st);
    assert_eq!(code, 0, "{out}");
    let conn = Connection::open(st.db()).unwrap();
    let actions: Vec<String> = conn
        .prepare("SELECT action FROM audit_log ORDER BY id DESC LIMIT 2")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(actions, ["station_key_created", "records_sealed"]);
    // Sealing happens once: a MAC removed later is a finding, not a new seal.
    conn.execute("UPDATE photos SET mac = NULL WHERE id = 1", [])
        .unwrap();
    let (code, out) = verify(&st);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("BAD photo #1: the photo record has no MAC"),
        "{out}"
    );
}
