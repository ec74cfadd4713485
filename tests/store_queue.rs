//! The queue state machine through the library API: legal and illegal transitions, audit rows, supersede.

use capture_station::crypto::KdfParams;
use capture_station::store::{
    CheckRow, Decision, NewShot, NewStudent, PhotoState, Store, StoreError, StudentStatus,
};

const FAST: KdfParams = KdfParams {
    memory_kib: 64,
    iterations: 1,
    parallelism: 1,
};

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::create(
        &dir.path().join("station.db"),
        "pass-word",
        FAST,
        "A1",
        "一号",
    )
    .unwrap();
    for no in ["1", "2"] {
        s.add_student(
            &NewStudent {
                student_no: no.into(),
                name: format!("学生{no}"),
                class: "c".into(),
                status: StudentStatus::Normal,
                id_no: None,
            },
            "t",
        )
        .unwrap();
    }
    (dir, s)
}

fn shot<'a>(no: &'a str, code: &'a str, checks: &'a [CheckRow]) -> NewShot<'a> {
    NewShot {
        student_no: no,
        code,
        jpeg: &[0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3],
        width: 480,
        height: 640,
        quality: 80,
        checks,
        verdict_pass: Some(false),
        supersede: false,
    }
}

#[test]
fn rejected_shot_goes_to_review_and_every_transition_is_audited() {
    let (_d, mut s) = store();
    let checks = [CheckRow {
        check_id: "head_size".into(),
        outcome: "fail".into(),
        value: Some(0.2),
        threshold: "0.28..0.47".into(),
        reason_zh: "头部太小".into(),
        reason_en: "head too small".into(),
    }];
    let audit0 = s.audit_count().unwrap();
    let id = s
        .store_shot(
            &shot("1", "code-1", &checks),
            &Decision::Reject {
                reason: "学生赶时间".into(),
            },
            "op",
        )
        .unwrap();
    assert_eq!(s.audit_count().unwrap(), audit0 + 2);
    let err = s
        .transition(id, PhotoState::Uploaded, "op", None)
        .unwrap_err();
    assert!(matches!(
        err,
        StoreError::IllegalTransition {
            from: PhotoState::Rejected,
            to: PhotoState::Uploaded,
            ..
        }
    ));
    assert_eq!(
        s.audit_count().unwrap(),
        audit0 + 2,
        "an illegal transition writes nothing"
    );
    s.transition(id, PhotoState::OverrideAccepted, "supervisor", Some("ok"))
        .unwrap();
    s.transition(id, PhotoState::Uploaded, "uploader", None)
        .unwrap();
    s.transition(id, PhotoState::Purged, "purge", None).unwrap();
    assert_eq!(s.audit_count().unwrap(), audit0 + 5);
    assert!(
        matches!(s.photo_jpeg(id), Err(StoreError::PhotoNotFound(_))),
        "purged blob is gone"
    );
    assert!(s.verify().unwrap().bad.is_empty());
}

#[test]
fn reshoot_supersedes_without_asking_but_accepted_needs_consent() {
    let (_d, mut s) = store();
    let first = s
        .store_shot(
            &shot("1", "code-1", &[]),
            &Decision::Reject { reason: "r".into() },
            "op",
        )
        .unwrap();
    s.transition(
        first,
        PhotoState::ReshootRequested,
        "supervisor",
        Some("blink"),
    )
    .unwrap();
    let second = s
        .store_shot(&shot("1", "code-1", &[]), &Decision::Accept, "op")
        .unwrap();
    let all = s.list_photos(&capture_station::store::PhotoFilter {
        include_superseded: true,
        ..Default::default()
    });
    let all = all.unwrap();
    assert_eq!(
        all.iter().find(|p| p.id == first).unwrap().superseded_by,
        Some(second)
    );
    let err = s
        .store_shot(&shot("1", "code-1", &[]), &Decision::Accept, "op")
        .unwrap_err();
    assert!(matches!(err, StoreError::AlreadyPhotographed { photo_id, .. } if photo_id == second));
    let err = s
        .store_shot(&shot("2", "code-1", &[]), &Decision::Accept, "op")
        .unwrap_err();
    assert!(matches!(err, StoreError::CodeBoundToOther { ref other_no, .. } if other_no == "1"));
    let stats = s.queue_stats().unwrap();
    assert_eq!(stats.superseded, 1);
    assert_eq!(stats.students_done, 1);
}

