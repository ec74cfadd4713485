//! Shared helpers for the integration tests: a station in a temp dir and the real binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Passphrase used by every test station.
pub const PASS: &str = "test-passphrase";

/// A temporary station: data dir, config with a cheap KDF, and helpers to run the binary.
pub struct Station {
    pub dir: tempfile::TempDir,
}

impl Station {
    /// Creates the station with `init`.
    pub fn new() -> Station {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("config.toml"),
            "[security]\nkdf_memory_kib = 19456\nkdf_iterations = 2\n",
        )
        .unwrap();
        let st = Station { dir };
        let out = st.run(&["init", "--station-id", "T1", "--station-name", "测试机位"]);
        assert!(
            out.status.success(),
            "init failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        st
    }

    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn db(&self) -> PathBuf {
        self.data().join("station.db")
    }

    /// The binary with `--data-dir`, `--config` and the passphrase set.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_capture-station"));
        c.arg("--data-dir")
            .arg(self.data())
            .arg("--config")
            .arg(self.dir.path().join("config.toml"));
        c.args(args)
            .env("CAPTURE_STATION_PASSPHRASE", PASS)
            .env_remove("RUST_LOG");
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    /// Runs and asserts success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?} failed ({:?}): {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    pub fn add_student(&self, no: &str, name: &str, class: &str) {
        self.ok(&["student", "add", no, "--name", name, "--class", class]);
    }

    /// Writes a compliant 1920×1080 demo-subject frame as JPEG into the temp dir and returns its path.
    pub fn photo(&self, name: &str, seed: u32) -> PathBuf {
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
}

/// True if `needle` occurs in `hay`.
pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Reads a file, or an empty vector if it does not exist.
pub fn read_or_empty(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_default()
}

/// Stores `jpeg` as the accepted 480×640 photo of `student_no` with collection code `code` (no check rows,
/// verdict pass), as the station does after "accept".
pub fn accept_photo(
    store: &mut capture_station::store::Store,
    student_no: &str,
    code: &str,
    jpeg: &[u8],
) -> capture_station::store::PhotoId {
    store
        .store_shot(
            &capture_station::store::NewShot {
                student_no,
                code,
                jpeg,
                width: 480,
                height: 640,
                quality: 80,
                checks: &[],
                verdict_pass: Some(true),
                supersede: false,
            },
            &capture_station::store::Decision::Accept,
            "test",
        )
        .unwrap()
}
