//! `capture-station decode IMAGE... [--json]`: read the codes in image files, for debugging a
//! phone or printout the station "can't read".

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use super::decode::{DecodeOptions, Decoder};
use super::payload::short_form;

/// Arguments of the `decode` subcommand.
#[derive(Debug, Clone, clap::Args)]
pub struct DecodeArgs {
    /// Image files (JPEG or PNG) to read.
    #[arg(required = true, value_name = "IMAGE")]
    pub images: Vec<PathBuf>,
    /// Print one JSON object per image: {"file", "payloads", "ms", "passes"} (or "error");
    /// "passes" lists the decoder passes that ran, their time and which one read the code.
    #[arg(long)]
    pub json: bool,
}

/// Decode every image and print the payloads. Exit code 0 when every image held a code,
/// 1 when any image had none or could not be read. (Clap reports usage errors with 2.)
pub fn run(args: &DecodeArgs) -> ExitCode {
    let mut decoder = Decoder::new(DecodeOptions {
        // Offline: no per-frame budget worth saving time for.
        budget: Duration::from_secs(5),
        try_inverted: true,
    });
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut all_found = true;
    for path in &args.images {
        let file = path.display().to_string();
        let line = match image::open(path) {
            Err(e) => {
                all_found = false;
                if args.json {
                    serde_json::json!({ "file": file, "payloads": [], "error": e.to_string() })
                        .to_string()
                } else {
                    format!("{file}: cannot read image / 无法读取图像: {e}")
                }
            }
            Ok(img) => {
                let gray = img.to_luma8();
                let t = Instant::now();
                let report = decoder.decode(&gray, None);
                let ms = t.elapsed().as_secs_f64() * 1000.0;
                let payloads: Vec<&str> = report.codes.iter().map(|c| c.payload.as_str()).collect();
                if payloads.is_empty() {
                    all_found = false;
                }
                if args.json {
                    let passes: Vec<_> = report
                        .trace
                        .iter()
                        .map(|p| {
                            serde_json::json!({
                                "pass": p.name,
                                "ms": (p.ms * 10.0).round() / 10.0,
                                "read": p.found,
                            })
                        })
                        .collect();
                    serde_json::json!({
                        "file": file,
                        "payloads": payloads,
                        "ms": (ms * 10.0).round() / 10.0,
                        "passes": passes,
                    })
                    .to_string()
                } else if payloads.is_empty() {
                    format!("{file}: no code found / 未找到二维码 ({ms:.1} ms)")
                } else {
                    let mut s = format!("{file}: {} code(s) ({ms:.1} ms)", payloads.len());
                    for p in &payloads {
                        s.push_str(&format!("\n  {}  {p}", short_form(p)));
                    }
                    s
                }
            }
        };
        if writeln!(out, "{line}").is_err() {
            return ExitCode::from(1);
        }
    }
    if all_found {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
