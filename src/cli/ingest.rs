//! `ingest IMAGE --student NO --code CODE`: decode, fit to the spec, encode, encrypt, commit, audit.

use std::path::PathBuf;

use clap::Args;

use super::Failure;
use super::context::{Context, actor};
use crate::shot::{ShotOutcome, prepare_shot};
use crate::store::Decision;

/// Options of `ingest`.
#[derive(Debug, Args)]
pub struct IngestArgs {
    /// JPEG or PNG to store.
    pub image: PathBuf,
    /// The student's number (学号).
    #[arg(long)]
    pub student: String,
    /// The collection-code payload (图像采集码) scanned for this student.
    #[arg(long)]
    pub code: String,
    /// Replace the student's current photo (the old one stays in history).
    #[arg(long)]
    pub supersede: bool,
    /// Store a shot that fails the checks for the supervisor, with this reason.
    #[arg(long, value_name = "REASON")]
    pub override_reason: Option<String>,
}

/// Runs `ingest`.
pub fn run(ctx: &Context, args: &IngestArgs) -> Result<(), Failure> {
    // The same checks as a scan at the camera: length (`code.max_len`), pattern, printable text.
    let policy = crate::code::PayloadPolicy::from_settings(&ctx.config.code)?;
    if let Err(why) = policy.validate(args.code.trim()) {
        return Err(Failure::Error(format!(
            "--code: {}; nothing stored",
            why.reason(args.code.trim()).en
        )));
    }
    let mut store = ctx.open_store()?;
    if store.find_student(&args.student)?.is_none() {
        return Err(crate::store::StoreError::UnknownStudent {
            student_no: args.student.clone(),
        }
        .into());
    }
    let shot = prepare_shot(&args.image, &ctx.config.spec)?;
    let decision = match (&shot.outcome, &args.override_reason) {
        (ShotOutcome::Pass, _) => Decision::Accept,
        (ShotOutcome::Fail(_), Some(reason)) if !reason.trim().is_empty() => Decision::Reject {
            reason: reason.trim().to_string(),
        },
        (ShotOutcome::Fail(why), _) => {
            return Err(Failure::Problems(format!(
                "{}: does not meet the photo standard ({why}); nothing stored. Re-shoot, or pass \
                 --override-reason to send it to the supervisor",
                args.image.display()
            )));
        }
    };
    let id = store.store_shot(
        &shot.new_shot(&args.student, &args.code, args.supersede),
        &decision,
        &actor(),
    )?;
    let state = match decision {
        Decision::Accept => "accepted",
        Decision::Reject { .. } => "rejected (awaiting supervisor)",
    };
    println!(
        "committed photo_id={id} student={} state={state} bytes={} quality={}",
        args.student,
        shot.jpeg.bytes.len(),
        shot.jpeg.quality
    );
    Ok(())
}
