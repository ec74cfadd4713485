//! Roster import from realistic xlsx and GBK CSV files: cleaning, validation report, all-or-nothing,
//! re-import with changes, privacy of ID numbers.

mod roster_fixtures;

use capture_station::roster::{
    CsvEncoding, ProblemKind, ReadOptions, RosterError, Severity, read_file,
};
use capture_station::store::{PhotoState, StudentStatus};
use roster_fixtures::*;

const BIRTH: &str = "11010520020314";

fn graduation_xlsx(path: &std::path::Path) -> (String, String) {
    let x_id = id_no_x(BIRTH, 100);
    let plain_id = id_no(BIRTH, 7);
    let header = vec![
        t("序号"),
        t("学号"),
        t("姓名"),
        t("班级"),
        t("学院"),
        t("专业"),
        t("身份证号"),
        t("备注"),
    ];
    let row = |n: f64, no: X, name: &str, class: X, id: &str, remark: &str| {
        vec![
            X::N(n),
            no,
            t(name),
            class,
            t("信息学院"),
            t("计算机科学与技术"),
            if id.is_empty() { X::Blank } else { t(id) },
            if remark.is_empty() {
                X::Blank
            } else {
                t(remark)
            },
        ]
    };
    write_xlsx(
        path,
        &[SheetSpec {
            name: "名单".into(),
            rows: vec![
                (2, header),
                // Row 4: numeric student number, name with a stray space, ID ending in X.
                (
                    3,
                    row(1.0, X::N(2020123456.0), "张 三", t("计算机2001"), &x_id, ""),
                ),
                // Row 5: class cell merged with row 4 (written by the merge below); full-width name.
                (
                    4,
                    row(
                        2.0,
                        X::N(2020123457.0),
                        "ＬＩ　Ｍｉｎｇ",
                        X::Blank,
                        "",
                        "降级",
                    ),
                ),
                // Row 6 blank, row 7: text number with a leading zero, full-width digits in the ID.
                (
                    6,
                    row(
                        3.0,
                        t("０020123458"),
                        " 王五 ",
                        t("计算机2002"),
                        &plain_id.replace('0', "０"),
                        "复读",
                    ),
                ),
                // Row 8: an exact duplicate of row 7.
                (
                    7,
                    row(
                        3.0,
                        t("0020123458"),
                        "王五",
                        t("计算机2002"),
                        &plain_id,
                        "复读",
                    ),
                ),
                // Row 9: plain class cell left blank under row 8 (not merged): filled down with a warning.
                (8, row(4.0, X::N(2020123459.0), "赵六", X::Blank, "", "")),
            ],
            merged: vec![
                (0, 0, 0, 7, "2024届毕业生名单".into()),
                (3, 3, 4, 3, "计算机2001".into()),
            ],
        }],
    );
    (x_id, plain_id)
}