#[test]
fn reopening_checks_the_passphrase_and_schema() {
    let (d, s) = store();
    drop(s);
    let path = d.path().join("station.db");
    assert!(matches!(
        Store::open(&path, "nope"),
        Err(StoreError::WrongPassphrase)
    ));
    let s = Store::open(&path, "pass-word").unwrap();
    assert_eq!(s.station_id(), "A1");
    assert!(matches!(
        Store::open(&d.path().join("missing.db"), "pass-word"),
        Err(StoreError::NotInitialised { .. })
    ));
}

#[test]
fn supervisor_decides_rejected_and_interrupted_captured_photos() {
    let (_d, mut s) = store();
    // A save interrupted between its two transactions leaves the photo `captured`.
    let leftover = s.insert_captured(&shot("1", "code-1", &[]), "op").unwrap();
    let audit0 = s.audit_count().unwrap();
    let state = s
        .review_decision(leftover, false, "supervisor", Some("blurred"))
        .unwrap();
    assert_eq!(state, PhotoState::ReshootRequested);
    assert_eq!(
        s.audit_count().unwrap(),
        audit0 + 2,
        "captured → rejected → reshoot_requested"
    );

    let second = s.insert_captured(&shot("2", "code-2", &[]), "op").unwrap();
    assert_eq!(
        s.review_decision(second, true, "supervisor", None).unwrap(),
        PhotoState::Accepted
    );
    let err = s
        .review_decision(second, true, "supervisor", None)
        .unwrap_err();
    assert!(matches!(
        err,
        StoreError::IllegalTransition {
            from: PhotoState::Accepted,
            ..
        }
    ));

    let rejected = s
        .store_shot(
            &shot("1", "code-1", &[]),
            &Decision::Reject { reason: "r".into() },
            "op",
        )
        .unwrap();
    assert_eq!(
        s.review_decision(rejected, true, "supervisor", Some("ok"))
            .unwrap(),
        PhotoState::OverrideAccepted
    );
    assert_eq!(
        s.photo_state(rejected).unwrap(),
        PhotoState::OverrideAccepted
    );
}

/// The old window between "captured" and the decision: a failure while deciding (here a trigger that aborts
/// the move to `accepted`, standing in for a crash) must leave no photo behind, not one stuck in `captured`.
#[test]
fn a_shot_and_its_decision_commit_together_or_not_at_all() {
    let (dir, mut s) = store();
    {
        let raw = rusqlite::Connection::open(dir.path().join("station.db")).unwrap();
        raw.execute_batch(
            "CREATE TRIGGER fail_decision BEFORE UPDATE OF state ON photos
             WHEN NEW.state = 'accepted' BEGIN SELECT RAISE(ABORT, 'injected fault'); END;",
        )
        .unwrap();
    }
    let audit0 = s.audit_count().unwrap();
    let err = s
        .store_shot(&shot("1", "code-1", &[]), &Decision::Accept, "op")
        .unwrap_err();
    assert!(err.to_string().contains("injected fault"), "{err}");
    assert!(
        s.list_photos(&Default::default()).unwrap().is_empty(),
        "no half-decided photo"
    );
    assert_eq!(s.audit_count().unwrap(), audit0, "no audit row either");
    let q = s.shooting_queue(None).unwrap();
    assert!(
        q.iter().all(|e| e.needs_photo),
        "the student still needs a photo"
    );
    // The fault gone, the same shot goes through (the code is not taken by a ghost row).
    rusqlite::Connection::open(dir.path().join("station.db"))
        .unwrap()
        .execute_batch("DROP TRIGGER fail_decision;")
        .unwrap();
    s.store_shot(&shot("1", "code-1", &[]), &Decision::Accept, "op")
        .unwrap();
}
