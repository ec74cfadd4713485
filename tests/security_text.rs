//! Safe text: formula cells are neutralised in index.csv, and control characters, text-direction overrides
//! and over-long values are refused on every way in (student add, ingest, roster import, reasons).

mod upload_support;

use capture_station::store::{Decision, NewShot, NewStudent, StudentStatus};
use upload_support::{Station, accept_shot, fake_jpeg};

#[test]
fn formula_cells_reach_index_csv_as_text() {
    let st = Station::new("F", 0);
    let mut store = st.open();
    let evil = [
        (
            "F-0001",
            "=HYPERLINK(\"http://x\",\"点我\")",
            "+SUM(A1:A9)",
            "-2+3+cmd|' /C calc'!A0",
        ),
        ("F-0002", "@SUM(1)", "\t=1+1", "=1+1"),
    ];
    for (no, name, class, code) in evil {
        store
            .add_student(
                &NewStudent {
                    student_no: no.into(),
                    name: name.into(),
                    class: class.trim().into(),
                    status: StudentStatus::Normal,
                    id_no: None,
                },
                "test",
            )
            .unwrap();
        accept_shot(&mut store, no, code, (no.len() as u64, 10_000), false).unwrap();
    }
    let usb = st.dir.path().join("usb");
    st.write_config(&format!("folder = \"{}\"\n", usb.display()));
    assert_eq!(st.run(&["upload", "--once"]).0, 0);
    let out = st.dir.path().join("registrar");
    let (code, stdout, err) = st.run(&[
        "unpack",
        usb.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--key",
        st.export_key_file().to_str().unwrap(),
        "--stations",
        st.stations_dir().to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stdout}\n{err}");
    let index = std::fs::read_to_string(out.join("index.csv")).unwrap();
    let mut formula_cells = 0;
    for line in index.lines().skip(1) {
        for cell in line.split(',') {
            let cell = cell.trim_start_matches('"');
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t']),
                "formula cell {cell:?} in {line}"
            );
            formula_cells += cell.starts_with('\'') as usize;
        }
    }
    // Name, class and code of both students.
    assert_eq!(formula_cells, 6, "{index}");
}

#[test]
fn control_and_direction_characters_and_long_values_are_refused() {
    let st = Station::new("C", 1);
    let refused = |args: &[&str], expect: &str| {
        let (code, out, err) = st.run(args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(err.contains(expect), "{args:?}: {err}");
    };
    refused(
        &[
            "student",
            "add",
            "C-9",
            "--name",
            "张\u{202E}三",
            "--class",
            "计科",
        ],
        "control or text-direction character (U+202E",
    );
    refused(
        &[
            "student",
            "add",
            "C-9",
            "--name",
            "李四",
            "--class",
            "计\u{7}科",
        ],
        "U+0007",
    );
    refused(
        &[
            "student",
            "add",
            "C-9",
            "--name",
            &"长".repeat(65),
            "--class",
            "计科",
        ],
        "at most 64 are allowed",
    );
    let photo = st.dir.path().join("p.jpg");
    std::fs::write(&photo, fake_jpeg(1, 1000)).unwrap();
    let long = "A".repeat(10_000);
    refused(
        &[
            "ingest",
            photo.to_str().unwrap(),
            "--student",
            "C-0001",
            "--code",
            &long,
        ],
        "too long (10000 characters, limit 512)",
    );
    refused(
        &[
            "ingest",
            photo.to_str().unwrap(),
            "--student",
            "C-0001",
            "--code",
            "CODE\u{2066}X",
        ],
        "--code",
    );
    // Nothing above reached the database.
    assert!(st.open().find_student("C-9").unwrap().is_none());
    let (_, out, _) = st.run(&["queue", "stats", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["students_done"], 1, "{out}");

    // A reason with a terminal escape sequence is refused by the store.
    let mut store = st.open();
    let jpeg = fake_jpeg(9, 1000);
    let err = store
        .store_shot(
            &NewShot {
                student_no: "C-0001",
                code: "CODE-C-0",
                jpeg: &jpeg,
                width: 480,
                height: 640,
                quality: 90,
                checks: &[],
                verdict_pass: Some(false),
                supersede: true,
            },
            &Decision::Reject {
                reason: "ok\u{1b}[2J".into(),
            },
            "test",
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("the reason contains a control"), "{err}");
}

#[test]
fn roster_rows_with_unsafe_text_are_located() {
    let st = Station::new("R", 0);
    let csv = st.dir.path().join("roster.csv");
    std::fs::write(
        &csv,
        "学号,姓名,班级,采集码\n2020001,张三,计科2001,CODE1\n2020002,李\u{202E}四,计科2001,CODE2\n2020003,王五,计科\u{1}2001,CODE3\n",
    )
    .unwrap();
    let (code, out, err) = st.run(&["roster", "import", csv.to_str().unwrap(), "--dry-run"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("第 3 行") && out.contains("姓名含有控制字符"),
        "{out}"
    );
    assert!(
        out.contains("第 4 行") && out.contains("班级含有控制字符"),
        "{out}"
    );
}
