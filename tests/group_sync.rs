//! Three stations, one roster: a group created at one station and joined at two, sharing a journal on a
//! shared folder and on a real S3 server (moto). One roster import reaches every station; interleaved shots
//! are never accepted twice and codes never bound twice while connected; all three converge; a station cut
//! off keeps shooting and, healed, converges with its conflict listed; forged and tampered segments are
//! refused and named.

mod upload_support;

use std::time::{Duration, Instant};

use capture_station::store::StoreError;
use upload_support::{BUCKET, Moto, Proxy, Station, accept_shot};

const GROUP_PASS: &str = "group-pass-2026";

fn run(st: &Station, args: &[&str]) -> (i32, String, String) {
    let out = st
        .cmd(args)
        .env("CAPTURE_STATION_GROUP_PASSPHRASE", GROUP_PASS)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ok(st: &Station, args: &[&str]) -> String {
    let (code, out, err) = run(st, args);
    assert_eq!(code, 0, "{args:?}: {out}\n{err}");
    out
}

fn sync(st: &Station) -> String {
    ok(st, &["group", "sync", "--once"])
}

/// Three stations in one group whose journal is at `upload` (TOML lines of `[upload]`).
fn group(upload: &str) -> [Station; 3] {
    let stations = [
        Station::new("A1", 0),
        Station::new("B2", 0),
        Station::new("C3", 0),
    ];
    for st in &stations {
        st.write_config(upload);
    }
    let join = stations[0].dir.path().join("join.json");
    ok(
        &stations[0],
        &["group", "create", "--out", join.to_str().unwrap()],
    );
    for st in &stations[1..] {
        ok(st, &["group", "join", join.to_str().unwrap()]);
    }
    stations
}

fn roster(st: &Station, n: usize) {
    let mut text = String::from("学号,姓名,班级,采集码\n");
    for i in 1..=n {
        let class = if i <= n / 2 {
            "计科1班"
        } else {
            "计科2班"
        };
        // The last student's code comes with the roster.
        let code = if i == n {
            format!("ROSTER-CODE-{i}")
        } else {
            String::new()
        };
        text.push_str(&format!("2026{i:04},学生{i},{class},{code}\n"));
    }
    let path = st.dir.path().join("roster.csv");
    std::fs::write(&path, text).unwrap();
    ok(st, &["roster", "import", path.to_str().unwrap()]);
}

fn shoot(st: &Station, no: &str, code: &str) -> Result<i64, StoreError> {
    accept_shot(&mut st.open(), no, code, (no.len() as u64, 5_000), false)
}

fn progress(st: &Station) -> serde_json::Value {
    serde_json::from_str(&ok(st, &["roster", "progress", "--group", "--json"])).unwrap()
}

fn converge(stations: &[Station]) -> Duration {
    let t0 = Instant::now();
    loop {
        for st in stations {
            sync(st);
        }
        let p: Vec<serde_json::Value> = stations.iter().map(progress).collect();
        if p.iter().all(|x| *x == p[0]) {
            return t0.elapsed();
        }
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "no convergence in 10 s: {p:#?}"
        );
    }
}

fn shared_day(stations: &[Station; 3]) {
    let [a, b, c] = stations;
    roster(a, 12);
    sync(a);
    let out = sync(b);
    assert!(out.contains("imported roster"), "{out}");
    sync(c);
    assert_eq!(b.open().shooting_queue(None).unwrap().len(), 12);
    assert_eq!(c.open().shooting_queue(None).unwrap().len(), 12);
    // The roster's code reached the others as a digest, bound to its student.
    assert_eq!(
        c.open().group_code_owner("ROSTER-CODE-12").unwrap(),
        Some(("A1".to_string(), "20260012".to_string()))
    );

    // Interleaved: each station takes the next student it is offered.
    for round in 0..3 {
        for (i, st) in stations.iter().enumerate() {
            let no = format!("2026{:04}", round * 3 + i + 1);
            shoot(st, &no, &format!("CODE-{no}")).unwrap();
            sync(st);
        }
        for st in stations {
            sync(st);
        }
    }
    // Student 1 was accepted at A1: B2 refuses it, naming A1; C3 refuses A1's code for another student.
    sync(b);
    let err = shoot(b, "20260001", "CODE-NEW").unwrap_err().to_string();
    assert!(err.contains("accepted at station A1"), "{err}");
    let err = shoot(c, "20260010", "CODE-20260001")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("already bound at station A1 to student 20260001"),
        "{err}"
    );
    // Nobody offers an accepted-elsewhere student as next.
    let queue = c.open().shooting_queue(None).unwrap();
    let waiting: Vec<&str> = queue
        .iter()
        .filter(|e| capture_station::workflow::waiting(e))
        .map(|e| e.student_no.as_str())
        .collect();
    assert_eq!(waiting, ["20260010", "20260011", "20260012"]);
    let took = converge(stations);
    println!("converged in {took:?}");
    let p = progress(a);
    assert_eq!(p["overall"]["accepted"], 9, "{p}");
    assert_eq!(p["overall"]["by_station"]["B2"], 3, "{p}");
    for st in stations {
        let s: serde_json::Value =
            serde_json::from_str(&ok(st, &["group", "status", "--json"])).unwrap();
        assert_eq!(s["conflicts"].as_array().unwrap().len(), 0, "{s}");
    }
}

