//! The real-people evaluation: every frame of the set built by `tools/evalset/build.sh` (real photos from
//! registry packages, cut out and composited on CHSI blues at webcam size, plus injected and real defects)
//! goes through the shoot path (`final_check`: measure → plan → judge the crop). Prints the per-defect
//! recall, the per-check confusion and the two headline numbers (defect recall, false reject), overall and
//! per split, then benchmarks the final check on a real frame.
//!
//! `CAPTURE_STATION_EVALSET` overrides the set's folder (default `target/evalset`); `EVAL_DUMP=FILE` also
//! writes one JSON line of measurements per frame for calibration.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::io::Write;
use std::path::PathBuf;

use capture_station::compliance::{Outcome, PhotoSpec, final_check, ids};
use capture_station::imaging::{DecodeLimits, decode_file};
use criterion::{Criterion, criterion_group, criterion_main};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Label {
    file: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    defects: Vec<String>,
    #[serde(default)]
    expect: Vec<String>,
    #[serde(default)]
    expect_by_defect: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    split: String,
}

fn set_dir() -> PathBuf {
    std::env::var_os("CAPTURE_STATION_EVALSET")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/evalset"))
}

#[derive(Default)]
struct Tally {
    good: usize,
    false_rejects: usize,
    defect_frames: usize,
    defect_caught: usize,
    good_fail_by_check: BTreeMap<String, usize>,
    defect: BTreeMap<String, (usize, usize)>,
    defect_fired: BTreeMap<String, BTreeMap<String, usize>>,
}

impl Tally {
    fn print(&self, title: &str) {
        let (n, caught) = (self.defect_frames, self.defect_caught);
        println!("\n== {title} ==");
        println!(
            "defect recall {:.3} ({caught}/{n}); false reject {:.3} ({}/{})",
            caught as f64 / n.max(1) as f64,
            self.false_rejects as f64 / self.good.max(1) as f64,
            self.false_rejects,
            self.good
        );
        println!(
            "{:<22} {:>6} {:>8} {:>7}  checks that failed",
            "defect type", "frames", "caught", "recall"
        );
        for (d, (n, c)) in &self.defect {
            let fired: Vec<String> = self.defect_fired[d]
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect();
            println!(
                "{d:<22} {n:>6} {c:>8} {:>7.3}  {}",
                *c as f64 / (*n).max(1) as f64,
                fired.join(", ")
            );
        }
        println!("{:<22} {:>14}", "check", "fails on good");
        for id in ids::ALL {
            let v = self.good_fail_by_check.get(id).copied().unwrap_or(0);
            println!(
                "{id:<22} {v:>6} ({:.3})",
                v as f64 / self.good.max(1) as f64
            );
        }
    }
}

fn evaluate(spec: &PhotoSpec) -> Option<PathBuf> {
    let dir = set_dir();
    let labels_path = dir.join("labels.json");
    let Ok(text) = std::fs::read_to_string(&labels_path) else {
        println!(
            "real-people set not found at {} — build it with `bash tools/evalset/build.sh`",
            labels_path.display()
        );
        return None;
    };
    let labels: Vec<Label> = match serde_json::from_str(&text) {
        Ok(l) => l,
        Err(e) => {
            println!("{}: {e}", labels_path.display());
            return None;
        }
    };
    let mut dump = std::env::var_os("EVAL_DUMP").and_then(|p| std::fs::File::create(p).ok());
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    let mut sample = None;
    for l in &labels {
        let path = dir.join(&l.file);
        let img = match decode_file(&path, DecodeLimits::default()) {
            Ok(i) => i,
            Err(e) => {
                println!("skip {}: {e}", path.display());
                continue;
            }
        };
        let shot = final_check(&img, spec);
        let values: BTreeMap<String, (String, f64)> = shot
            .as_ref()
            .map(|s| {
                s.verdict
                    .checks
                    .iter()
                    .map(|c| (c.id.clone(), (format!("{:?}", c.outcome), c.value)))
                    .collect()
            })
            .unwrap_or_default();
        let (failed, m) = match &shot {
            Ok(s) => (
                s.verdict
                    .checks
                    .iter()
                    .filter(|c| c.outcome == Outcome::Fail)
                    .map(|c| c.id.clone())
                    .collect::<Vec<_>>(),
                Some(s.measurements.clone()),
            ),
            Err(e) => (vec![format!("error: {e}")], None),
        };
        if let Some(f) = dump.as_mut() {
            let line = serde_json::json!({
                "file": l.file, "subject": l.subject, "defects": l.defects, "expect": l.expect,
                "split": l.split, "failed": failed, "m": m, "checks": values,
            });
            let _ = writeln!(f, "{line}");
        }
        for key in ["all".to_string(), format!("split {}", l.split)] {
            let t = tallies.entry(key).or_default();
            if l.defects.is_empty() {
                t.good += 1;
                if !failed.is_empty() {
                    t.false_rejects += 1;
                }
                for id in &failed {
                    *t.good_fail_by_check.entry(id.clone()).or_default() += 1;
                }
            } else {
                // A frame counts once for the headline; each of its defects counts for its own type,
                // caught when one of that type's checks fails.
                t.defect_frames += 1;
                t.defect_caught += usize::from(failed.iter().any(|f| l.expect.contains(f)));
                for d in &l.defects {
                    let expect = l.expect_by_defect.get(d).unwrap_or(&l.expect);
                    let caught = failed.iter().any(|f| expect.contains(f));
                    let e = t.defect.entry(d.clone()).or_default();
                    e.0 += 1;
                    e.1 += usize::from(caught);
                    let fired = t.defect_fired.entry(d.clone()).or_default();
                    for id in &failed {
                        *fired.entry(id.clone()).or_default() += 1;
                    }
                }
            }
        }
        if sample.is_none() && l.defects.is_empty() && failed.is_empty() {
            sample = Some(path);
        }
    }
    for (k, t) in &tallies {
        t.print(k);
    }
    sample
}

/// Runs the evaluation with the default spec (printing the tables); for calibration runs outside criterion.
pub fn run_eval() {
    evaluate(&PhotoSpec::default());
}

fn bench(c: &mut Criterion) {
    let spec = PhotoSpec::default();
    let Some(path) = evaluate(&spec) else { return };
    let Ok(frame) = decode_file(&path, DecodeLimits::default()) else {
        return;
    };
    c.bench_function("final_check_real_frame_1280x720", |b| {
        b.iter(|| black_box(final_check(black_box(&frame), &spec).map(|s| s.verdict.pass)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
