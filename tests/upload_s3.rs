//! Upload to a real S3-compatible server: moto (PyPI `moto[server]`, installed by the test when missing)
//! on loopback, with IAM auth enforced so that credentials and signatures are actually checked.

mod upload_support;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use capture_station::upload::deliver::Event;
use capture_station::upload::{Backoff, Target, Uploader, package};
use upload_support::{BUCKET, Moto, Proxy, Station, uploaded_ids};

fn uploader(st: &Station) -> Uploader {
    let cfg = st.config();
    let target = Target::from_settings(&cfg.upload, &st.data(), None).unwrap();
    Uploader::new(
        st.open(),
        target,
        st.export_key.public(),
        Backoff::from_ms(200, 1000),
        "test",
    )
}

/// Every uploaded photo is in the bucket, opens with the registrar's key and is the photo from the store.
fn assert_bucket_holds_uploaded(st: &Station, moto: &Moto) {
    let objects = moto.objects(BUCKET);
    let store = st.open();
    let mut enrolled = capture_station::upload::EnrolledStations::default();
    enrolled
        .add(store.station_id(), store.station_public_key())
        .unwrap();
    for id in uploaded_ids(&st.db()) {
        let key = format!(
            "exam/2026/{}",
            package::package_name(store.station_id(), id)
        );
        let bytes = objects.get(&key).unwrap_or_else(|| {
            panic!("photo #{id} is marked uploaded but {key} is not on the server")
        });
        let opened = package::open(bytes, &st.export_key, &enrolled).unwrap();
        assert_eq!(opened.manifest.photo_id, id);
        assert_eq!(
            opened.jpeg.as_slice(),
            store.photo_jpeg(id).unwrap().as_slice()
        );
    }
}