#[test]
fn three_stations_on_a_shared_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let stations = group(&format!("folder = \"{}\"\n", share.display()));
    shared_day(&stations);
    let [a, _, c] = &stations;

    // C3 is cut off (its share is unreachable), keeps shooting, and so does A1: the same student twice.
    let blocker = tmp.path().join("not-a-folder");
    std::fs::write(&blocker, b"x").unwrap();
    c.write_config(&format!(
        "folder = \"{}\"\n",
        blocker.join("share").display()
    ));
    let (code, _, err) = run(c, &["group", "sync", "--once"]);
    assert_eq!(code, 2, "{err}");
    shoot(c, "20260010", "CODE-20260010").unwrap();
    shoot(a, "20260010", "CODE-20260010-A").unwrap();
    sync(a);
    // Healed: C3 converges and both see the conflict.
    c.write_config(&format!("folder = \"{}\"\n", share.display()));
    converge(&stations);
    for st in [a, c] {
        let s: serde_json::Value =
            serde_json::from_str(&ok(st, &["group", "status", "--json"])).unwrap();
        let conflicts = s["conflicts"].as_array().unwrap();
        assert_eq!(conflicts.len(), 1, "{s}");
        assert_eq!(conflicts[0]["student_no"], "20260010");
    }
    let out = ok(a, &["group", "status"]);
    assert!(out.contains("CONFLICT 20260010 accepted at A1"), "{out}");
    // The supervisor at A1 keeps C3's photo: A1's is withdrawn (not uploaded) and the conflict clears
    // everywhere.
    let kept = a.open().group_keep_other("20260010", "supervisor").unwrap();
    assert_eq!(kept, "C3");
    converge(&stations);
    for st in &stations {
        let s: serde_json::Value =
            serde_json::from_str(&ok(st, &["group", "status", "--json"])).unwrap();
        assert_eq!(s["conflicts"].as_array().unwrap().len(), 0, "{s}");
    }
    let p = progress(c);
    assert_eq!(p["overall"]["accepted"], 10, "{p}");
    assert_eq!(p["overall"]["by_station"]["C3"], 4, "{p}");
    let store = a.open();
    let due = store.upload_due(true, 100).unwrap();
    assert!(due.iter().all(|id| {
        store.photo_state(*id).unwrap() != capture_station::store::PhotoState::ReshootRequested
    }));
    drop(store);

    // Forged and tampered segments are refused and named.
    let store = a.open();
    let gid = store.group().unwrap().unwrap().group_id;
    let dir = share.join(format!("group-{gid}"));
    std::fs::write(dir.join("B2/00000900.seg"), b"CSGRP1\n\0junk").unwrap();
    let mut seg = std::fs::read(dir.join("B2/00000001.seg")).unwrap();
    let n = seg.len();
    seg[n / 2] ^= 1;
    std::fs::write(dir.join("B2/00000901.seg"), seg).unwrap();
    // C3's genuine segment put in B2's folder.
    std::fs::copy(dir.join("C3/00000001.seg"), dir.join("B2/00000902.seg")).unwrap();
    let (code, _, err) = run(a, &["group", "sync", "--once"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("B2/00000900.seg"), "{err}");
    assert!(err.contains("B2/00000901.seg: bad signature"), "{err}");
    assert!(
        err.contains("B2/00000902.seg: its header names another station"),
        "{err}"
    );
    assert!(store.verify().unwrap().bad.is_empty());
}

#[test]
fn three_stations_on_s3_with_one_cut_off() {
    let mut moto = Moto::start(None);
    moto.setup(BUCKET, false);
    let proxy = Proxy::start(moto.port);
    let s3 = |endpoint: &str| Station::s3_config(endpoint, moto.creds.as_ref(), BUCKET);
    let stations = group(&s3(&moto.endpoint()));
    let [_, b, c] = &stations;
    c.write_config(&s3(&proxy.endpoint()));
    shared_day(&stations);
    proxy.cut();
    let (code, _, _) = run(c, &["group", "sync", "--once"]);
    assert_eq!(code, 2);
    shoot(c, "20260011", "CODE-20260011").unwrap();
    shoot(b, "20260011", "CODE-20260011-B").unwrap();
    sync(b);
    proxy.restore();
    converge(&stations);
    let s: serde_json::Value =
        serde_json::from_str(&ok(c, &["group", "status", "--json"])).unwrap();
    assert_eq!(s["conflicts"][0]["student_no"], "20260011", "{s}");
}

#[test]
fn a_station_stopped_between_writing_and_recording_a_segment_loses_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let share = tmp.path().join("share");
    let stations = group(&format!("folder = \"{}\"\n", share.display()));
    let [a, b, _] = &stations;
    roster(a, 4);
    sync(a);
    sync(b);
    // A1 writes segment N for its first shot and stops before recording that it did.
    shoot(a, "20260001", "CODE-1").unwrap();
    {
        let store = a.open();
        let g = store.group().unwrap().unwrap();
        let (events, seq, _) = store.group_pending(&g).unwrap();
        let bytes =
            capture_station::group::seal(&g, "A1", seq, &events, store.signing_key()).unwrap();
        std::fs::write(
            share.join(format!("group-{}/A1/{seq:08}.seg", g.group_id)),
            bytes,
        )
        .unwrap();
    }
    sync(b);
    assert!(b.open().group_accepted_at("20260001").unwrap().is_some());
    // Restarted, A1 shoots again and syncs: the new events go in the next segment, which B2 reads.
    shoot(a, "20260002", "CODE-2").unwrap();
    sync(a);
    sync(b);
    let store = b.open();
    assert_eq!(
        store.group_accepted_at("20260002").unwrap().map(|(s, _)| s),
        Some("A1".to_string())
    );
    assert_eq!(
        store.group_code_owner("CODE-2").unwrap().map(|(s, _)| s),
        Some("A1".to_string())
    );
}
