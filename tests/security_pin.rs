//! The supervisor PIN and the passphrase against guessing: the PIN verifier is sealed under the data key
//! (the file alone holds nothing to guess against), wrong PINs and passphrases wait longer and longer
//! (persisted and audited), `pin` needs the old PIN or an audited --reset, and a weak KDF config is refused.

mod common;

use std::sync::Arc;
use std::time::Duration;

use capture_station::controller::{Controller, ControllerConfig, Event, Request};
use capture_station::crypto::{KdfParams, Passphrase};
use capture_station::store::{Attempt, Store};
use common::{PASS, Station, contains};

const FAST: KdfParams = KdfParams {
    memory_kib: 64,
    iterations: 1,
    parallelism: 1,
};

fn audit_actions(db: &std::path::Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare("SELECT action FROM audit_log ORDER BY id")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn the_pin_verifier_is_sealed_and_a_bare_hash_is_sealed_on_open() {
    let st = Station::new();
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
    let bytes = std::fs::read(st.db()).unwrap();
    assert!(
        !contains(&bytes, b"$argon2"),
        "a PIN hash is readable in the file"
    );
    let store = Store::open(&st.db(), PASS).unwrap();
    assert!(store.check_supervisor_pin("908172").unwrap());
    drop(store);

    // A station from before sealing kept the bare Argon2 hash in `settings`.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("station.db");
    drop(Store::create(&db, PASS, FAST, "L1", "旧站").unwrap());
    {
        use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
        let hash = argon2::Argon2::default()
            .hash_password(b"2468", &SaltString::generate(&mut OsRng))
            .unwrap()
            .to_string();
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute(
            "INSERT INTO settings (key, value, updated_at) VALUES ('supervisor_pin', ?1, 'now')",
            [hash],
        )
        .unwrap();
    }
    let store = Store::open(&db, PASS).unwrap();
    assert!(store.check_supervisor_pin("2468").unwrap());
    assert!(!store.check_supervisor_pin("2469").unwrap());
    drop(store);
    let mut bytes = std::fs::read(&db).unwrap();
    bytes.extend(std::fs::read(dir.path().join("station.db-wal")).unwrap_or_default());
    assert!(
        !contains(&bytes, b"$argon2"),
        "the bare hash is still in the file"
    );
}

#[test]
fn wrong_pins_wait_longer_persist_and_are_audited() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("station.db");
    let mut store = Store::create(&db, PASS, FAST, "P1", "站").unwrap();
    assert_eq!(
        store.attempt_supervisor_pin("1234", "t").unwrap(),
        Attempt::NotSet
    );
    store.set_supervisor_pin("1234", "t").unwrap();
    assert_eq!(
        store.attempt_supervisor_pin("0000", "t").unwrap(),
        Attempt::Wrong {
            failures: 1,
            wait: Duration::ZERO
        }
    );
    assert_eq!(
        store.attempt_supervisor_pin("0001", "t").unwrap(),
        Attempt::Wrong {
            failures: 2,
            wait: Duration::ZERO
        }
    );
    assert_eq!(
        store.attempt_supervisor_pin("0002", "t").unwrap(),
        Attempt::Wrong {
            failures: 3,
            wait: Duration::from_secs(5)
        }
    );
    // Even the right PIN is not taken during the wait, and a restart does not reset it.
    assert!(matches!(
        store.attempt_supervisor_pin("1234", "t").unwrap(),
        Attempt::TooSoon { .. }
    ));
    drop(store);
    let store = Store::open(&db, PASS).unwrap();
    assert!(matches!(
        store.attempt_supervisor_pin("1234", "t").unwrap(),
        Attempt::TooSoon { .. }
    ));
    let failed = audit_actions(&db)
        .iter()
        .filter(|a| *a == "supervisor_pin_failed")
        .count();
    assert_eq!(failed, 3);
    assert!(store.verify().unwrap().bad.is_empty());
}

