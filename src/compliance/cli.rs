//! `capture-station check IMAGE... [--frame] [--json] [--crop-out DIR]`: audits finished photos against the
//! spec as they are, or (`--frame`) judges raw camera frames exactly as the shoot path does: cut, then judge.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::json;

use super::spec::PhotoSpec;
use super::{FinalShot, Outcome, Verdict, evaluate_photo, final_check};
use crate::imaging::{DecodeLimits, decode_file};

/// Arguments of the `check` subcommand.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Photos to check (JPEG or PNG), judged as finished spec photos (or as raw frames with `--frame`).
    #[arg(required = true, value_name = "IMAGE")]
    pub images: Vec<PathBuf>,
    /// The images are raw camera frames (e.g. a DSLR folder): plan the 480×640 crop from the face and
    /// judge it, exactly as the station's shoot path does.
    #[arg(long)]
    pub frame: bool,
    /// Print one JSON object per image and line instead of text.
    #[arg(long)]
    pub json: bool,
    /// Also cut each image to the spec (480×640 JPEG in the size window) and write it into DIR.
    #[arg(long, value_name = "DIR")]
    pub crop_out: Option<PathBuf>,
}

fn outcome_str(o: Outcome) -> &'static str {
    match o {
        Outcome::Pass => "pass",
        Outcome::Warn => "warn",
        Outcome::Fail => "fail",
    }
}

fn verdict_json(file: &Path, v: &Verdict) -> serde_json::Value {
    let checks: Vec<_> = v
        .checks
        .iter()
        .map(|c| {
            json!({
                "id": c.id, "outcome": outcome_str(c.outcome), "value": c.value, "threshold": c.threshold,
                "reason": c.reason_en, "reason_zh": c.reason_zh, "hint": c.hint_en, "hint_zh": c.hint_zh,
            })
        })
        .collect();
    json!({"file": file.display().to_string(), "pass": v.pass, "failed_checks": v.failed_ids(), "checks": checks})
}

fn error_json(file: &Path, err: &str) -> serde_json::Value {
    json!({"file": file.display().to_string(), "pass": false, "error": err, "failed_checks": [], "checks": []})
}

fn write_crop(shot: &FinalShot, dir: &Path, file: &Path) -> Result<PathBuf, String> {
    let stem = file
        .file_stem()
        .map_or_else(|| "photo".into(), |s| s.to_string_lossy().into_owned());
    let out = dir.join(format!("{stem}.jpg"));
    std::fs::write(&out, &shot.jpeg.bytes)
        .map_err(|e| format!("{}: cannot write crop: {e}", out.display()))?;
    Ok(out)
}

/// Runs `check`, writing to `out`. Returns exit code 0 when every photo passes, 1 when any fails or cannot
/// be read. `Err` is a usage error (exit code 2): an invalid spec or an unusable `--crop-out` directory.
pub fn run_to(args: &Args, spec: &PhotoSpec, out: &mut dyn Write) -> Result<ExitCode, String> {
    spec.validate().map_err(|e| e.to_string())?;
    if let Some(dir) = &args.crop_out {
        std::fs::create_dir_all(dir).map_err(|e| format!("--crop-out {}: {e}", dir.display()))?;
    }
    let mut all_pass = true;
    let mut unreadable = false;
    for file in &args.images {
        let line = match decode_file(file, DecodeLimits::default()) {
            Err(e) => {
                all_pass = false;
                unreadable = true;
                if args.json {
                    error_json(file, &e.to_string()).to_string()
                } else {
                    format!("ERROR {e}")
                }
            }
            Ok(img) => {
                // A frame is cut then judged; a finished photo is judged as it is (and cut only for
                // `--crop-out`).
                let shot = (args.frame || args.crop_out.is_some())
                    .then(|| final_check(&img, spec).map_err(|e| e.to_string()));
                let verdict = match (&shot, args.frame) {
                    (Some(Ok(s)), true) => Ok(s.verdict.clone()),
                    (Some(Err(e)), true) => Err(e.clone()),
                    _ => evaluate_photo(&img, spec)
                        .map(|(v, _)| v)
                        .map_err(|e| e.to_string()),
                };
                let verdict = match verdict {
                    Ok(v) => v,
                    Err(e) => {
                        all_pass = false;
                        let line = if args.json {
                            error_json(file, &e).to_string()
                        } else {
                            format!("ERROR {}: {e}", file.display())
                        };
                        writeln!(out, "{line}").map_err(|e| format!("cannot write output: {e}"))?;
                        continue;
                    }
                };
                all_pass &= verdict.pass;
                let crop_note = args.crop_out.as_ref().and_then(|dir| {
                    shot.as_ref().map(|s| match s {
                        Ok(s) => write_crop(s, dir, file),
                        Err(e) => Err(e.clone()),
                    })
                });
                if args.json {
                    let mut v = verdict_json(file, &verdict);
                    match crop_note {
                        Some(Ok(p)) => v["crop"] = json!(p.display().to_string()),
                        Some(Err(e)) => v["crop_error"] = json!(e),
                        None => {}
                    }
                    v.to_string()
                } else {
                    let mut s = format!(
                        "{} {}",
                        if verdict.pass { "PASS" } else { "FAIL" },
                        file.display()
                    );
                    for c in verdict.checks.iter().filter(|c| c.outcome != Outcome::Pass) {
                        s.push_str(&format!(
                            "\n  {} {}: {} ({}) [{} = {}; {}]",
                            outcome_str(c.outcome),
                            c.id,
                            c.reason_en,
                            c.reason_zh,
                            c.id,
                            c.value,
                            c.threshold
                        ));
                    }
                    match crop_note {
                        Some(Ok(p)) => s.push_str(&format!("\n  crop: {}", p.display())),
                        Some(Err(e)) => s.push_str(&format!("\n  crop failed: {e}")),
                        None => {}
                    }
                    s
                }
            }
        };
        writeln!(out, "{line}").map_err(|e| format!("cannot write output: {e}"))?;
    }
    // A file that cannot be read is an error (2), not a finding about a photo (1).
    Ok(if unreadable {
        ExitCode::from(2)
    } else if all_pass {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Runs `check` on stdout (see [`run_to`]).
pub fn run(args: &Args, spec: &PhotoSpec) -> Result<ExitCode, String> {
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    run_to(args, spec, &mut lock)
}
