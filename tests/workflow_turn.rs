//! The student turn without a window: skips, absentees, re-shoots, scans at awkward moments and pending shots
//! never bind a code or a photo to the wrong student.

use std::sync::Arc;

use capture_station::compliance::{CheckResult, Outcome, Verdict};
use capture_station::imaging::EncodedJpeg;
use capture_station::shot::{PreparedShot, ShotOutcome};
use capture_station::store::{Decision, PhotoState, QueueEntry, StudentStatus};
use capture_station::workflow::{Effect, NoticeKind, SHOT_ATTEMPTS, ShotStage, Turn};

fn entry(no: &str) -> QueueEntry {
    QueueEntry {
        position: 0,
        student_no: no.into(),
        name: format!("学生{no}"),
        class: "软件1班".into(),
        status: StudentStatus::Normal,
        school: None,
        major: None,
        id_no_masked: None,
        photo_state: None,
        photo_id: None,
        needs_photo: true,
        absent: false,
        elsewhere: None,
    }
}

fn queue(n: usize) -> Vec<QueueEntry> {
    (1..=n).map(|i| entry(&format!("S{i:03}"))).collect()
}

fn shot(pass: bool) -> Arc<PreparedShot> {
    Arc::new(PreparedShot {
        crop: image::RgbImage::new(48, 64),
        jpeg: EncodedJpeg {
            bytes: vec![0xFF, 0xD8, 0xFF, 0xD9],
            quality: 90,
            under_min_size: false,
        },
        verdict: Verdict::from_checks(Vec::new()),
        checks: Vec::new(),
        outcome: if pass {
            ShotOutcome::Pass
        } else {
            ShotOutcome::Fail("x".into())
        },
    })
}

fn failing_on(ids: &[&str]) -> Arc<PreparedShot> {
    let mut s = (*shot(false)).clone();
    s.verdict = Verdict::from_checks(
        ids.iter()
            .map(|id| CheckResult {
                id: id.to_string(),
                outcome: Outcome::Fail,
                value: 1.0,
                threshold: String::new(),
                reason_zh: String::new(),
                reason_en: String::new(),
                hint_zh: String::new(),
                hint_en: String::new(),
            })
            .collect(),
    );
    Arc::new(s)
}

fn failing_shot() -> Arc<PreparedShot> {
    failing_on(&["background_colour"])
}

/// Scans a fresh code (no owner yet) and returns whether it was bound.
fn scan_new(t: &mut Turn, code: &str) -> bool {
    let fx = t.scanned(code);
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Resolve(p) if p == code))
    );
    t.code_resolved(code, None);
    t.code() == Some(code)
}

/// Shoots and accepts; returns the store effect's student and code.
fn shoot_and_save(t: &mut Turn) -> (String, String) {
    assert!(t.shutter());
    t.shot_ready(shot(true));
    let fx = t.accept("", false);
    match fx.as_slice() {
        [
            Effect::Store {
                student_no,
                code,
                decision: Decision::Accept,
                ..
            },
        ] => (student_no.clone(), code.clone()),
        _ => panic!("expected one store effect"),
    }
}

#[test]
fn a_skipped_student_does_not_come_back_after_the_next_save() {
    let mut t = Turn::new();
    t.set_queue(queue(5));
    assert_eq!(t.current(), Some("S001"));
    t.step(true); // S001 not ready: later
    assert_eq!(t.current(), Some("S002"));
    assert!(scan_new(&mut t, "code-2"));
    let (no, code) = shoot_and_save(&mut t);
    assert_eq!((no.as_str(), code.as_str()), ("S002", "code-2"));
    // The next student comes up at once, not the skipped one.
    assert_eq!(t.current(), Some("S003"));
    t.stored("S002", 1, PhotoState::Accepted);
    let mut q = queue(5);
    q[1].needs_photo = false;
    q[1].photo_state = Some(PhotoState::Accepted);
    t.set_queue(q);
    assert_eq!(t.current(), Some("S003"));
    // The skipped one is last in line (after a wrap), not first.
    let next: Vec<&str> = t
        .up_next(10)
        .iter()
        .map(|e| e.student_no.as_str())
        .collect();
    assert_eq!(next, ["S004", "S005", "S001"]);
}