#[test]
fn upload_verify_and_idempotent_reupload() {
    let mut moto = Moto::start(None);
    moto.setup(BUCKET, true);
    let st = Station::new("T1", 5);
    st.write_config(&Station::s3_config(
        &moto.endpoint(),
        moto.creds.as_ref(),
        BUCKET,
    ));
    let (code, out, err) = st.run(&["upload", "--once"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("uploaded 5 photos"), "{out}");
    assert_eq!(uploaded_ids(&st.db()), vec![1, 2, 3, 4, 5]);
    let objects = moto.objects(BUCKET);
    assert_eq!(objects.len(), 5, "{:?}", objects.keys());
    assert_bucket_holds_uploaded(&st, &moto);
    let status = st.status();
    assert_eq!(status["uploaded"], 5);
    assert_eq!(status["queued"], 0);
    assert!(status["last_confirmed_at"].is_string());

    // Nothing left: a second run sends nothing. Re-delivering an uploaded photo overwrites the same key.
    let (code, out, _) = st.run(&["upload", "--once"]);
    assert_eq!(code, 0);
    assert!(out.contains("uploaded 0 photos"), "{out}");
    let mut up = uploader(&st);
    let name = up.store().station_name().unwrap();
    up.deliver_one(3, &name).map_err(|e| e.0).unwrap();
    let again = moto.objects(BUCKET);
    assert_eq!(again.len(), 5);
    assert_ne!(
        again, objects,
        "re-delivery should write a fresh package under the same key"
    );
    assert_bucket_holds_uploaded(&st, &moto);
    assert_eq!(uploaded_ids(&st.db()), vec![1, 2, 3, 4, 5]);
}

#[test]
fn server_down_at_start_then_comes_up() {
    let port = upload_support::free_port();
    let st = Station::new("T2", 4);
    let endpoint = format!("http://127.0.0.1:{port}");
    st.write_config(&Station::s3_config(&endpoint, None, BUCKET));
    let child = st
        .cmd(&["upload", "--max-wait", "120"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the worker has failed at least once and recorded it.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let s = st.status();
        if s["failed"].as_u64().unwrap_or(0) > 0 {
            assert_eq!(s["uploaded"], 0);
            assert!(
                s["last_error"]
                    .as_str()
                    .unwrap()
                    .contains("cannot reach the upload server"),
                "{s}"
            );
            break;
        }
        assert!(Instant::now() < deadline, "no failure recorded: {s}");
        std::thread::sleep(Duration::from_millis(200));
    }
    let mut moto = Moto::start(Some(port));
    moto.setup(BUCKET, false);
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("cannot reach the upload server"),
        "{stderr}"
    );
    assert!(
        stdout.contains("all accepted photos are uploaded"),
        "{stdout}"
    );
    assert_eq!(uploaded_ids(&st.db()), vec![1, 2, 3, 4]);
    assert_bucket_holds_uploaded(&st, &moto);
}

#[test]
fn server_cut_mid_batch_marks_only_confirmed_and_the_rest_goes_later() {
    let mut moto = Moto::start(None);
    moto.setup(BUCKET, false);
    let proxy = Arc::new(Proxy::start(moto.port));
    let st = Station::new("T3", 12);
    st.write_config(&Station::s3_config(&proxy.endpoint(), None, BUCKET));
    let mut up = uploader(&st);
    let confirmed = Mutex::new(BTreeSet::new());
    let sent = AtomicUsize::new(0);
    let report = up
        .pass(
            false,
            &mut |ev| match ev {
                Event::Sending { .. } => {
                    // Cut the connection while the sixth photo is in flight.
                    if sent.fetch_add(1, Ordering::SeqCst) == 5 {
                        let p = proxy.clone();
                        std::thread::spawn(move || {
                            std::thread::sleep(Duration::from_millis(3));
                            p.cut();
                        });
                    }
                }
                Event::Confirmed { photo_id, .. } => {
                    confirmed.lock().unwrap().insert(*photo_id);
                }
                Event::Failed { .. } => {}
            },
            &|| false,
        )
        .unwrap();
    let confirmed: Vec<i64> = confirmed.into_inner().unwrap().into_iter().collect();
    assert!(report.target_error.is_some(), "{report:?}");
    assert!(
        (5..12).contains(&confirmed.len()),
        "expected the cut to stop the batch: {confirmed:?}"
    );
    assert_eq!(uploaded_ids(&st.db()), confirmed);
    assert_bucket_holds_uploaded(&st, &moto);
    let counts = up.store().upload_counts().unwrap();
    assert_eq!(counts.queued, 12 - confirmed.len() as u64);
    assert!(counts.failed >= 1);

    proxy.restore();
    // The failed photo's retry is scheduled; pass until everything went (backoff is at most 1 s here).
    let deadline = Instant::now() + Duration::from_secs(30);
    while up.store().upload_counts().unwrap().queued > 0 {
        assert!(Instant::now() < deadline, "rest never went");
        up.pass(false, &mut |_| {}, &|| false).unwrap();
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(uploaded_ids(&st.db()), (1..=12).collect::<Vec<_>>());
    assert_bucket_holds_uploaded(&st, &moto);
    assert_eq!(moto.objects(BUCKET).len(), 12);
}

#[test]
fn server_process_killed_mid_run_then_restarted() {
    let mut moto = Moto::start(None);
    let port = moto.port;
    moto.setup(BUCKET, false);
    let st = Station::new("T4", 40);
    st.write_config(&Station::s3_config(&moto.endpoint(), None, BUCKET));
    let child = st
        .cmd(&["upload", "--max-wait", "120"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while uploaded_ids(&st.db()).len() < 3 {
        assert!(Instant::now() < deadline, "nothing uploaded");
        std::thread::sleep(Duration::from_millis(20));
    }
    moto.kill();
    let at_kill = uploaded_ids(&st.db()).len();
    std::thread::sleep(Duration::from_millis(1500));
    // While the server is gone, nothing more is marked uploaded.
    let while_down = uploaded_ids(&st.db()).len();
    assert!(
        while_down <= at_kill + 1,
        "{at_kill} → {while_down} with the server down"
    );
    assert!(
        while_down < 40,
        "the run finished before the kill; use more photos"
    );
    let mut moto = Moto::start(Some(port));
    moto.setup(BUCKET, false);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(uploaded_ids(&st.db()).len(), 40);
    // The restarted server lost what the first one held; everything sent after the restart is there.
    let objects = moto.objects(BUCKET);
    assert!(objects.len() >= 40 - while_down, "{}", objects.len());
}

#[test]
fn wrong_credentials_clear_error_nothing_marked() {
    let mut moto = Moto::start(None);
    moto.setup(BUCKET, true);
    let st = Station::new("T5", 3);
    let mut creds = moto.creds.clone().unwrap();
    creds.secret = format!("{}x", creds.secret);
    st.write_config(&Station::s3_config(&moto.endpoint(), Some(&creds), BUCKET));
    let (code, out, err) = st.run(&["upload", "--once"]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(err.contains("refused the credentials"), "{err}");
    assert!(err.contains("SignatureDoesNotMatch"), "{err}");
    creds.key = "AKIAUNKNOWNKEY000000".into();
    st.write_config(&Station::s3_config(&moto.endpoint(), Some(&creds), BUCKET));
    let (code, _, err) = st.run(&["upload", "--once"]);
    assert_eq!(code, 1);
    assert!(err.contains("refused the credentials"), "{err}");
    assert!(uploaded_ids(&st.db()).is_empty());
    let s = st.status();
    assert_eq!(s["uploaded"], 0);
    assert_eq!(s["queued"], 3);
    assert!(moto.objects(BUCKET).is_empty());
}

#[test]
fn bucket_missing_clear_error_nothing_marked() {
    let mut moto = Moto::start(None);
    moto.setup("", false);
    let st = Station::new("T6", 2);
    st.write_config(&Station::s3_config(
        &moto.endpoint(),
        None,
        "no-such-bucket",
    ));
    let (code, out, err) = st.run(&["upload", "--once"]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(
        err.contains("bucket \"no-such-bucket\" does not exist"),
        "{err}"
    );
    assert!(uploaded_ids(&st.db()).is_empty());
    assert_eq!(st.status()["failed"], 1, "only the first photo was tried");
}
