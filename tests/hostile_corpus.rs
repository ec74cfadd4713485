//! A hostile corpus, generated here: mangled and forged packages, damaged rosters, mutated configs and broken
//! images. Nothing may panic or abort: every case ends in a result or a clear error (commands exit 0, 1 or
//! 2, never 101 or by a signal).

mod common;
mod upload_support;

use std::path::{Path, PathBuf};

use capture_station::store::NameTemplate;
use capture_station::upload::deliver::build_package;
use capture_station::upload::{EnrolledStations, unpack};
use rand::{Rng, SeedableRng};

fn rng() -> rand::rngs::StdRng {
    rand::rngs::StdRng::seed_from_u64(0x5EC0_2026)
}

/// Variants of a genuine package: truncations, bit flips, forged framing and headers, random bytes.
fn mangled_packages(good: &[u8]) -> Vec<Vec<u8>> {
    let mut rng = rng();
    let mut out = Vec::new();
    for cut in [
        0,
        1,
        7,
        8,
        9,
        11,
        12,
        40,
        good.len() / 2,
        good.len() - 65,
        good.len() - 1,
    ] {
        out.push(good[..cut].to_vec());
    }
    for _ in 0..120 {
        let mut v = good.to_vec();
        let i = rng.gen_range(0..v.len());
        v[i] ^= 1 << rng.gen_range(0..8);
        out.push(v);
    }
    for len in [0u32, 1, 1023, 1025, u32::MAX, good.len() as u32] {
        let mut v = good.to_vec();
        v[8..12].copy_from_slice(&len.to_be_bytes());
        out.push(v);
    }
    let frame = |header: &str, body: usize| {
        let mut v = b"CSPKG2\n\0".to_vec();
        v.extend_from_slice(&(header.len() as u32).to_be_bytes());
        v.extend_from_slice(header.as_bytes());
        v.extend(std::iter::repeat_n(0u8, body));
        v
    };
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    for header in [
        deep.as_str(),
        "{}",
        "null",
        "{\"format\":2,\"station_id\":\"A\",\"photo_id\":-1,\"recipient\":\"0000000000000000\",\"ephemeral\":\"00\",\"nonce\":\"00\",\"signer\":\"0000000000000000\"}",
        "{\"format\":2,\"station_id\":\"../../etc\",\"photo_id\":1,\"recipient\":\"0000000000000000\",\"ephemeral\":\"0000000000000000000000000000000000000000000000000000000000000000\",\"nonce\":\"000000000000000000000000\",\"signer\":\"0000000000000000\"}",
        "{\"format\":2,\"station_id\":\"A\",\"photo_id\":99999999999999999999999,\"recipient\":\"x\"}",
        "{\"format\":1e999}",
        "\u{202E}\u{0}\u{7}",
    ] {
        out.push(frame(header, 64));
        out.push(frame(header, 0));
    }
    out.push(b"CSPKG1\n\0rest of an old unsigned package".to_vec());
    for len in [1usize, 100, 5000, 70_000] {
        out.push((0..len).map(|_| rng.r#gen::<u8>()).collect());
    }
    out
}

#[test]
fn mangled_and_forged_packages_are_all_refused_and_never_stop_the_batch() {
    let st = upload_support::Station::new("H", 1);
    let store = st.open();
    let item = store.upload_item(1).unwrap();
    let good = build_package(&item, "H", &st.export_key.public(), store.signing_key()).unwrap();
    let mut enrolled = EnrolledStations::default();
    enrolled.add("H", store.station_public_key()).unwrap();
    let dir = st.dir.path().join("packages");
    std::fs::create_dir_all(dir.join("H")).unwrap();
    std::fs::write(dir.join("H/00000001.csp"), &good).unwrap();
    let variants = mangled_packages(&good);
    for (i, v) in variants.iter().enumerate() {
        std::fs::write(dir.join(format!("H/junk-{i:04}.csp")), v).unwrap();
    }
    let out = st.dir.path().join("out");
    let report = unpack(
        &dir,
        &out,
        &st.export_key,
        &enrolled,
        &NameTemplate::parse("{student_no}.jpg").unwrap(),
        false,
    )
    .unwrap();
    assert_eq!(report.written.len(), 1, "the genuine package");
    assert_eq!(report.refused.len(), variants.len());
    assert!(
        report.refused.iter().all(|r| r.photo_id.is_none()),
        "an id from an unverified header was believed"
    );
    assert!(out.join("index.csv").is_file() && out.join("index.xlsx").is_file());
}

fn corpus_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn damaged_rosters(dir: &Path) -> Vec<PathBuf> {
    let mut rng = rng();
    let mut files = Vec::new();
    let mut add = |name: String, bytes: Vec<u8>| {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        files.push(p);
    };
    // A real workbook, then damaged copies of it.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["学号", "姓名", "班级"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for r in 1..40u32 {
        sheet.write_string(r, 0, format!("2020{r:04}")).unwrap();
        sheet.write_string(r, 1, "张三").unwrap();
        sheet.write_string(r, 2, "计科2001").unwrap();
    }
    let xlsx = book.save_to_buffer().unwrap();
    add("good.xlsx".into(), xlsx.clone());
    for (i, cut) in [
        0,
        10,
        100,
        xlsx.len() / 3,
        xlsx.len() / 2,
        xlsx.len() - 22,
        xlsx.len() - 1,
    ]
    .iter()
    .enumerate()
    {
        add(format!("cut{i}.xlsx"), xlsx[..*cut].to_vec());
    }
    for i in 0..16 {
        let mut v = xlsx.clone();
        for _ in 0..8 {
            let at = rng.gen_range(0..v.len());
            v[at] = rng.r#gen();
        }
        add(format!("flip{i}.xlsx"), v);
    }
    for ext in ["xlsx", "xls", "ods", "xlsm", "csv", "xlsb"] {
        for (i, len) in [0usize, 1, 512, 4096, 65_536].iter().enumerate() {
            add(
                format!("random{i}.{ext}"),
                (0..*len).map(|_| rng.r#gen::<u8>()).collect(),
            );
        }
    }
    // An old-style .xls header (OLE compound file magic) followed by noise.
    let mut ole = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    ole.extend((0..4096).map(|_| rng.r#gen::<u8>()));
    add("ole.xls".into(), ole);
    add("nul.csv".into(), b"\0\0\0\xff\xfe,\n\r\r\n\"".to_vec());
    add(
        "quote.csv".into(),
        b"\xe5\xad\xa6\xe5\x8f\xb7,\xe5\xa7\x93\xe5\x90\x8d\n\"unterminated".to_vec(),
    );
    files
}

#[test]
fn damaged_rosters_end_in_a_result_or_a_clear_error() {
    let st = common::Station::new();
    let dir = corpus_dir();
    let files = damaged_rosters(dir.path());
    for f in &files {
        let out = st.run(&["roster", "import", f.to_str().unwrap(), "--dry-run"]);
        let code = out.status.code();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            matches!(code, Some(0..=2)),
            "{}: exit {code:?}\n{err}",
            f.display()
        );
        assert!(!err.contains("panicked"), "{}: {err}", f.display());
        if code == Some(2) {
            assert!(
                err.contains(f.file_name().unwrap().to_str().unwrap()),
                "{err}"
            );
        }
    }
}

#[test]
fn mutated_configs_never_panic() {
    let text = include_str!("../config.example.toml");
    let path = Path::new("mutated.toml");
    let mut rng = rng();
    let mut cases: Vec<String> = (0..text.len())
        .step_by(53)
        .map(|i| text[..text.floor_char_boundary(i)].to_string())
        .collect();
    let lines: Vec<&str> = text.lines().collect();
    let values = [
        "-1",
        "0",
        "1e308",
        "-1e308",
        "nan",
        "inf",
        "18446744073709551616",
        "\"\"",
        "\"\u{202E}\"",
        "[]",
        "{}",
        "\"../../x\"",
        "true",
        "\"x\"",
    ];
    for _ in 0..400 {
        let mut l = lines.clone();
        let i = rng.gen_range(0..l.len());
        let line = l[i];
        let replaced;
        if let Some((k, _)) = line.split_once('=') {
            replaced = format!("{k}= {}", values[rng.gen_range(0..values.len())]);
            l[i] = &replaced;
            cases.push(l.join("\n"));
        } else {
            l.remove(i);
            cases.push(l.join("\n"));
        }
    }
    for case in &cases {
        if let Ok(cfg) = capture_station::config::Config::parse(case, path) {
            let _ = cfg.validate();
            let _ = toml::to_string(&cfg.redacted());
        }
    }
}

#[test]
fn broken_images_are_errors_not_panics() {
    let dir = corpus_dir();
    let mut rng = rng();
    let img = image::RgbImage::from_fn(480, 640, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 200])
    });
    let mut jpeg = Vec::new();
    image::DynamicImage::ImageRgb8(img.clone())
        .write_to(
            &mut std::io::Cursor::new(&mut jpeg),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let mut files = Vec::new();
    for (name, bytes) in [("j", &jpeg), ("p", &png)] {
        for cut in [0, 2, 3, 20, 200, bytes.len() / 2, bytes.len() - 2] {
            let p = dir.path().join(format!("{name}-cut{cut}.jpg"));
            std::fs::write(&p, &bytes[..cut]).unwrap();
            files.push(p);
        }
        for i in 0..20 {
            let mut v = bytes.clone();
            for _ in 0..4 {
                let at = rng.gen_range(0..v.len());
                v[at] = rng.r#gen();
            }
            let p = dir.path().join(format!("{name}-flip{i}.png"));
            std::fs::write(&p, v).unwrap();
            files.push(p);
        }
    }
    let args = capture_station::compliance::cli::Args {
        images: files,
        frame: true,
        json: true,
        crop_out: None,
    };
    let mut out = Vec::new();
    let code = capture_station::compliance::cli::run_to(
        &args,
        &capture_station::compliance::PhotoSpec::default(),
        &mut out,
    )
    .unwrap();
    assert_ne!(code, std::process::ExitCode::SUCCESS);
    let lines = String::from_utf8(out).unwrap();
    assert_eq!(lines.lines().count(), args.images.len());
}
