//! The settings screen and the file dialogs in the real GUI state (egui_kittest, demo camera): rename the
//! station, save the language, change the camera format, and — behind the supervisor PIN — thresholds;
//! each is applied at once, written to the config file and audited. Roster import and the follow-up export go
//! through the in-app file dialog and run as jobs with progress.

mod common;
mod ui_harness;

use capture_station::compliance::PhotoSpec;
use capture_station::config::Config;
use capture_station::crypto::KdfParams;
use capture_station::store::Store;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use ui_harness::{App, harness_with, retype_into, type_into, wait_for};

const PASS: &str = "ui-settings-pass";

/// Scrolls the settings page until the widget labelled `label` is on screen (egui animates the scroll over
/// a few frames).
fn into_view(h: &mut Harness<'static, App>, label: &str) {
    h.get_by_label(label).scroll_to_me();
    for _ in 0..20 {
        h.step();
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

fn has_label(h: &Harness<'static, App>, text: &str) -> bool {
    h.query_by_label_contains(text).is_some()
}

/// A new station database with the supervisor PIN 1357.
fn new_station(dir: &std::path::Path) -> Store {
    let mut store = Store::create(
        &dir.join("station.db"),
        PASS,
        KdfParams {
            memory_kib: 256,
            iterations: 1,
            parallelism: 1,
        },
        "S1",
        "一号机位",
    )
    .unwrap();
    store.set_supervisor_pin("1357", "test").unwrap();
    store
}

/// The GUI on `dir`'s station, unlocked.
fn open_gui(dir: &std::path::Path, extra: &str) -> Harness<'static, App> {
    let mut h = harness_with(dir, extra);
    h.step();
    type_into(&mut h, "站点口令", PASS);
    h.get_by_label("解锁").click();
    wait_for(&mut h, "unlock", |h| has_label(h, "一号机位 · S1"));
    h
}

fn unlocked(dir: &std::path::Path, extra: &str) -> Harness<'static, App> {
    drop(new_station(dir));
    open_gui(dir, extra)
}

#[test]
fn settings_are_applied_saved_and_audited() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = unlocked(
        dir.path(),
        "# operator's note\n[spec.thresholds]\nblur = { warn = 0.5, fail = 0.9 }\n",
    );
    h.get_by_label("设置").click();
    h.step();

    // Station name.
    retype_into(&mut h, "站点名称", "二号机位");
    h.get_by_label("改名").click();
    wait_for(&mut h, "the new name in the tab bar", |h| {
        has_label(h, "二号机位 · S1")
    });

    // Camera format: the demo restarts at 640×480.
    h.get_by_label("分辨率").click();
    wait_for(&mut h, "the size list", |h| {
        h.query_by_label("640×480").is_some()
    });
    h.get_by_label("640×480").click();
    h.step();
    h.get_by_label("应用摄像头设置").click();
    wait_for(&mut h, "the camera restart", |h| has_label(h, "640×480 ·"));

    // Thresholds need the PIN.
    assert!(h.query_by_label("应用并保存阈值").is_none());
    type_into(&mut h, "PIN", "1357");
    h.get_by_label("主管解锁").click();
    wait_for(&mut h, "the threshold editor", |h| {
        has_label(h, "应用并保存阈值")
    });
    // The editor lists every threshold: bring its buttons into view as a supervisor would scroll.
    into_view(&mut h, "恢复默认值");
    h.get_by_label("恢复默认值").click();
    h.step();
    h.get_by_label("应用并保存阈值").click();
    wait_for(&mut h, "the thresholds saved", |h| {
        has_label(h, "检查阈值已应用并保存")
    });

    // Language as the default.
    into_view(&mut h, "English");
    h.get_by_label("English").click();
    h.step();
    into_view(&mut h, "Make default");
    h.get_by_label("Make default").click();
    h.step();
    wait_for(&mut h, "the English screen", |h| has_label(h, "Saved to"));
    drop(h);

    let text = std::fs::read_to_string(dir.path().join("config.toml")).unwrap();
    assert!(
        text.contains("# operator's note"),
        "comments are kept:\n{text}"
    );
    let cfg = Config::load(&dir.path().join("config.toml")).unwrap();
    assert_eq!((cfg.camera.width, cfg.camera.height), (640, 480));
    assert_eq!(
        cfg.spec.thresholds.blur.warn,
        PhotoSpec::default().thresholds.blur.warn,
        "the default again"
    );
    assert_eq!(cfg.ui.language, "en");

    let store = Store::open(&dir.path().join("station.db"), PASS).unwrap();
    assert_eq!(store.station_name().unwrap(), "二号机位");
    let conn = rusqlite::Connection::open(dir.path().join("station.db")).unwrap();
    let actions: Vec<(String, String)> = conn
        .prepare("SELECT action, COALESCE(reason, '') FROM audit_log ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let has = |action: &str, needle: &str| {
        actions
            .iter()
            .any(|(a, r)| a == action && r.contains(needle))
    };
    assert!(has("station_renamed", "二号机位"), "{actions:?}");
    assert!(has("settings_changed", "640x480"), "{actions:?}");
    let back = format!(
        "blur.warn 0.5→{}",
        PhotoSpec::default().thresholds.blur.warn
    );
    assert!(has("settings_changed", &back), "{actions:?}");
    assert!(has("settings_changed", "language: en"), "{actions:?}");
}

