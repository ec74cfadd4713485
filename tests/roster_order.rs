//! Shooting order, next student, class order, progress, follow-up export and the `roster` CLI.

mod roster_fixtures;

use calamine::{Reader, open_workbook_auto};
use capture_station::i18n::Lang;
use capture_station::roster::RosterSettings;
use capture_station::roster::cli::{ImportArgs, RosterCommand, run};
use capture_station::store::{PhotoState, StudentStatus};
use roster_fixtures::*;

fn mixed_class_csv() -> String {
    let mut s = String::from("学号,姓名,班级,类别\n");
    for (no, name, class, status) in [
        ("20200101", "正常甲", "机械2001", ""),
        ("2020012", "正常乙", "机械2001", ""),
        ("2020099", "复读丙", "机械2001", "复读"),
        ("2020011", "正常丁", "机械2001", ""),
        ("2020100", "降级戊", "机械2001", "降级"),
        ("020200102", "正常己", "机械2001", ""),
        ("2020013", "降级庚", "机械2001", "降级"),
        ("B9", "正常辛", "机械2001", ""),
        ("A10", "正常壬", "机械2001", ""),
        ("A9", "正常癸", "机械2001", ""),
        ("2019001", "他班甲", "电气2001", ""),
        ("2019002", "他班乙", "电气2001", ""),
    ] {
        s.push_str(&format!("{no},{name},{class},{status}\n"));
    }
    s
}

#[test]
fn order_rule_on_a_mixed_class() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(dir.path());
    let path = file(dir.path(), "mixed.csv");
    std::fs::write(&path, mixed_class_csv()).unwrap();
    assert!(
        store
            .import_roster(&read(&path), false, "s")
            .unwrap()
            .written
    );
    let queue = store.shooting_queue(Some("机械2001")).unwrap();
    let order: Vec<(&str, StudentStatus)> = queue
        .iter()
        .map(|e| (e.student_no.as_str(), e.status))
        .collect();
    use StudentStatus::*;
    assert_eq!(
        order,
        vec![
            ("2020013", HeldBack),
            ("2020099", Repeating),
            ("2020100", HeldBack),
            ("2020011", Normal),
            ("2020012", Normal),
            ("20200101", Normal),
            ("020200102", Normal),
            ("A9", Normal),
            ("A10", Normal),
            ("B9", Normal),
        ]
    );
    assert_eq!(queue[0].position, 1);

    // Classes follow file order by default; the staff can reorder them.
    let all = store.shooting_queue(None).unwrap();
    assert_eq!(all[0].class, "机械2001");
    assert_eq!(all[10].class, "电气2001");
    let classes = store.set_class_order(&["电气2001"], "staff").unwrap();
    assert_eq!(
        classes.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        vec!["电气2001", "机械2001"]
    );
    let all = store.shooting_queue(None).unwrap();
    assert_eq!(all[0].student_no, "2019001");
    assert_eq!(all[2].student_no, "2020013");
    assert!(store.set_class_order(&["不存在"], "staff").is_err());
    assert!(
        store
            .set_class_order(&["电气2001", "电气2001"], "staff")
            .is_err()
    );
    assert!(store.shooting_queue(Some("不存在")).is_err());
}

#[test]
fn next_student_skips_accepted_and_review() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(dir.path());
    let path = file(dir.path(), "mixed.csv");
    std::fs::write(&path, mixed_class_csv()).unwrap();
    store.import_roster(&read(&path), false, "s").unwrap();
    let first = store.next_student(None).unwrap().unwrap();
    assert_eq!(first.student_no, "2020013");
    shoot(&mut store, "2020013", "c1", true);
    assert_eq!(
        store.next_student(None).unwrap().unwrap().student_no,
        "2020099"
    );
    // A rejected shot waits for the supervisor; the station moves on.
    let rejected = shoot(&mut store, "2020099", "c2", false);
    shoot(&mut store, "2020100", "c3", true);
    assert_eq!(
        store
            .next_student(Some("2020013"))
            .unwrap()
            .unwrap()
            .student_no,
        "2020011"
    );
    // After the last student it wraps around to those still missing.
    assert_eq!(
        store
            .next_student(Some("2019002"))
            .unwrap()
            .unwrap()
            .student_no,
        "2020011"
    );
    // A requested re-shoot puts the student back in line.
    request_reshoot(&mut store, rejected);
    assert_eq!(
        store.next_student(None).unwrap().unwrap().student_no,
        "2020099"
    );
    assert!(store.next_student(Some("nobody")).is_err());

    let progress = store.roster_progress().unwrap();
    let c = &progress.classes[0];
    assert_eq!(c.class, "机械2001");
    assert_eq!(
        (
            c.counts.total,
            c.counts.accepted,
            c.counts.awaiting_review,
            c.counts.reshoot_requested,
            c.counts.not_photographed
        ),
        (10, 2, 0, 1, 7)
    );
    assert_eq!(progress.overall.total, 12);
    assert_eq!(progress.overall.not_photographed, 9);
}

