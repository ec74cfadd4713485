//! `queue stats | list | verify | export`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::Failure;
use super::context::Context;
use crate::store::{NameTemplate, PhotoFilter, PhotoState};

/// `queue` subcommands.
#[derive(Debug, Subcommand)]
pub enum QueueCommand {
    /// Photo counts by state.
    Stats {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// List photos (metadata only).
    List(ListArgs),
    /// Decrypt every blob and check it; lists bad rows by id (exit 1 if any).
    Verify,
    /// Write the current accepted photos, decrypted, to a folder.
    Export {
        /// Destination folder.
        #[arg(long)]
        out: PathBuf,
        /// Replace files that already exist there (never through a symbolic link).
        #[arg(long)]
        force: bool,
    },
}

/// Options of `queue list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only photos in this state (captured, accepted, rejected, override_accepted, reshoot_requested,
    /// uploaded, purged).
    #[arg(long)]
    pub state: Option<String>,
    /// Include photos replaced by a newer shot.
    #[arg(long)]
    pub all: bool,
    /// One JSON object per line.
    #[arg(long)]
    pub json: bool,
}

/// Runs a `queue` subcommand.
pub fn run(ctx: &Context, cmd: &QueueCommand) -> Result<(), Failure> {
    let store = ctx.open_store()?;
    match cmd {
        QueueCommand::Stats { json } => {
            let stats = store.queue_stats()?;
            if *json {
                println!("{}", serde_json::to_string(&stats)?);
            } else {
                for (state, n) in &stats.by_state {
                    println!("{:<18} {n}", state.as_str());
                }
                println!("{:<18} {}", "superseded", stats.superseded);
                println!(
                    "students {} (with an accepted photo: {})",
                    stats.students, stats.students_done
                );
            }
        }
        QueueCommand::List(args) => {
            let state = match &args.state {
                None => None,
                Some(s) => Some(PhotoState::parse(s).ok_or_else(|| {
                    Failure::Error(format!(
                        "--state {s:?}: unknown state; use one of {}",
                        crate::store::ALL_STATES.map(|s| s.as_str()).join(", ")
                    ))
                })?),
            };
            let rows = store.list_photos(&PhotoFilter {
                state,
                include_superseded: args.all,
                limit: None,
            })?;
            for r in rows {
                if args.json {
                    println!("{}", serde_json::to_string(&r)?);
                } else {
                    println!(
                        "#{:<6} {:<14} {:<10} {:<12} {:<18} {}",
                        r.id,
                        r.student_no,
                        r.name,
                        r.class,
                        r.state.as_str(),
                        r.captured_at
                    );
                }
            }
        }
        QueueCommand::Verify => {
            let report = store.verify()?;
            for bad in &report.bad {
                println!("BAD {}: {}", bad.record, bad.problem);
            }
            println!(
                "verified {} photo blobs, {} bad rows",
                report.checked,
                report.bad.len()
            );
            if !report.bad.is_empty() {
                return Err(Failure::Problems(String::new()));
            }
        }
        QueueCommand::Export { out, force } => {
            let template =
                NameTemplate::parse(&ctx.config.export.file_name).map_err(Failure::Error)?;
            let report = store.export_accepted(out, &template, *force)?;
            println!(
                "exported {} photos to {}",
                report.written.len(),
                out.display()
            );
        }
    }
    Ok(())
}
