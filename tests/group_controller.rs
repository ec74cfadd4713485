//! The GUI's side of the group, without a window: the controller syncs in the background once unlocked,
//! reports the group's state, takes the other stations' work out of the shooting order, refuses at scan
//! time a code bound at another station, and publishes who is being photographed here.

mod upload_support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use capture_station::controller::{Controller, ControllerConfig, Event, Request};
use capture_station::crypto::Passphrase;

use upload_support::{PASS, Station, accept_shot};

fn ok(st: &Station, args: &[&str]) -> String {
    let out = st
        .cmd(args)
        .env("CAPTURE_STATION_GROUP_PASSPHRASE", "group-pass-2026")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `st`'s GUI controller, unlocked, syncing with the group every `interval`.
fn unlocked_controller(st: &Station, interval: Duration) -> Controller {
    let ctl = Controller::start(
        ControllerConfig {
            db_path: st.db(),
            kdf: capture_station::crypto::KdfParams {
                memory_kib: 256,
                iterations: 1,
                parallelism: 1,
            },
            spec: Default::default(),
            roster: Default::default(),
            actor: "gui:test".into(),
            export_template: "{student_no}.jpg".into(),
            data_dir: st.data(),
            upload: st.config().upload,
            code_max_len: 512,
            group_interval: interval,
        },
        Arc::new(|| {}),
    );
    ctl.send(Request::Unlock {
        passphrase: Passphrase::new(PASS.to_string()),
    });
    ctl
}

/// Stations A1 and B2 in one group on a shared folder under `dir`, with a roster of `students` (class 一班)
/// imported at A1 and synced to both.
fn group_of_two(dir: &std::path::Path, students: &[&str]) -> (Station, Station) {
    let share = dir.join("share");
    let a = Station::new("A1", 0);
    let b = Station::new("B2", 0);
    for st in [&a, &b] {
        st.write_config(&format!("folder = \"{}\"\n", share.display()));
    }
    let join = dir.join("join.json");
    ok(&a, &["group", "create", "--out", join.to_str().unwrap()]);
    ok(&b, &["group", "join", join.to_str().unwrap()]);
    let names = ["甲", "乙", "丙", "丁"];
    let mut text = String::from("学号,姓名,班级\n");
    for (no, name) in students.iter().zip(names.iter().cycle()) {
        text.push_str(&format!("{no},{name},一班\n"));
    }
    let csv = dir.join("r.csv");
    std::fs::write(&csv, text).unwrap();
    ok(&a, &["roster", "import", csv.to_str().unwrap()]);
    ok(&a, &["group", "sync", "--once"]);
    ok(&b, &["group", "sync", "--once"]);
    (a, b)
}

#[test]
fn the_controller_syncs_marks_and_refuses_across_stations() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = group_of_two(tmp.path(), &["1001", "1002", "1003"]);
    // A1 photographs 1001.
    accept_shot(&mut a.open(), "1001", "CODE-1001", (1, 5000), false).unwrap();
    ok(&a, &["group", "sync", "--once"]);

    // B2's GUI controller.
    let ctl = unlocked_controller(&b, Duration::from_millis(200));
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut marked = false;
    let mut group_seen = false;
    while Instant::now() < deadline && !(marked && group_seen) {
        match ctl.wait(Duration::from_millis(300)) {
            Some(Event::Queue(q)) => {
                marked = q.iter().any(|e| {
                    e.student_no == "1001"
                        && e.elsewhere
                            .as_ref()
                            .is_some_and(|w| w.station == "A1" && w.what == "accepted")
                });
            }
            Some(Event::Group(v)) => {
                group_seen = v.peers.iter().any(|p| p.station == "A1");
            }
            Some(Event::Failed(t)) => panic!("{}", t.en),
            _ => {}
        }
        if !marked {
            ctl.send(Request::Refresh);
        }
    }
    assert!(marked, "1001 is not marked as photographed at A1");
    assert!(group_seen, "no group state reported");
    ctl.send(Request::ResolveCode {
        payload: "CODE-1001".into(),
    });
    let elsewhere = loop {
        match ctl.wait(Duration::from_secs(5)).expect("no answer") {
            Event::CodeResolved { elsewhere, .. } => break elsewhere,
            _ => continue,
        }
    };
    assert_eq!(elsewhere, Some(("A1".to_string(), "1001".to_string())));
    // B2 calls up 1002: A1 learns it and skips 1002.
    ctl.send(Request::Claim {
        student_no: "1002".into(),
    });
    std::thread::sleep(Duration::from_millis(800));
    ok(&a, &["group", "sync", "--once"]);
    let queue = a.open().shooting_queue(None).unwrap();
    let e = queue.iter().find(|e| e.student_no == "1002").unwrap();
    assert_eq!(
        e.elsewhere.as_ref().map(|w| (w.station.as_str(), w.what)),
        Some(("B2", "claimed"))
    );
    let next = capture_station::workflow::next_after(&queue, None, |_| false).unwrap();
    assert_eq!(next.student_no, "1003");
    drop(ctl);
}

#[test]
fn a_code_bound_at_another_station_is_refused_here_within_3_s_and_follow_up_lists_the_group() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = group_of_two(tmp.path(), &["1001", "1002"]);
    // B2's GUI controller, syncing every 2 s as the app does.
    let ctl = unlocked_controller(&b, Duration::from_secs(2));
    std::thread::sleep(Duration::from_millis(500));
    // A1 binds the code (its shot) and publishes at once, as its background sync would within 2 s.
    accept_shot(&mut a.open(), "1001", "CODE-1001", (1, 5000), false).unwrap();
    ok(&a, &["group", "sync", "--once"]);
    let bound = Instant::now();
    let refused_after = loop {
        ctl.send(Request::ResolveCode {
            payload: "CODE-1001".into(),
        });
        let elsewhere = loop {
            match ctl.wait(Duration::from_secs(5)).expect("no answer") {
                Event::CodeResolved { elsewhere, .. } => break elsewhere,
                _ => continue,
            }
        };
        if elsewhere.is_some() {
            break bound.elapsed();
        }
        assert!(bound.elapsed() < Duration::from_secs(10), "never refused");
        std::thread::sleep(Duration::from_millis(100));
    };
    println!("refused {refused_after:?} after the binding was published");
    assert!(refused_after <= Duration::from_secs(3), "{refused_after:?}");
    drop(ctl);
    // The follow-up list at B2 leaves out 1001, photographed at A1.
    let out = tmp.path().join("follow-up.xlsx");
    ok(
        &b,
        &["roster", "export-missing", "--out", out.to_str().unwrap()],
    );
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&out).unwrap();
    let sheet = book.worksheet_range("未拍摄").unwrap();
    let text: Vec<String> = sheet
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    assert!(text.iter().any(|l| l.contains("1002")), "{text:?}");
    assert!(!text.iter().any(|l| l.contains("1001")), "{text:?}");
}
