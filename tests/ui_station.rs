//! The real GUI state driven with egui_kittest and the demo camera: unlock, import a roster, the next student
//! appears, scan (typed) code, shoot, accept, the student's status changes; a failing shot kept with a reason
//! shows up in the PIN-protected review and is approved there; the demo student holds up a phone and the camera
//! reads its code.

mod ui_harness;

use std::time::Duration;

use capture_station::camera::DemoDefect;
use capture_station::crypto::KdfParams;
use capture_station::store::{PhotoFilter, PhotoState, Store};
use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use ui_harness::{App, harness, type_into, wait_for};

const PASS: &str = "ui-test-passphrase";

fn has_label(h: &Harness<'static, App>, text: &str) -> bool {
    h.query_by_label_contains(text).is_some()
}

#[test]
fn photographer_and_supervisor_workflow() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("station.db");
    let mut store = Store::create(
        &db,
        PASS,
        KdfParams {
            memory_kib: 256,
            iterations: 1,
            parallelism: 1,
        },
        "T1",
        "测试机位",
    )
    .unwrap();
    store.set_supervisor_pin("2468", "test").unwrap();
    drop(store);
    let roster = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo/roster.csv");

    let mut h = harness(dir.path());
    h.step();
    // Unlock.
    h.get_by_label("站点口令").focus();
    h.step();
    h.get_by_label("站点口令").type_text(PASS);
    h.step();
    h.get_by_label("解锁").click();
    wait_for(&mut h, "unlock", |h| has_label(h, "没有待拍学生"));

    // Import the roster: check first, then import.
    h.get_by_label("名单").click();
    h.step();
    type_into(&mut h, "名单文件", roster);
    h.get_by_label("检查").click();
    wait_for(&mut h, "the validation report", |h| {
        has_label(h, "确认导入")
    });
    h.get_by_label("确认导入").click();
    wait_for(&mut h, "the import", |h| has_label(h, "已导入"));

    // The first student in shooting order (held back 降级 before the rest) appears on the station view.
    h.get_by_label("拍摄").click();
    wait_for(&mut h, "the next student", |h| has_label(h, "2021010008"));
    assert_eq!(
        h.state().as_ref().unwrap().current_student(),
        Some("2021010008")
    );
    wait_for(&mut h, "live checks", |h| has_label(h, "画面中有一张人脸"));

    // Scan (typed), shoot, accept.
    type_into(&mut h, "手动输入", "CHSI-UI-TEST-CODE-1");
    h.get_by_label("使用").click();
    wait_for(&mut h, "the code", |h| has_label(h, "已扫描采集码"));
    h.get_by_label("拍摄 (空格)").click();
    wait_for(&mut h, "the verdict", |h| {
        has_label(h, "合格，按 Enter 保存")
    });
    h.get_by_label("保存 (Enter)").click();
    wait_for(&mut h, "the save", |h| has_label(h, "已保存 2021010008"));
    wait_for(&mut h, "the next student", |h| {
        h.state().as_ref().unwrap().current_student() == Some("2021010011")
    });

    // A failing shot, kept with a reason, goes to the supervisor.
    let demo = h.state().as_ref().unwrap().demo_controls().unwrap();
    demo.set_defect(DemoDefect::WrongBackground);
    // This time the code comes from a keyboard-wedge scanner: a burst ending with Enter, with no field focused.
    h.get_by_label("使用").focus();
    h.step();
    h.event(egui::Event::Text("CHSI-UI-TEST-CODE-2".into()));
    h.key_press(egui::Key::Enter);
    h.step();
    wait_for(&mut h, "the wedge scan", |h| has_label(h, "已扫描采集码"));
    assert_eq!(
        h.get_by_label("手动输入").value().as_deref(),
        Some(""),
        "the burst must not leak into a field"
    );
    std::thread::sleep(Duration::from_millis(300));
    h.get_by_label("拍摄 (空格)").click();
    wait_for(&mut h, "the failing verdict", |h| {
        has_label(h, "不合格，按 R 重拍")
    });
    let reason_field = "仍要保存？填写原因，照片将交主管审核：";
    type_into(&mut h, reason_field, "学生赶时间");
    h.get_by_label("保存 (Enter)").click();
    wait_for(&mut h, "the review hand-over", |h| {
        has_label(h, "已交主管审核")
    });

    // The demo student holds up a phone with a collection code; the camera reads it.
    demo.set_defect(DemoDefect::Good);
    wait_for(&mut h, "the third student", |h| {
        let now = h.state().as_ref().unwrap().current_student();
        now.is_some() && now != Some("2021010011")
    });
    let third = h
        .state()
        .as_ref()
        .unwrap()
        .current_student()
        .unwrap()
        .to_string();
    // Like a mouse: over the button for a frame, then press.
    h.get_by_label("演示：出示采集码").hover();
    h.step();
    h.get_by_label("演示：出示采集码").click();
    wait_for(&mut h, "the camera scan", |h| has_label(h, "已扫描采集码"));
    wait_for(&mut h, "the phone lowered after the scan", |_| {
        demo.last_geometry()
            .is_some_and(|g| g.overlay_box.is_none())
    });
    std::thread::sleep(Duration::from_millis(300));
    h.get_by_label("拍摄 (空格)").click();
    wait_for(&mut h, "the third verdict", |h| {
        has_label(h, "合格，按 Enter 保存")
    });
    h.get_by_label("保存 (Enter)").click();
    let saved = format!("已保存 {third}");
    wait_for(&mut h, "the third save", |h| has_label(h, &saved));

    // Review: PIN, then approve.
    h.get_by_label("审核").click();
    h.step();
    type_into(&mut h, "PIN", "2468");
    h.get_by_label("进入审核").click();
    wait_for(&mut h, "the review list", |h| has_label(h, "拍摄员说明"));
    assert!(
        has_label(&h, "#2 2021010011"),
        "the rejected shot is listed"
    );
    assert!(
        has_label(&h, "学生赶时间"),
        "the operator's reason is shown"
    );
    h.get_by_label("批准").click();
    wait_for(&mut h, "the approval", |h| has_label(h, "主管通过"));

    drop(h);
    let store = Store::open(&db, PASS).unwrap();
    let photos = store.list_photos(&PhotoFilter::default()).unwrap();
    let state_of = |no: &str| photos.iter().find(|p| p.student_no == no).map(|p| p.state);
    assert_eq!(state_of("2021010008"), Some(PhotoState::Accepted));
    assert_eq!(state_of("2021010011"), Some(PhotoState::OverrideAccepted));
    assert_eq!(state_of(&third), Some(PhotoState::Accepted));
    assert!(store.verify().unwrap().bad.is_empty());
}
