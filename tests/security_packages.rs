//! Forged and junk packages at the registrar: only packages signed by an enrolled station are unpacked; every
//! other file is refused by its path and the rest of the batch and the index are still written.

mod upload_support;

use std::path::Path;

use capture_station::crypto::StationSigningKey;
use capture_station::upload::package::{self, ExportPublicKey, MAGIC, Manifest};
use upload_support::{Station, fake_jpeg};

fn forged_manifest(station: &str, photo_id: i64, student_no: &str, jpeg: &[u8]) -> Manifest {
    Manifest {
        photo_id,
        station_id: station.into(),
        station_name: station.into(),
        student_no: student_no.into(),
        name: format!("学生{student_no}"),
        class: "计科2001".into(),
        id_no: None,
        collection_code: "FORGED".into(),
        captured_at: "2099-01-01T00:00:00Z".into(),
        decision: "accepted".into(),
        verdict_pass: Some(true),
        checks: vec![],
        width: 480,
        height: 640,
        jpeg_bytes: jpeg.len() as u64,
        jpeg_sha256: package::sha256_hex(jpeg),
    }
}

fn unpack(st: &Station, packages: &Path, stations: &Path, out: &Path) -> (i32, String, String) {
    st.run(&[
        "unpack",
        packages.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--key",
        st.export_key_file().to_str().unwrap(),
        "--stations",
        stations.to_str().unwrap(),
    ])
}

#[test]
fn forged_and_junk_packages_are_refused_and_the_batch_goes_on() {
    let a = Station::new("A", 3);
    let mut b = Station::new("B", 1);
    b.export_key = capture_station::upload::ExportSecretKey::read(&a.export_key_file()).unwrap();
    let usb = a.dir.path().join("usb");
    for st in [&a, &b] {
        st.write_config(&format!("folder = \"{}\"\n", usb.display()));
        assert_eq!(st.run(&["upload", "--once"]).0, 0);
    }
    let stations = b.enrol(&a.stations_dir());
    // What every station's config holds: the registrar's public key. That is all a forger needs to encrypt.
    let public = ExportPublicKey::from_hex(&a.export_key.public().to_hex()).unwrap();
    let forger = StationSigningKey::generate();
    let evil = fake_jpeg(666, 20_000);
    let forged = |station: &str, id: i64, no: &str, signer: &StationSigningKey| {
        package::seal(
            &forged_manifest(station, id, no, &evil),
            &evil,
            &public,
            signer,
        )
        .unwrap()
    };
    // 1. A forged package in another station's folder.
    std::fs::create_dir_all(usb.join("Z")).unwrap();
    std::fs::write(
        usb.join("Z/00000001.csp"),
        forged("Z", 1, "A-0001", &forger),
    )
    .unwrap();
    // 2. A real file replaced by a forgery claiming to be station A.
    std::fs::write(
        usb.join("A/00000002.csp"),
        forged("A", 2, "A-0002", &forger),
    )
    .unwrap();
    // 3. Station B, enrolled, posing as station A.
    let b_key = b.open().signing_key().public();
    assert_ne!(b_key, forger.public());
    // 4. Junk: a well-framed header with a 32,768-character station id and no signature.
    let header = format!(
        "{{\"format\":2,\"station_id\":\"{}\",\"photo_id\":7,\"recipient\":\"0\",\"ephemeral\":\"0\",\"nonce\":\"0\",\"signer\":\"0\"}}",
        "X".repeat(32_768)
    );
    let mut junk = MAGIC.to_vec();
    junk.extend_from_slice(&(header.len() as u32).to_be_bytes());
    junk.extend_from_slice(header.as_bytes());
    junk.extend_from_slice(&[0u8; 200]);
    std::fs::write(usb.join("A/00000007.csp"), junk).unwrap();
    // 5. Not a package at all, and an empty file.
    std::fs::write(usb.join("A/00000008.csp"), b"hello").unwrap();
    std::fs::write(usb.join("A/00000009.csp"), b"").unwrap();

    let out = a.dir.path().join("registrar");
    let (code, stdout, err) = unpack(&a, &usb, &stations, &out);
    assert_eq!(code, 1, "{stdout}\n{err}");
    assert!(
        err.contains("Z/00000001.csp: signed by station key"),
        "{err}"
    );
    assert!(err.contains("not enrolled"), "{err}");
    assert!(
        err.contains("A/00000002.csp: signed by station key"),
        "{err}"
    );
    assert!(
        err.contains("A/00000007.csp: not a capture-station package"),
        "{err}"
    );
    assert!(err.contains("A/00000008.csp"), "{err}");
    assert!(err.contains("A/00000009.csp"), "{err}");
    assert!(!err.contains("XXXXXXXX"), "the junk header's id was echoed");
    assert!(err.len() < 4000, "{} bytes of refusals", err.len());
    // The genuine packages are unpacked; the forged photo is nowhere.
    let store = a.open();
    assert_eq!(
        std::fs::read(out.join("A-0001.jpg")).unwrap(),
        store.photo_jpeg(1).unwrap().as_slice()
    );
    assert_eq!(
        std::fs::read(out.join("A-0003.jpg")).unwrap(),
        store.photo_jpeg(3).unwrap().as_slice()
    );
    assert!(out.join("B-0001.jpg").is_file());
    assert!(
        !out.join("A-0002.jpg").exists(),
        "the forgery replaced a real photo"
    );
    for entry in std::fs::read_dir(&out).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(
            !bytes.windows(64).any(|w| w == &evil[100..164]),
            "forged JPEG written"
        );
    }
    let index = std::fs::read_to_string(out.join("index.csv")).unwrap();
    assert_eq!(index.matches("refused,").count(), 5, "{index}");
    assert!(out.join("index.xlsx").is_file());

    // Station B's key cannot sign for station A.
    let posing_dir = a.dir.path().join("posing");
    std::fs::create_dir_all(posing_dir.join("A")).unwrap();
    let b_store = b.open();
    let posing = package::seal(
        &forged_manifest("A", 3, "A-0003", &evil),
        &evil,
        &public,
        b_store.signing_key(),
    )
    .unwrap();
    std::fs::write(posing_dir.join("A/00000003.csp"), posing).unwrap();
    let (code, _, err) = unpack(&a, &posing_dir, &stations, &a.dir.path().join("out2"));
    assert_eq!(code, 1);
    assert!(
        err.contains("signed by station B's key but claims another station"),
        "{err}"
    );
}

#[test]
fn unpack_needs_enrolled_stations() {
    let a = Station::new("A", 1);
    let usb = a.dir.path().join("usb");
    a.write_config(&format!("folder = \"{}\"\n", usb.display()));
    assert_eq!(a.run(&["upload", "--once"]).0, 0);
    let (code, _, err) = a.run(&[
        "unpack",
        usb.to_str().unwrap(),
        "--out",
        a.dir.path().join("out").to_str().unwrap(),
        "--key",
        a.export_key_file().to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no station is enrolled"), "{err}");
    // Enrolled through the config instead of a folder.
    let key = a.open().station_public_key().to_hex();
    a.write_config(&format!(
        "folder = \"{}\"\n\n[registrar.stations]\nA = \"{key}\"\n",
        usb.display()
    ));
    let (code, out, err) = a.run(&[
        "unpack",
        usb.to_str().unwrap(),
        "--out",
        a.dir.path().join("out").to_str().unwrap(),
        "--key",
        a.export_key_file().to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("wrote 1 photos"), "{out}");
}