#[test]
fn a_scan_right_after_enter_binds_to_the_next_student() {
    let mut t = Turn::new();
    t.set_queue(queue(3));
    assert!(scan_new(&mut t, "code-1"));
    let (no, _) = shoot_and_save(&mut t);
    assert_eq!(no, "S001");
    // The save has not been confirmed yet; the next student's code arrives (wedge burst after Enter).
    assert!(t.is_saving());
    assert!(scan_new(&mut t, "code-2"));
    assert_eq!(t.current(), Some("S002"));
    // The confirmation and the refreshed queue do not drop it.
    t.stored("S001", 1, PhotoState::Accepted);
    let mut q = queue(3);
    q[0].needs_photo = false;
    q[0].photo_state = Some(PhotoState::Accepted);
    t.set_queue(q);
    assert_eq!(t.current(), Some("S002"));
    assert_eq!(t.code(), Some("code-2"));
}

#[test]
fn a_scan_never_replaces_the_code_of_a_pending_shot() {
    let mut t = Turn::new();
    t.set_queue(queue(3));
    assert!(scan_new(&mut t, "code-1"));
    assert!(t.shutter());
    t.shot_ready(failing_shot());
    // Another student's fresh code while the failed shot is on screen: refused, visibly.
    assert!(!scan_new(&mut t, "code-x"));
    assert_eq!(t.code(), Some("code-1"));
    assert_eq!(t.notice().map(|n| n.kind), Some(NoticeKind::Refused));
    // A code already bound to another student: refused too, the shot stays with S001.
    t.code_resolved("code-9", Some(("S003".into(), "学生S003".into())));
    assert_eq!(t.current(), Some("S001"));
    assert!(matches!(t.stage(), ShotStage::Ready(_)));
    // Retake keeps the code; the retaken shot is saved under S001 with code-1.
    t.retake();
    assert!(
        !scan_new(&mut t, "code-y"),
        "the live student already has a code"
    );
    let (no, code) = shoot_and_save(&mut t);
    assert_eq!((no.as_str(), code.as_str()), ("S001", "code-1"));
}

#[test]
fn a_failing_shot_needs_a_reason_and_goes_to_review() {
    let mut t = Turn::new();
    t.set_queue(queue(2));
    assert!(scan_new(&mut t, "c1"));
    assert!(t.shutter());
    t.shot_ready(failing_shot());
    assert!(
        t.accept("  ", false)
            .iter()
            .all(|e| !matches!(e, Effect::Store { .. }))
    );
    assert_eq!(t.notice().map(|n| n.kind), Some(NoticeKind::Refused));
    let fx = t.accept("眼镜反光无法避免", false);
    assert!(fx.iter().any(|e| matches!(e,
        Effect::Store { student_no, decision: Decision::Reject { reason }, .. }
            if student_no == "S001" && reason == "眼镜反光无法避免")));
}

#[test]
fn no_code_no_save_and_no_switching_with_a_pending_shot() {
    let mut t = Turn::new();
    t.set_queue(queue(3));
    assert!(t.shutter());
    t.shot_ready(shot(true));
    assert!(
        t.accept("", false)
            .iter()
            .all(|e| !matches!(e, Effect::Store { .. }))
    );
    assert_eq!(t.current(), Some("S001"));
    t.select("S003");
    assert_eq!(t.current(), Some("S001"), "cannot leave a pending shot");
    t.step(true);
    assert_eq!(t.current(), Some("S001"));
    t.mark_absent();
    assert_eq!(t.current(), Some("S001"));
    // A code scanned now (the student shows the phone late) binds to S001 and the save goes through.
    assert!(scan_new(&mut t, "late"));
    let fx = t.accept("", false);
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Store { student_no, code, .. }
        if student_no == "S001" && code == "late"))
    );
}

