//! Shared helpers for the integration tests: a station in a temp dir and the real binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use image::{Rgb, RgbImage};

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
            "[security]\nkdf_memory_kib = 256\nkdf_iterations = 1\n",
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

    /// Writes a photo-like JPEG into the temp dir and returns its path.
    pub fn photo(&self, name: &str, seed: u32) -> PathBuf {
        let path = self.dir.path().join(name);
        portrait_frame(1280, 720, seed).save(&path).unwrap();
        path
    }
}

/// A frame that compresses like a real photo: a blue backdrop with noise and a head-and-shoulders shape.
pub fn portrait_frame(w: u32, h: u32, seed: u32) -> RgbImage {
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    let (cx, cy) = (w as f32 / 2.0, h as f32 * 0.42);
    RgbImage::from_fn(w, h, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let n = (state % 23) as i32 - 11;
        let (dx, dy) = (
            (x as f32 - cx) / (h as f32 * 0.16),
            (y as f32 - cy) / (h as f32 * 0.22),
        );
        let base: [i32; 3] = if dx * dx + dy * dy < 1.0 {
            [205, 160, 130]
        } else if y as f32 > h as f32 * 0.68 && (x as f32 - cx).abs() < h as f32 * 0.45 {
            [40, 40, 48]
        } else {
            [100, 197, 255]
        };
        let c = |v: i32| (v + n + ((x / 7 + y / 5) % 9) as i32).clamp(0, 255) as u8;
        Rgb([c(base[0]), c(base[1]), c(base[2])])
    })
}

/// True if `needle` occurs in `hay`.
pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Reads a file, or an empty vector if it does not exist.
pub fn read_or_empty(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_default()
}