#[test]
fn progress_counts_review_and_export_lists() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(dir.path());
    let path = file(dir.path(), "mixed.csv");
    std::fs::write(&path, mixed_class_csv()).unwrap();
    store.import_roster(&read(&path), false, "s").unwrap();
    shoot(&mut store, "2020011", "c1", false);
    let r = shoot(&mut store, "2020012", "c2", false);
    request_reshoot(&mut store, r);
    shoot(&mut store, "2019001", "c3", true);
    let p = store.roster_progress().unwrap();
    assert_eq!(p.classes[0].counts.awaiting_review, 1);
    assert_eq!(p.classes[0].counts.reshoot_requested, 1);
    assert_eq!(p.classes[1].counts.accepted, 1);
    for c in p.classes.iter().map(|c| &c.counts).chain([&p.overall]) {
        assert_eq!(
            c.accepted + c.awaiting_review + c.reshoot_requested + c.not_photographed,
            c.total
        );
    }

    let out = file(dir.path(), "follow-up.xlsx");
    let settings = RosterSettings::default();
    let o = run(
        &mut store,
        &settings,
        &RosterCommand::ExportMissing { out: out.clone() },
        "staff",
        Lang::En,
    )
    .unwrap();
    assert!(
        o.stdout.contains("9 not yet photographed, 1 re-shoot"),
        "{}",
        o.stdout
    );
    let mut book = open_workbook_auto(&out).unwrap();
    assert_eq!(book.sheet_names(), vec!["未拍摄", "需重拍", "汇总"]);
    let missing = book.worksheet_range("未拍摄").unwrap();
    let header: Vec<String> = missing
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(header[..4], ["班级", "序号", "学号", "姓名"]);
    assert_eq!(missing.height(), 10);
    let first: Vec<String> = missing
        .rows()
        .nth(1)
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(first[2], "2020013");
    assert_eq!(first[4], "降级");
    let reshoot = book.worksheet_range("需重拍").unwrap();
    assert_eq!(reshoot.height(), 2);
    assert_eq!(reshoot.get((1, 2)).unwrap().to_string(), "2020012");
}

fn import_cmd(path: std::path::PathBuf, dry_run: bool) -> RosterCommand {
    RosterCommand::Import(ImportArgs {
        file: path,
        sheet: None,
        encoding: None,
        map: vec![],
        dry_run,
        confirm_identity_changes: false,
        json: false,
    })
}

#[test]
fn cli_import_list_progress_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(dir.path());
    let settings = RosterSettings::default();
    let path = file(dir.path(), "mixed.csv");
    std::fs::write(&path, mixed_class_csv()).unwrap();

    let o = run(
        &mut store,
        &settings,
        &import_cmd(path.clone(), true),
        "s",
        Lang::En,
    )
    .unwrap();
    assert_eq!(o.exit_code, 0);
    assert!(o.stdout.contains("dry run"), "{}", o.stdout);
    assert!(store.shooting_queue(None).unwrap().is_empty());

    let o = run(
        &mut store,
        &settings,
        &import_cmd(path.clone(), false),
        "s",
        Lang::Zh,
    )
    .unwrap();
    assert_eq!(o.exit_code, 0);
    assert!(o.stdout.contains("新增 12"), "{}", o.stdout);

    let bad = file(dir.path(), "bad.csv");
    std::fs::write(&bad, "学号,姓名,班级\n1,,一班\n").unwrap();
    let o = run(
        &mut store,
        &settings,
        &import_cmd(bad, false),
        "s",
        Lang::En,
    )
    .unwrap();
    assert_eq!(o.exit_code, 1);
    assert!(
        o.stdout.contains("bad.csv, row 2, column \"姓名\" (B)"),
        "{}",
        o.stdout
    );
    assert!(o.stdout.contains("nothing was written"));

    let missing = file(dir.path(), "nope.xlsx");
    assert!(
        run(
            &mut store,
            &settings,
            &import_cmd(missing, false),
            "s",
            Lang::En
        )
        .is_err()
    );

    let o = run(
        &mut store,
        &settings,
        &RosterCommand::List {
            class: Some("机械2001".into()),
            json: true,
        },
        "s",
        Lang::En,
    )
    .unwrap();
    let lines: Vec<serde_json::Value> = o
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 10);
    assert_eq!(lines[0]["student_no"], "2020013");
    assert_eq!(lines[0]["name"], "降级庚");
    assert_eq!(lines[0]["class"], "机械2001");
    assert_eq!(lines[0]["status"], "held_back");
    assert_eq!(lines[0]["photo_state"], serde_json::Value::Null);

    shoot(&mut store, "2020013", "c", true);
    let o = run(
        &mut store,
        &settings,
        &RosterCommand::Progress {
            json: true,
            group: false,
        },
        "s",
        Lang::En,
    )
    .unwrap();
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["overall"]["total"], 12);
    assert_eq!(v["overall"]["accepted"], 1);
    assert_eq!(v["classes"][0]["class"], "机械2001");
    assert_eq!(v["classes"][0]["not_photographed"], 9);
    assert_eq!(
        store.shooting_queue(None).unwrap()[0].photo_state,
        Some(PhotoState::Accepted)
    );

    let o = run(
        &mut store,
        &settings,
        &RosterCommand::Order {
            classes: vec!["电气2001".into()],
        },
        "s",
        Lang::En,
    )
    .unwrap();
    assert!(o.stdout.starts_with("  1. 电气2001 (2)"), "{}", o.stdout);
    let bad_map = RosterCommand::Import(ImportArgs {
        file: path,
        sheet: None,
        encoding: None,
        map: vec!["colour=颜色".into()],
        dry_run: true,
        confirm_identity_changes: false,
        json: false,
    });
    let err = run(&mut store, &settings, &bad_map, "s", Lang::En).unwrap_err();
    assert!(err.contains("unknown field"), "{err}");
}