#[test]
fn absent_students_leave_the_queue_and_come_back_on_recall() {
    let mut t = Turn::new();
    t.set_queue(queue(4));
    let fx = t.mark_absent();
    assert!(matches!(fx.as_slice(), [Effect::MarkAbsent(no)] if no == "S001"));
    assert_eq!(t.current(), Some("S002"));
    assert_eq!(t.absent().len(), 1);
    let next: Vec<&str> = t
        .up_next(10)
        .iter()
        .map(|e| e.student_no.as_str())
        .collect();
    assert_eq!(next, ["S003", "S004"]);
    // The store's queue says the same after a reload.
    let mut q = queue(4);
    q[0].absent = true;
    t.set_queue(q);
    assert_eq!(t.current(), Some("S002"));
    // Recall: selecting an absent student brings them back.
    let fx = t.select("S001");
    assert!(matches!(fx.as_slice(), [Effect::Recall(no)] if no == "S001"));
    assert_eq!(t.current(), Some("S001"));
    assert!(t.absent().is_empty());
    // A queue read before the recall reached the store does not send them away again.
    let mut stale = queue(4);
    stale[0].absent = true;
    t.set_queue(stale);
    assert_eq!(t.current(), Some("S001"));
    assert!(t.absent().is_empty());
    t.set_queue(queue(4));
    assert_eq!(t.current(), Some("S001"));
    // Their code binds them too: an absent student who shows their (already bound) code is recalled.
    let mut t = Turn::new();
    let mut q = queue(3);
    q[2].absent = true;
    t.set_queue(q);
    let fx = t.code_resolved("c3", Some(("S003".into(), "学生S003".into())));
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Recall(no) if no == "S003"))
    );
    assert_eq!((t.current(), t.code()), (Some("S003"), Some("c3")));
}

#[test]
fn reshoots_come_first_and_failed_saves_go_back_to_the_front() {
    let mut t = Turn::new();
    let mut q = queue(5);
    q[3].photo_state = Some(PhotoState::ReshootRequested);
    t.set_queue(q);
    assert_eq!(t.current(), Some("S004"), "re-shoot first");
    assert!(scan_new(&mut t, "c4"));
    shoot_and_save(&mut t);
    assert_eq!(t.current(), Some("S001"));
    // The store refuses S004's photo: S004 goes back to the front, after the current student.
    t.store_failed(
        "S004",
        capture_station::i18n::Text::new("磁盘已满", "disk full"),
    );
    assert_eq!(t.notice().map(|n| n.kind), Some(NoticeKind::Refused));
    assert_eq!(t.up_next(1)[0].student_no, "S004");
    t.step(true);
    assert_eq!(t.current(), Some("S004"));
}

#[test]
fn an_accepted_students_code_is_refused_by_name() {
    let mut t = Turn::new();
    let mut q = queue(3);
    q[1].needs_photo = false;
    q[1].photo_state = Some(PhotoState::Accepted);
    t.set_queue(q);
    t.code_resolved("c2", Some(("S002".into(), "学生S002".into())));
    assert_eq!(t.current(), Some("S001"));
    assert_eq!(t.code(), None);
    let n = t.notice().expect("a visible refusal");
    assert_eq!(n.kind, NoticeKind::Refused);
    assert!(n.text.zh.contains("S002") && n.text.zh.contains("已通过"));
}

/// A long random day: 300 students, random skips, absentees, re-shoots, duplicate scans and scans at random
/// moments; every store effect must carry the code scanned for that very student.
#[test]
fn a_random_day_never_mixes_up_students() {
    use std::collections::HashMap;
    let n = 300;
    let mut t = Turn::new();
    t.set_queue(queue(n));
    let code_of = |no: &str| format!("code-{no}");
    let mut rng: u64 = 0x5eed;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut saved: HashMap<String, String> = HashMap::new();
    let mut owners: HashMap<String, String> = HashMap::new();
    let mut steps = 0;
    while saved.len() < n - 20 && steps < 20_000 {
        steps += 1;
        let Some(cur) = t.current().map(str::to_string) else {
            break;
        };
        match next() % 20 {
            0 => {
                t.step(true);
            }
            1 if t.absent().len() < 20 => {
                t.mark_absent();
            }
            2 => {
                // Someone else's code (already bound) or a stray code while busy.
                if let Some((no, c)) = owners.iter().next() {
                    t.code_resolved(c, Some((no.clone(), String::new())));
                }
            }
            _ => {
                if t.code().is_none() {
                    let c = code_of(&cur);
                    let owner = owners.get(&c).map(|o| (o.clone(), String::new()));
                    t.code_resolved(&c, owner);
                }
                if t.shutter() {
                    t.shot_ready(if next() % 5 == 0 {
                        failing_shot()
                    } else {
                        shot(true)
                    });
                }
                if next() % 7 == 0 {
                    t.retake();
                    continue;
                }
                let reason = if next() % 2 == 0 { "override" } else { "" };
                for fx in t.accept(reason, false) {
                    if let Effect::Store {
                        student_no, code, ..
                    } = fx
                    {
                        assert_eq!(
                            code,
                            code_of(&student_no),
                            "code filed under the wrong student"
                        );
                        owners.insert(code.clone(), student_no.clone());
                        saved.insert(student_no.clone(), code);
                        t.stored(&student_no, saved.len() as i64, PhotoState::Accepted);
                    }
                }
                if t.current().is_none() {
                    break;
                }
            }
        }
    }
    assert!(saved.len() >= n - 20, "only {} saved", saved.len());
}

