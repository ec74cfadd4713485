//! Files with personal data are private whatever the umask, exports never follow a symlink or overwrite
//! without --force, file-name templates cannot leave the export folder, and a closed pipe is not a panic.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use capture_station::upload::ExportSecretKey;

const PASS: &str = "test-passphrase";

struct Station {
    dir: tempfile::TempDir,
    registrar: ExportSecretKey,
}

impl Station {
    fn new() -> Station {
        let dir = tempfile::tempdir().unwrap();
        let registrar = ExportSecretKey::generate();
        let st = Station { dir, registrar };
        st.write_config("");
        st.ok(&["init", "--station-id", "T1", "--station-name", "一号"]);
        st
    }

    fn write_config(&self, extra: &str) {
        std::fs::write(
            self.dir.path().join("config.toml"),
            format!(
                "[security]\nkdf_memory_kib = 19456\nkdf_iterations = 2\n\n[upload]\nexport_public_key = \"{}\"\n{extra}",
                self.registrar.public().to_hex()
            ),
        )
        .unwrap();
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The binary under `umask 022`, the usual default that makes new files world-readable.
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new("sh");
        c.arg("-c")
            .arg("umask 022; exec \"$@\"")
            .arg("sh")
            .arg(env!("CARGO_BIN_EXE_capture-station"))
            .arg("--data-dir")
            .arg(self.data())
            .arg("--config")
            .arg(self.dir.path().join("config.toml"))
            .args(args)
            .env("CAPTURE_STATION_PASSPHRASE", PASS)
            .env_remove("RUST_LOG");
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn photo(&self, name: &str, seed: u32) -> PathBuf {
        let path = self.dir.path().join(name);
        let mut scene = capture_station::camera::DemoScene::new(1920, 1080);
        let (img, _) = scene.render(
            0.1 * seed as f32,
            capture_station::camera::DemoDefect::Good,
            false,
            None,
            seed.into(),
        );
        img.save(&path).unwrap();
        path
    }

    fn shoot(&self, no: &str, seed: u32) {
        self.ok(&[
            "student",
            "add",
            no,
            "--name",
            "张三",
            "--class",
            "计科2001",
        ]);
        let p = self.photo(&format!("{no}.png"), seed);
        let code = format!("QR-{no}");
        self.ok(&[
            "ingest",
            p.to_str().unwrap(),
            "--student",
            no,
            "--code",
            &code,
        ]);
    }
}

/// Every file and folder under `root` that group or others can read, write or enter.
fn exposed(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(p) = stack.pop() {
        let meta = std::fs::symlink_metadata(&p).unwrap();
        if meta.permissions().mode() & 0o077 != 0 {
            out.push(format!(
                "{} {:o}",
                p.display(),
                meta.permissions().mode() & 0o777
            ));
        }
        if meta.is_dir() {
            stack.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        }
    }
    out
}

#[test]
fn nothing_is_world_readable_under_umask_022() {
    let st = Station::new();
    st.shoot("T-0001", 1);
    st.shoot("T-0002", 2);
    let export = st.dir.path().join("export");
    st.ok(&["queue", "export", "--out", export.to_str().unwrap()]);
    st.ok(&["upload", "--once"]);
    let keys = st.dir.path().join("enrolled");
    std::fs::create_dir(&keys).unwrap();
    st.ok(&[
        "station-key",
        "export",
        "--out",
        keys.join("T1.pub").to_str().unwrap(),
    ]);
    let key_file = st.dir.path().join("registrar.key");
    st.registrar.write_new(&key_file).unwrap();
    let unpacked = st.dir.path().join("unpacked");
    st.ok(&[
        "unpack",
        st.data().join("outbox").to_str().unwrap(),
        "--out",
        unpacked.to_str().unwrap(),
        "--key",
        key_file.to_str().unwrap(),
        "--stations",
        keys.to_str().unwrap(),
    ]);
    assert!(st.data().join("station.db").is_file());
    assert!(st.data().join("logs").is_dir());
    assert!(unpacked.join("T-0002.jpg").is_file());
    for root in [st.data(), export, unpacked] {
        let bad = exposed(&root);
        assert!(bad.is_empty(), "readable by others: {bad:#?}");
    }
}

#[test]
fn an_existing_data_dir_and_database_are_made_private() {
    let st = Station::new();
    std::fs::set_permissions(st.data(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let db = st.data().join("station.db");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    st.ok(&["queue", "stats"]);
    assert!(exposed(&st.data()).is_empty(), "{:#?}", exposed(&st.data()));
}

#[test]
fn exports_never_follow_a_symlink_or_overwrite_without_force() {
    let st = Station::new();
    st.shoot("T-0001", 1);
    let out = st.dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let victim = st.dir.path().join("victim.txt");
    std::fs::write(&victim, b"precious").unwrap();
    std::os::unix::fs::symlink(&victim, out.join("T-0001.jpg")).unwrap();
    let res = st.run(&["queue", "export", "--out", out.to_str().unwrap()]);
    assert_eq!(res.status.code(), Some(2));
    let err = String::from_utf8_lossy(&res.stderr);
    assert!(err.contains("exist already"), "{err}");
    assert!(err.contains("--force"), "{err}");
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    st.ok(&["queue", "export", "--out", out.to_str().unwrap(), "--force"]);
    assert_eq!(
        std::fs::read(&victim).unwrap(),
        b"precious",
        "wrote through the link"
    );
    let meta = std::fs::symlink_metadata(out.join("T-0001.jpg")).unwrap();
    assert!(meta.is_file(), "the link was replaced by the photo");
}

#[test]
fn file_name_templates_cannot_leave_the_export_folder() {
    let st = Station::new();
    for bad in [
        "../{student_no}.jpg",
        "sub/{student_no}.jpg",
        "..\\\\{student_no}.jpg",
    ] {
        st.write_config(&format!("\n[export]\nfile_name = \"{bad}\"\n"));
        let res = st.run(&["queue", "stats"]);
        assert_eq!(res.status.code(), Some(2), "{bad}");
        let err = String::from_utf8_lossy(&res.stderr);
        assert!(err.contains("export.file_name"), "{bad}: {err}");
    }
}

#[test]
fn a_closed_pipe_ends_the_command_without_a_panic() {
    let st = Station::new();
    for args in [&["config"][..], &["queue", "stats"], &["--help"]] {
        let mut child = st
            .cmd(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Close the reading end before the command writes, as `| head -1` does after one line.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_ne!(out.status.code(), Some(101), "{args:?}: {err}");
    }
}

#[test]
fn config_redacts_secrets_and_check_on_a_missing_file_exits_2() {
    let st = Station::new();
    st.write_config(
        "target = \"s3\"\n\n[upload.s3]\nendpoint = \"http://127.0.0.1:9\"\nbucket = \"b\"\naccess_key_id = \"AKIAEXAMPLEKEY1234\"\nsecret_access_key = \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"\n",
    );
    let out = st.ok(&["config"]);
    assert!(!out.contains("wJalrXUtnFEMI"), "{out}");
    assert!(!out.contains("AKIAEXAMPLEKEY"), "{out}");
    assert!(out.contains("secret_access_key = \"<redacted>\""), "{out}");
    let res = st.run(&["check", st.dir.path().join("missing.jpg").to_str().unwrap()]);
    assert_eq!(res.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&res.stdout).contains("ERROR"));
}