#[test]
fn changing_the_pin_needs_the_old_one_or_an_audited_reset() {
    let st = Station::new();
    let run = |envs: &[(&str, &str)], args: &[&str]| {
        let mut c = st.cmd(args);
        for (k, v) in envs {
            c.env(k, v);
        }
        c.output().unwrap()
    };
    assert!(
        run(&[("CAPTURE_STATION_PIN", "1234")], &["pin"])
            .status
            .success()
    );
    let out = run(&[("CAPTURE_STATION_PIN", "5678")], &["pin"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("CAPTURE_STATION_OLD_PIN"));
    let out = run(
        &[
            ("CAPTURE_STATION_PIN", "5678"),
            ("CAPTURE_STATION_OLD_PIN", "1111"),
        ],
        &["pin"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("wrong current PIN"));
    let store = Store::open(&st.db(), PASS).unwrap();
    assert!(store.check_supervisor_pin("1234").unwrap());
    drop(store);
    let out = run(
        &[
            ("CAPTURE_STATION_PIN", "5678"),
            ("CAPTURE_STATION_OLD_PIN", "1234"),
        ],
        &["pin"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&[("CAPTURE_STATION_PIN", "9999")], &["pin", "--reset"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("reset (recorded in the audit log)"));
    let actions = audit_actions(&st.db());
    for a in [
        "supervisor_pin_set",
        "supervisor_pin_failed",
        "supervisor_pin_changed",
        "supervisor_pin_reset",
    ] {
        assert!(
            actions.iter().any(|x| x == a),
            "{a} missing from {actions:?}"
        );
    }
    assert!(
        Store::open(&st.db(), PASS)
            .unwrap()
            .check_supervisor_pin("9999")
            .unwrap()
    );
}

#[test]
fn a_config_weaker_than_owasp_is_refused() {
    let st = Station::new();
    for (extra, key) in [
        (
            "kdf_memory_kib = 8192\nkdf_iterations = 2\n",
            "security.kdf_memory_kib",
        ),
        (
            "kdf_memory_kib = 19456\nkdf_iterations = 1\n",
            "security.kdf_iterations",
        ),
        (
            "kdf_memory_kib = 19456\nkdf_iterations = 2\nmin_passphrase_chars = 4\n",
            "security.min_passphrase_chars",
        ),
    ] {
        std::fs::write(
            st.dir.path().join("config.toml"),
            format!("[security]\n{extra}"),
        )
        .unwrap();
        let out = st.run(&["queue", "stats"]);
        assert_eq!(out.status.code(), Some(2), "{extra}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(key), "{extra}: {err}");
    }
}

#[test]
fn wrong_passphrases_at_the_gui_unlock_are_throttled_and_audited() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("station.db");
    drop(Store::create(&db, PASS, FAST, "G1", "站").unwrap());
    let ctl = Controller::start(
        ControllerConfig {
            db_path: db.clone(),
            kdf: FAST,
            spec: Default::default(),
            roster: Default::default(),
            actor: "gui:test".into(),
            export_template: "{student_no}.jpg".into(),
            data_dir: dir.path().to_path_buf(),
            upload: Default::default(),
            code_max_len: 512,
            group_interval: std::time::Duration::from_secs(2),
        },
        Arc::new(|| {}),
    );
    let next = || loop {
        match ctl.wait(Duration::from_secs(10)).expect("no event") {
            Event::Failed(t) => return Err(t.en),
            Event::Unlocked(_) => return Ok(()),
            _ => {}
        }
    };
    let unlock = |p: &str| {
        ctl.send(Request::Unlock {
            passphrase: Passphrase::new(p.to_string()),
        })
    };
    unlock("wrong-one-1");
    assert!(next().unwrap_err().contains("Wrong passphrase"));
    unlock("wrong-one-2");
    assert!(next().unwrap_err().contains("Wrong passphrase"));
    unlock("wrong-one-3");
    assert!(next().unwrap_err().contains("Wrong passphrase"));
    // The right passphrase now waits too.
    unlock(PASS);
    let err = next().unwrap_err();
    assert!(
        err.contains("wait 5 s") || err.contains("wait 4 s"),
        "{err}"
    );
    assert!(Store::passphrase_wait(&db).unwrap().is_some());
}

#[test]
fn a_passphrase_that_follows_wrong_ones_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("station.db");
    drop(Store::create(&db, PASS, FAST, "G2", "站").unwrap());
    Store::record_wrong_passphrase(&db).unwrap();
    Store::record_wrong_passphrase(&db).unwrap();
    let store = Store::open(&db, PASS).unwrap();
    store.settle_passphrase_failures("gui:test").unwrap();
    assert!(Store::passphrase_wait(&db).unwrap().is_none());
    assert_eq!(audit_actions(&db).last().unwrap(), "passphrase_failures");
    assert!(store.verify().unwrap().bad.is_empty());
}