#[test]
fn a_blink_is_retried_quietly_a_few_times_then_shown() {
    let mut t = Turn::new();
    t.set_queue(queue(2));
    assert!(t.shutter());
    for _ in 1..SHOT_ATTEMPTS {
        let fx = t.shot_ready(failing_on(&["eyes_open"]));
        assert!(matches!(fx.as_slice(), [Effect::RetryAfterBlink]));
        assert!(matches!(t.stage(), ShotStage::Taking));
    }
    // The last attempt is shown as it is.
    t.shot_ready(failing_on(&["eyes_open"]));
    assert!(matches!(t.stage(), ShotStage::Ready(_)));
    // Other failures are never retried, and a new press starts counting again.
    t.retake();
    assert!(t.shutter());
    t.shot_ready(failing_on(&["eyes_open", "glasses"]));
    assert!(matches!(t.stage(), ShotStage::Ready(_)));
    t.retake();
    assert!(t.shutter());
    assert!(matches!(
        t.shot_ready(failing_on(&["eyes_open"])).as_slice(),
        [Effect::RetryAfterBlink]
    ));
    let fx = t.shot_ready(shot(true));
    assert!(fx.is_empty());
    assert!(matches!(t.stage(), ShotStage::Ready(s) if s.verdict.pass));
}

#[test]
fn the_code_of_a_shot_being_saved_is_refused_before_the_store_knows_it() {
    let mut t = Turn::new();
    t.set_queue(queue(3));
    assert!(scan_new(&mut t, "c1"));
    shoot_and_save(&mut t);
    assert_eq!(t.current(), Some("S002"));
    // The same code again, looked up before S001's save went through: the store has no owner for it yet.
    assert!(!scan_new(&mut t, "c1"));
    assert_eq!(t.code(), None);
    let n = t.notice().expect("refused visibly");
    assert_eq!(n.kind, NoticeKind::Refused);
    assert!(n.text.zh.contains("S001"));
}

#[test]
fn a_code_bound_at_another_station_goes_to_its_waiting_owner_or_is_refused() {
    let mut t = Turn::new();
    let mut q = queue(3);
    // S002 was photographed and accepted at B2.
    q[1].elsewhere = Some(capture_station::store::Elsewhere {
        station: "B2".into(),
        at: "2026-06-01T08:00:00Z".into(),
        what: "accepted",
    });
    t.set_queue(q);
    assert_eq!(t.current(), Some("S001"));
    // S002's code (bound at B2 by the accepted shot): refused, naming station and student; S001 stays.
    t.code_elsewhere("code-b2", "B2", "S002");
    assert_eq!(t.current(), Some("S001"));
    assert_eq!(t.code(), None);
    let n = t.notice().unwrap();
    assert_eq!(n.kind, NoticeKind::Refused);
    assert!(
        n.text.zh.contains("B2") && n.text.zh.contains("S002"),
        "{}",
        n.text.zh
    );
    // S003's roster code, bound at B2's import: S003 is still waiting here, so the code is theirs.
    t.code_elsewhere("code-s3", "B2", "S003");
    assert_eq!(t.current(), Some("S003"));
    assert_eq!(t.code(), Some("code-s3"));
}