#[test]
fn absent_students_leave_the_order_until_recalled_or_photographed() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(dir.path());
    let path = file(dir.path(), "mixed.csv");
    std::fs::write(&path, mixed_class_csv()).unwrap();
    store.import_roster(&read(&path), false, "s").unwrap();
    let audits = store.audit_count().unwrap();
    store.mark_absent("2020013", "gui:T1").unwrap();
    // Idempotent: a second mark writes nothing.
    store.mark_absent("2020013", "gui:T1").unwrap();
    assert_eq!(store.audit_count().unwrap(), audits + 1);
    let q = store.shooting_queue(None).unwrap();
    let e = q.iter().find(|e| e.student_no == "2020013").unwrap();
    assert!(e.absent && e.needs_photo);
    assert_eq!(
        store.next_student(None).unwrap().unwrap().student_no,
        "2020099",
        "the absent student is passed over"
    );
    // Recall puts them back first in line.
    store.recall_absent("2020013", "gui:T1").unwrap();
    assert_eq!(store.audit_count().unwrap(), audits + 2);
    assert_eq!(
        store.next_student(None).unwrap().unwrap().student_no,
        "2020013"
    );
    // A student photographed after being marked absent is no longer absent.
    store.mark_absent("2020099", "gui:T1").unwrap();
    shoot(&mut store, "2020099", "c9", true);
    let q = store.shooting_queue(None).unwrap();
    assert!(!q.iter().any(|e| e.absent));
    assert!(matches!(
        store.mark_absent("nobody", "gui:T1"),
        Err(capture_station::store::StoreError::UnknownStudent { .. })
    ));
    // The absence survives reopening the database.
    store.mark_absent("2019001", "gui:T1").unwrap();
    let db = store.path().to_path_buf();
    drop(store);
    let store = capture_station::store::Store::open(&db, "pass-word").unwrap();
    let q = store.shooting_queue(None).unwrap();
    assert!(q.iter().find(|e| e.student_no == "2019001").unwrap().absent);
}

#[test]
fn demo_students_are_removed_in_one_action_unless_photographed() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(dir.path());
    let path = file(dir.path(), "mixed.csv");
    std::fs::write(&path, mixed_class_csv()).unwrap();
    store.import_roster(&read(&path), false, "s").unwrap();
    let demo = |nos: &[(&str, &str)]| -> Vec<(String, String)> {
        nos.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    // A photographed one blocks the whole action, by name; nothing is removed.
    shoot(&mut store, "2019001", "c1", true);
    let err = store
        .remove_demo_students(&demo(&[("2019001", "他班甲"), ("2019002", "他班乙")]), "t")
        .unwrap_err()
        .to_string();
    assert!(err.contains("2019001 他班甲"), "{err}");
    assert_eq!(store.shooting_queue(None).unwrap().len(), 12);
    // Same number, other name: a real student, left alone; the rest of the class goes with its class.
    let n = store
        .remove_demo_students(
            &demo(&[
                ("2020012", "别人"),
                ("20200101", "正常甲"),
                ("2020011", "正常丁"),
            ]),
            "t",
        )
        .unwrap();
    assert_eq!(n, 2);
    let q = store.shooting_queue(None).unwrap();
    assert_eq!(q.len(), 10);
    assert!(q.iter().any(|e| e.student_no == "2020012"));
    assert_eq!(
        store.classes().unwrap().len(),
        2,
        "both classes still have students"
    );
}