#[test]
fn roster_import_and_follow_up_export_through_the_file_dialog() {
    let dir = tempfile::tempdir().unwrap();
    let roster = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo/roster.csv");
    let mut h = unlocked(dir.path(), "");
    h.get_by_label("名单").click();
    h.step();
    h.get_by_label("浏览…").click();
    wait_for(&mut h, "the file dialog", |h| has_label(h, "选择名单文件"));
    type_into(&mut h, "文件名", roster);
    h.get_by_label("打开").click();
    wait_for(&mut h, "the validation report", |h| {
        has_label(h, "确认导入")
    });
    h.get_by_label("确认导入").click();
    wait_for(&mut h, "the import", |h| has_label(h, "已导入"));

    // The follow-up list: the dialog opens where the roster was, offers a name, writes an .xlsx.
    h.get_by_label("导出待拍名单…").click();
    wait_for(&mut h, "the save dialog", |h| has_label(h, "保存为"));
    retype_into(
        &mut h,
        "文件名",
        &dir.path().join("待拍").display().to_string(),
    );
    h.get_by_label("保存").click();
    wait_for(&mut h, "the follow-up export", |h| has_label(h, "已导出到"));
    assert!(dir.path().join("待拍.xlsx").is_file());
}

#[test]
fn queue_view_shows_the_background_upload_delivering_to_the_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let secret = capture_station::upload::ExportSecretKey::generate();
    let outbox = dir.path().join("usb-outbox");
    let extra = format!(
        "[upload]\ntarget = \"folder\"\nfolder = \"{}\"\nexport_public_key = \"{}\"\n",
        outbox.display(),
        secret.public().to_hex()
    );
    // Two accepted photos waiting before the GUI starts.
    {
        let mut store = new_station(dir.path());
        for no in ["2021001", "2021002"] {
            store
                .add_student(
                    &capture_station::store::NewStudent {
                        student_no: no.into(),
                        name: format!("学生{no}"),
                        class: "计科".into(),
                        status: capture_station::store::StudentStatus::Normal,
                        id_no: None,
                    },
                    "t",
                )
                .unwrap();
            let code = format!("code-{no}");
            common::accept_photo(
                &mut store,
                no,
                &code,
                &[0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 0xFF, 0xD9],
            );
        }
    }
    let mut h = open_gui(dir.path(), &extra);
    h.get_by_label("队列与上传").click();
    wait_for(&mut h, "both photos delivered", |h| {
        has_label(h, "已全部送达") && has_label(h, "2 (0.0 MB)")
    });
    assert!(has_label(&h, "暂停上传"));
    let packages = std::fs::read_dir(&outbox)
        .unwrap()
        .flat_map(|e| std::fs::read_dir(e.unwrap().path()).unwrap())
        .count();
    assert_eq!(packages, 2, "one package per photo in the outbox");
    // Paused: the panel offers to start again.
    h.get_by_label("暂停上传").click();
    wait_for(&mut h, "paused", |h| has_label(h, "开始上传"));
    drop(h);
    let store = Store::open(&dir.path().join("station.db"), PASS).unwrap();
    let stats = store.queue_stats().unwrap();
    let uploaded = stats
        .by_state
        .iter()
        .find(|(s, _)| *s == capture_station::store::PhotoState::Uploaded)
        .map(|(_, n)| *n);
    assert_eq!(uploaded, Some(2));
}