#[test]
fn realistic_xlsx_imports_clean_text() {
    let dir = tempfile::tempdir().unwrap();
    let path = file(dir.path(), "2024届毕业生.xlsx");
    let (x_id, plain_id) = graduation_xlsx(&path);
    let parsed = read(&path);
    assert_eq!(parsed.sheets.len(), 1);
    assert_eq!(parsed.sheets[0].header_row, 3);
    assert!(!parsed.has_errors(), "{:#?}", parsed.problems);
    let kinds: Vec<(ProblemKind, Option<u32>)> =
        parsed.problems.iter().map(|p| (p.kind, p.row)).collect();
    assert_eq!(
        kinds,
        vec![
            (ProblemKind::ClassFilledDown, Some(9)),
            (ProblemKind::DuplicateRowIgnored, Some(8)),
        ]
    );
    let rows: Vec<(u32, &str, &str, &str, Option<StudentStatus>)> = parsed
        .rows
        .iter()
        .map(|r| {
            (
                r.row,
                r.student_no.as_str(),
                r.name.as_str(),
                r.class.as_str(),
                r.status,
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            (
                4,
                "2020123456",
                "张三",
                "计算机2001",
                Some(StudentStatus::Normal)
            ),
            (
                5,
                "2020123457",
                "LI Ming",
                "计算机2001",
                Some(StudentStatus::HeldBack)
            ),
            (
                7,
                "0020123458",
                "王五",
                "计算机2002",
                Some(StudentStatus::Repeating)
            ),
            (
                9,
                "2020123459",
                "赵六",
                "计算机2002",
                Some(StudentStatus::Normal)
            ),
        ]
    );
    assert_eq!(parsed.rows[0].id_no.as_deref(), Some(x_id.as_str()));
    assert_eq!(parsed.rows[2].id_no.as_deref(), Some(plain_id.as_str()));
    assert_eq!(parsed.rows[0].school.as_deref(), Some("信息学院"));

    let mut store = store(dir.path());
    let report = store.import_roster(&parsed, false, "staff").unwrap();
    assert!(report.written);
    assert_eq!(report.added.len(), 4);
    assert_eq!(report.new_classes, vec!["计算机2001", "计算机2002"]);

    let s = store.find_student("2020123456").unwrap().unwrap();
    assert_eq!(s.name, "张三");
    assert_eq!(s.id_no_masked, Some(format!("****{}", &x_id[14..])));
    assert!(s.id_no_masked.as_deref().unwrap().ends_with('X'));
    assert_eq!(
        store.student_id_no("2020123456").unwrap().as_deref(),
        Some(x_id.as_str())
    );
    assert!(store.find_student("0020123458").unwrap().is_some());
    assert!(store.find_student("20123458").unwrap().is_none());

    // The plaintext ID number never reaches the database files.
    drop(store);
    for name in ["station.db", "station.db-wal"] {
        if let Ok(bytes) = std::fs::read(dir.path().join(name)) {
            for id in [&x_id, &plain_id] {
                assert!(
                    !bytes.windows(id.len()).any(|w| w == id.as_bytes()),
                    "{name} contains an ID number in clear"
                );
            }
        }
    }
}

fn gbk_csv_text(bad_row_id: &str, student_no_cell: &str) -> String {
    let mut s = String::new();
    s.push_str("2024届毕业生图像采集名单,,,,\n");
    s.push_str("学院：信息学院,,,,\n");
    s.push_str("学号,姓名,班级,身份证号,学籍异动\n");
    for i in 0..3 {
        s.push_str(&format!(
            "{},学生{i},软件2001,{},\n",
            20201000 + i,
            id_no(BIRTH, 200 + i)
        ));
    }
    s.push('\n');
    // Row 8.
    s.push_str(&format!(
        "{student_no_cell},\"钱 七\",软件2001,{bad_row_id},降级\n"
    ));
    s.push_str(&format!(
        "20201009,孙八,软件2002,{},\n",
        id_no_x(BIRTH, 300)
    ));
    s
}

#[test]
fn one_bad_row_imports_nothing_and_reports_exactly_that_row() {
    let dir = tempfile::tempdir().unwrap();
    let path = file(dir.path(), "名单.csv");
    write_gbk_csv(&path, &gbk_csv_text(&id_no_bad(BIRTH, 400), "20201008"));
    let parsed = read(&path);
    assert_eq!(parsed.encoding.as_deref(), Some("gb18030"));
    let errors: Vec<_> = parsed
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let p = errors[0];
    assert_eq!(p.kind, ProblemKind::IdCheckDigit);
    assert_eq!(p.row, Some(8));
    assert_eq!(p.column.as_deref(), Some("身份证号"));
    assert_eq!(p.column_letter.as_deref(), Some("D"));
    assert_eq!(p.file, "名单.csv");
    assert!(p.message.en.contains("check digit"), "{}", p.message.en);
    assert!(p.message.zh.contains("校验位"));
    // The message shows the number masked only.
    assert!(!p.message.en.contains(&id_no_bad(BIRTH, 400)[..17]));

    let mut store = store(dir.path());
    let report = store.import_roster(&parsed, false, "staff").unwrap();
    assert!(!report.written);
    assert_eq!(report.error_count(), 1);
    assert!(store.shooting_queue(None).unwrap().is_empty());
    assert!(store.classes().unwrap().is_empty());

    // Fixed file: everything goes in.
    write_gbk_csv(&path, &gbk_csv_text(&id_no(BIRTH, 400), "20201008"));
    let report = store.import_roster(&read(&path), false, "staff").unwrap();
    assert!(report.written);
    assert_eq!(report.added.len(), 5);
    let s = store.find_student("20201008").unwrap().unwrap();
    assert_eq!(
        (s.name.as_str(), s.status),
        ("钱七", StudentStatus::HeldBack)
    );
}

#[test]
fn scientific_notation_and_other_row_errors_are_located() {
    let dir = tempfile::tempdir().unwrap();
    let path = file(dir.path(), "list.csv");
    let mut text = gbk_csv_text(&id_no(BIRTH, 400), "2.02E+07");
    text.push_str(",无名,软件2002,,\n"); // row 10: no student number
    text.push_str("20201010,,软件2002,,\n"); // row 11: no name
    text.push_str("20201011,周九,软件2002,12345,休学\n"); // row 12: bad ID and unknown status
    text.push_str("20201001,冒名,软件2002,,\n"); // row 13: same number as row 5, different data
    write_gbk_csv(&path, &text);
    let parsed = read(&path);
    let errors: Vec<(ProblemKind, Option<u32>, Option<&str>)> = parsed
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .map(|p| (p.kind, p.row, p.column.as_deref()))
        .collect();
    assert_eq!(
        errors,
        vec![
            (ProblemKind::ScientificNotation, Some(8), Some("学号")),
            (ProblemKind::MissingStudentNo, Some(10), Some("学号")),
            (ProblemKind::MissingName, Some(11), Some("姓名")),
            (ProblemKind::UnknownStatus, Some(12), Some("学籍异动")),
            (ProblemKind::BadIdNo, Some(12), Some("身份证号")),
            (ProblemKind::DuplicateStudentNo, Some(13), Some("学号")),
        ]
    );
    let sci = &parsed.problems[0];
    assert!(sci.message.en.contains("format the column as Text"));
    assert!(sci.message.zh.contains("文本"));
}

#[test]
fn encodings_bom_and_override() {
    let dir = tempfile::tempdir().unwrap();
    let utf8 = file(dir.path(), "bom.csv");
    let body = "学号,姓名,班级\n001,张三,一班\n";
    std::fs::write(
        &utf8,
        [b"\xEF\xBB\xBF".as_slice(), body.as_bytes()].concat(),
    )
    .unwrap();
    let parsed = read(&utf8);
    assert_eq!(parsed.encoding.as_deref(), Some("UTF-8"));
    assert_eq!(parsed.rows[0].student_no, "001");

    let gbk = file(dir.path(), "gbk.csv");
    write_gbk_csv(&gbk, body);
    let err = read_file(&gbk, CsvEncoding::Utf8, &ReadOptions::default()).unwrap_err();
    assert!(matches!(err, RosterError::Encoding { .. }), "{err}");
    assert!(err.text().zh.contains("--encoding"));
    let forced = read_file(&gbk, CsvEncoding::Gbk, &ReadOptions::default()).unwrap();
    assert_eq!(forced.rows[0].name, "张三");
}

#[test]
fn column_override_by_map() {
    let dir = tempfile::tempdir().unwrap();
    let path = file(dir.path(), "odd.csv");
    std::fs::write(&path, "编号,学生,所在班\nS01,张三,一班\n").unwrap();
    let parsed = read(&path);
    assert!(
        parsed
            .problems
            .iter()
            .any(|p| p.kind == ProblemKind::NoHeader)
    );
    let mut opts = ReadOptions::default();
    opts.columns.student_no = Some("编号".into());
    opts.columns.name = Some("学生".into());
    opts.columns.class = Some("所在班".into());
    let parsed = read_file(&path, CsvEncoding::Auto, &opts).unwrap();
    assert!(!parsed.has_errors(), "{:#?}", parsed.problems);
    assert_eq!(parsed.rows[0].class, "一班");
}

fn v1_csv() -> String {
    let mut s = String::from("学号,姓名,班级,身份证号,备注\n");
    s.push_str(&format!("1001,甲,一班,{},\n", id_no(BIRTH, 1)));
    s.push_str(&format!("1002,乙,一班,{},\n", id_no(BIRTH, 2)));
    s.push_str("1003,丙,一班,,\n");
    s.push_str("1004,丁,二班,,\n");
    s
}

#[test]
fn reimport_reports_changes_and_keeps_photos() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(dir.path());
    let path = file(dir.path(), "v.csv");
    std::fs::write(&path, v1_csv()).unwrap();
    assert!(
        store
            .import_roster(&read(&path), false, "staff")
            .unwrap()
            .written
    );
    let accepted = shoot(&mut store, "1001", "CODE-1001", true);
    let rejected = shoot(&mut store, "1002", "CODE-1002", false);
    request_reshoot(&mut store, rejected);
    let before = store.queue_stats().unwrap();

    // v2: 1001 renamed, 1002 moves class and becomes 复读 with a corrected ID, 1003 dropped, 1005 new.
    let mut v2 = String::from("学号,姓名,班级,身份证号,备注\n");
    v2.push_str(&format!("1001,甲一,一班,{},\n", id_no(BIRTH, 1)));
    v2.push_str(&format!("1002,乙,二班,{},复读\n", id_no(BIRTH, 12)));
    v2.push_str("1004,丁,二班,,\n");
    v2.push_str("1005,戊,二班,,\n");
    std::fs::write(&path, &v2).unwrap();
    let dry = store.import_roster(&read(&path), true, "staff").unwrap();
    assert!(!dry.written);
    // 1001 has an accepted photo: renaming them needs the operator's confirmation.
    let errors: Vec<(capture_station::roster::ProblemKind, Option<u32>)> = dry
        .problems
        .iter()
        .filter(|p| p.severity == capture_station::roster::Severity::Error)
        .map(|p| (p.kind, p.row))
        .collect();
    assert_eq!(
        errors,
        [(
            capture_station::roster::ProblemKind::IdentityOfPhotographed,
            Some(2)
        )]
    );
    assert!(
        !store
            .import_roster(&read(&path), false, "staff")
            .unwrap()
            .written
    );
    assert_eq!(store.find_student("1001").unwrap().unwrap().name, "甲");

    store.set_confirm_identity_changes(true);
    let report = store.import_roster(&read(&path), false, "staff").unwrap();
    assert!(report.written);
    let conn = rusqlite::Connection::open(dir.path().join("station.db")).unwrap();
    let confirmed: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'student_updated' AND reason LIKE '%confirmed by the operator%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(confirmed, 1, "the confirmed rename of 1001 is audited");
    assert_eq!(report.added.len(), 1);
    assert_eq!(report.added[0].student_no, "1005");
    assert_eq!(report.unchanged, 1);
    type Changes<'a> = Vec<(&'a str, &'a str, &'a str)>;
    let changes: Vec<(&str, Changes)> = report
        .changed
        .iter()
        .map(|c| {
            (
                c.student.student_no.as_str(),
                c.changes
                    .iter()
                    .map(|f| (f.field.as_str(), f.old.as_str(), f.new.as_str()))
                    .collect(),
            )
        })
        .collect();
    let old_mask = format!("****{}", &id_no(BIRTH, 2)[14..]);
    let new_mask = format!("****{}", &id_no(BIRTH, 12)[14..]);
    assert_eq!(
        changes,
        vec![
            ("1001", vec![("name", "甲", "甲一")]),
            (
                "1002",
                vec![
                    ("class", "一班", "二班"),
                    ("status", "正常/normal", "复读/repeating"),
                    ("id_no", old_mask.as_str(), new_mask.as_str()),
                ]
            ),
        ]
    );
    let missing: Vec<&str> = report
        .missing_from_file
        .iter()
        .map(|m| m.student_no.as_str())
        .collect();
    assert_eq!(missing, vec!["1003"]);
    // Nobody was dropped, no photo touched.
    assert!(store.find_student("1003").unwrap().is_some());
    let after = store.queue_stats().unwrap();
    assert_eq!(after.by_state, before.by_state);
    assert_eq!(
        (after.superseded, after.jpeg_bytes, after.students_done),
        (before.superseded, before.jpeg_bytes, before.students_done)
    );
    assert_eq!(after.students, before.students + 1);
    let queue = store.shooting_queue(None).unwrap();
    let state = |no: &str| {
        queue
            .iter()
            .find(|e| e.student_no == no)
            .unwrap()
            .photo_state
    };
    assert_eq!(state("1001"), Some(PhotoState::Accepted));
    assert_eq!(state("1002"), Some(PhotoState::ReshootRequested));
    assert_eq!(
        queue
            .iter()
            .find(|e| e.student_no == "1001")
            .unwrap()
            .photo_id,
        Some(accepted)
    );
    assert_eq!(
        store.student_id_no("1002").unwrap().as_deref(),
        Some(id_no(BIRTH, 12).as_str())
    );

    // A number now naming a different person in a different class is refused; nothing is written.
    let mut v3 = v2.clone();
    v3.push_str("1006,己,三班,,\n");
    let v3 = v3.replace("1004,丁,二班", "1004,庚,三班");
    std::fs::write(&path, v3).unwrap();
    let report = store.import_roster(&read(&path), false, "staff").unwrap();
    assert!(!report.written);
    let errs: Vec<(ProblemKind, Option<u32>)> =
        report.problems.iter().map(|p| (p.kind, p.row)).collect();
    assert_eq!(errs, vec![(ProblemKind::StudentNoTaken, Some(4))]);
    assert!(store.find_student("1006").unwrap().is_none());
    assert_eq!(store.find_student("1004").unwrap().unwrap().name, "丁");

    // A new student with the ID number of a loaded student is refused.
    let v4 = format!("{v2}1007,辛,二班,{},\n", id_no(BIRTH, 1));
    std::fs::write(&path, v4).unwrap();
    let report = store.import_roster(&read(&path), false, "staff").unwrap();
    let errs: Vec<(ProblemKind, Option<u32>, Option<&str>)> = report
        .problems
        .iter()
        .map(|p| (p.kind, p.row, p.column.as_deref()))
        .collect();
    assert_eq!(
        errs,
        vec![(ProblemKind::DuplicateIdNo, Some(6), Some("身份证号"))]
    );
    assert!(report.problems[0].message.en.contains("1001"));
    assert!(!report.written);
}

