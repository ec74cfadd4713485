//! First run in the GUI: create the station (passphrase twice, supervisor PIN) with the demo roster ticked,
//! and the first student of the demo roster is waiting at the station view.

mod ui_harness;

use capture_station::store::Store;
use eframe::egui;
use egui_kittest::kittest::Queryable;
use ui_harness::{harness, type_into, wait_for};

#[test]
fn create_station_with_demo_roster() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(dir.path());
    h.step();
    assert!(h.query_by_label_contains("首次使用").is_some());
    type_into(&mut h, "站点口令", "first-run-pass");
    type_into(&mut h, "再输入一次", "first-run-pass");
    type_into(&mut h, "主管 PIN（4–12 位数字）", "4321");
    // Enter in the last field submits the form.
    h.key_press(egui::Key::Enter);
    h.step();
    wait_for(&mut h, "the demo roster's first student", |h| {
        h.query_by_label_contains("2021010008").is_some()
    });
    let db = dir.path().join("station.db");
    let class_order = || {
        let store = Store::open(&db, "first-run-pass").unwrap();
        store
            .classes()
            .unwrap()
            .into_iter()
            .map(|c| c.name)
            .collect::<Vec<_>>()
    };
    let before = class_order();
    assert_eq!(before.len(), 3);
    // The roster tab moves the second class up.
    h.get_by_label("名单").click();
    wait_for(&mut h, "the progress per class", |h| {
        h.query_all_by_label("↑").count() == 3
    });
    h.get_all_by_label("↑").nth(1).unwrap().click();
    wait_for(&mut h, "the new class order", |_| {
        class_order() == [before[1].clone(), before[0].clone(), before[2].clone()]
    });
    // One action removes the demo data; the station is then empty and ready for the real roster.
    h.get_by_label("删除演示数据").click();
    wait_for(&mut h, "the demo data to go", |h| {
        h.query_by_label("删除演示数据").is_none()
    });
    drop(h);
    let store = Store::open(&db, "first-run-pass").unwrap();
    assert!(store.shooting_queue(None).unwrap().is_empty());
    assert!(store.classes().unwrap().is_empty());
    assert!(store.check_supervisor_pin("4321").unwrap());
    assert_eq!(store.station_id(), "station-1");
}

#[test]
fn mismatched_passphrases_are_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(dir.path());
    h.step();
    type_into(&mut h, "站点口令", "first-run-pass");
    type_into(&mut h, "再输入一次", "first-run-typo");
    type_into(&mut h, "主管 PIN（4–12 位数字）", "4321");
    h.get_by_label("创建站点").click();
    h.step();
    h.step();
    assert!(h.query_by_label_contains("两次输入的口令不一致").is_some());
    assert!(!dir.path().join("station.db").exists());
}