#[test]
fn upload_is_set_up_in_settings_tested_and_applied_without_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let secret = capture_station::upload::ExportSecretKey::generate();
    let outbox = dir.path().join("usb");
    {
        let mut store = new_station(dir.path());
        store
            .add_student(
                &capture_station::store::NewStudent {
                    student_no: "2021009".into(),
                    name: "学生九".into(),
                    class: "计科".into(),
                    status: capture_station::store::StudentStatus::Normal,
                    id_no: None,
                },
                "t",
            )
            .unwrap();
        common::accept_photo(
            &mut store,
            "2021009",
            "code-9",
            &[0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 0xFF, 0xD9],
        );
    }
    // No key configured: nothing is uploaded yet.
    let mut h = open_gui(dir.path(), "");
    h.get_by_label("设置").click();
    h.step();
    // A bad key is refused by the connection test, naming the problem.
    type_into(&mut h, "导出公钥（学籍管理员）", "abc");
    type_into(&mut h, "文件夹", &outbox.display().to_string());
    h.get_by_label("测试连接").click();
    wait_for(&mut h, "the refusal of a bad key", |h| {
        has_label(h, "64 hex")
    });
    // The key loads from the file the registrar saved.
    let key_file = dir.path().join("registrar.pub");
    std::fs::write(
        &key_file,
        format!("export public key: {}\n", secret.public().to_hex()),
    )
    .unwrap();
    type_into(&mut h, "公钥文件", &key_file.display().to_string());
    h.get_by_label("载入").click();
    wait_for(&mut h, "the key loaded from the file", |h| {
        h.get_by_label("导出公钥（学籍管理员）")
            .value()
            .is_some_and(|v| v.len() == 64)
    });
    assert_eq!(
        h.get_by_label("导出公钥（学籍管理员）").value().as_deref(),
        Some(secret.public().to_hex().as_str())
    );
    h.get_by_label("测试连接").click();
    wait_for(&mut h, "the connection test", |h| has_label(h, "连接正常"));
    assert!(outbox.join("S1").join("connection-test.txt").is_file());
    h.get_by_label("应用上传设置").click();
    h.get_by_label("队列与上传").click();
    wait_for(&mut h, "the photo delivered", |h| {
        has_label(h, "已全部送达")
    });
    drop(h);
    let config = std::fs::read_to_string(dir.path().join("config.toml")).unwrap();
    assert!(config.contains(&secret.public().to_hex()), "{config}");
    let store = Store::open(&dir.path().join("station.db"), PASS).unwrap();
    let packages: Vec<_> = std::fs::read_dir(outbox.join("S1"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "csp"))
        .collect();
    assert_eq!(packages.len(), 1, "the photo went to the new target");
    assert!(
        store
            .queue_stats()
            .unwrap()
            .by_state
            .iter()
            .any(|(s, n)| { *s == capture_station::store::PhotoState::Uploaded && *n == 1 })
    );
}