#[test]
fn collection_codes_must_be_unique() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(dir.path());
    let path = file(dir.path(), "codes.csv");
    std::fs::write(
        &path,
        "学号,姓名,班级,采集码\n1,甲,一班,QR-0001\n2,乙,一班,QR-0001\n3,丙,一班,QR-0003\n",
    )
    .unwrap();
    let parsed = read(&path);
    let errs: Vec<(ProblemKind, Option<u32>)> =
        parsed.problems.iter().map(|p| (p.kind, p.row)).collect();
    assert_eq!(errs, vec![(ProblemKind::DuplicateCode, Some(3))]);

    std::fs::write(
        &path,
        "学号,姓名,班级,采集码\n1,甲,一班,QR-0001\n2,乙,一班,QR-0002\n",
    )
    .unwrap();
    assert!(
        store
            .import_roster(&read(&path), false, "s")
            .unwrap()
            .written
    );
    // A code used for a photo of student 1 cannot be given to student 3.
    shoot(&mut store, "1", "PHOTO-CODE", true);
    std::fs::write(&path, "学号,姓名,班级,采集码\n3,丙,一班,PHOTO-CODE\n").unwrap();
    let report = store.import_roster(&read(&path), false, "s").unwrap();
    assert_eq!(report.problems[0].kind, ProblemKind::CodeTaken);
    assert!(!report.written);
    // Swapping two students' codes in one file is fine.
    std::fs::write(
        &path,
        "学号,姓名,班级,采集码\n1,甲,一班,QR-0002\n2,乙,一班,QR-0001\n",
    )
    .unwrap();
    let report = store.import_roster(&read(&path), false, "s").unwrap();
    assert!(report.written, "{:#?}", report.problems);
    assert_eq!(report.changed.len(), 2);
}

#[test]
fn xlsx_numbers_that_lost_digits_and_sheets_named_after_classes() {
    let dir = tempfile::tempdir().unwrap();
    let path = file(dir.path(), "per-class.xlsx");
    let good = id_no(BIRTH, 5);
    write_xlsx(
        &path,
        &[
            SheetSpec {
                name: "说明".into(),
                rows: vec![(0, vec![t("本文件每个班级一个工作表")])],
                merged: vec![],
            },
            SheetSpec {
                name: "电子2001".into(),
                rows: vec![
                    (0, vec![t("学号"), t("姓名"), t("身份证号")]),
                    (1, vec![X::N(2020300001.0), t("甲"), t(&good)]),
                    // Row 3: an 18-digit ID typed into a number cell: Excel keeps 15 significant digits.
                    (
                        2,
                        vec![X::N(2020300002.0), t("乙"), X::N(110105200203140000.0)],
                    ),
                    // Row 4: a text cell holding what Excel displayed for a narrow numeric column.
                    (3, vec![t("2.02E+09"), t("丙"), X::Blank]),
                    // Row 5: a student number too long for a spreadsheet number.
                    (4, vec![X::N(20203000040000000000.0), t("丁"), X::Blank]),
                ],
                merged: vec![],
            },
        ],
    );
    let parsed = read(&path);
    let problems: Vec<(ProblemKind, Option<&str>, Option<u32>)> = parsed
        .problems
        .iter()
        .map(|p| (p.kind, p.sheet.as_deref(), p.row))
        .collect();
    assert_eq!(
        problems,
        vec![
            (ProblemKind::SheetSkipped, Some("说明"), None),
            (ProblemKind::ClassFromSheetName, Some("电子2001"), None),
            (ProblemKind::DigitsLost, Some("电子2001"), Some(3)),
            (ProblemKind::ScientificNotation, Some("电子2001"), Some(4)),
            (ProblemKind::DigitsLost, Some("电子2001"), Some(5)),
        ]
    );
    assert_eq!(parsed.rows.len(), 1);
    assert_eq!(parsed.rows[0].class, "电子2001");
    assert_eq!(parsed.rows[0].student_no, "2020300001");

    // --sheet picks one sheet; an unknown sheet is an error naming the sheets there are.
    let only = read_file(
        &path,
        CsvEncoding::Auto,
        &ReadOptions {
            sheet: Some("说明".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(
        only.problems
            .iter()
            .any(|p| p.kind == ProblemKind::NoHeader)
    );
    let err = read_file(
        &path,
        CsvEncoding::Auto,
        &ReadOptions {
            sheet: Some("Sheet9".into()),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("电子2001"), "{err}");
}
