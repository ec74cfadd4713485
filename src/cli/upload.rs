//! `upload [--once] [--target NAME]`, `upload status`, `unpack`, `purge`, `export-key`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::{Args, Subcommand};

use super::Failure;
use super::context::{Context, actor};
use crate::store::{NameTemplate, Store};
use crate::upload::deliver::Event;
use crate::upload::worker::recipient;
use crate::upload::{
    Backoff, EnrolledStations, ExportSecretKey, Target, UploadWorker, Uploader, WorkerConfig,
    WorkerPhase, purge, unpack,
};

/// Options of `upload`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct UploadArgs {
    /// `status`; without a subcommand, deliver the waiting photos.
    #[command(subcommand)]
    pub command: Option<UploadCommand>,
    /// Try every waiting photo once, then exit (exit 1 if any failed). Without it, retry with backoff until
    /// every photo is delivered.
    #[arg(long)]
    pub once: bool,
    /// `folder` or `s3` instead of `upload.target`.
    #[arg(long, value_name = "NAME")]
    pub target: Option<String>,
    /// Without --once: give up after this many seconds (exit 1 while photos remain).
    #[arg(long, value_name = "SECS")]
    pub max_wait: Option<u64>,
}

/// `upload` subcommands.
#[derive(Debug, Subcommand)]
pub enum UploadCommand {
    /// Queued, failed and uploaded counts, last upload and last error.
    Status {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Options of `unpack` (run at the registrar).
#[derive(Debug, Args)]
pub struct UnpackArgs {
    /// Folder holding the packages (searched recursively; several stations may be mixed).
    pub package_dir: PathBuf,
    /// Where to write the JPEGs, index.csv and index.xlsx.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The export secret key file.
    #[arg(long, value_name = "FILE", env = "CAPTURE_STATION_EXPORT_KEY")]
    pub key: PathBuf,
    /// Folder of enrolled station keys (`*.pub` from `station-key export`); adds to `[registrar] stations`.
    #[arg(long, value_name = "DIR")]
    pub stations: Option<PathBuf>,
    /// Replace JPEGs and index files that already exist in --out (never through a symbolic link).
    #[arg(long)]
    pub force: bool,
}

/// `station-key` subcommands (at the station).
#[derive(Debug, Subcommand)]
pub enum StationKeyCommand {
    /// Write this station's public signing key to a file for enrolment at the registrar.
    Export {
        /// File to create (e.g. A1.pub); an existing file is not overwritten.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Print this station's public signing key and its fingerprint.
    Show,
}

/// Options of `purge`.
#[derive(Debug, Args)]
pub struct PurgeArgs {
    /// Only list what would be purged.
    #[arg(long)]
    pub dry_run: bool,
}

/// `export-key` subcommands.
#[derive(Debug, Subcommand)]
pub enum ExportKeyCommand {
    /// Create a new export key pair (at the registrar); prints the public key for the stations' config.
    New {
        /// Secret key file to create (never overwritten; keep it off the stations).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Print the public key of a secret key file.
    Public {
        /// The secret key file.
        file: PathBuf,
    },
}

fn unlock(ctx: &Context) -> Result<crate::crypto::DataKey, Failure> {
    let wrapped = Store::read_key_material(&ctx.db_path())?;
    let pass = super::passphrase::existing().map_err(Failure::Error)?;
    Ok(crate::crypto::DataKey::unwrap(&pass, &wrapped)?)
}

fn print_event(ev: &Event) {
    match ev {
        Event::Sending { .. } => {}
        Event::Confirmed {
            photo_id,
            bytes,
            remote_key,
        } => println!("uploaded photo #{photo_id} ({bytes} bytes) → {remote_key}"),
        Event::Failed {
            photo_id,
            attempts,
            error,
            retry_in,
        } => eprintln!(
            "FAILED photo #{photo_id} (attempt {attempts}): {}; retry in {}s",
            error.en,
            retry_in.as_secs()
        ),
    }
}

/// Runs `upload`.
pub fn run_upload(ctx: &Context, args: &UploadArgs) -> Result<(), Failure> {
    let settings = &ctx.config.upload;
    if let Some(UploadCommand::Status { json }) = &args.command {
        return status(ctx, *json);
    }
    let recipient = recipient(settings)?;
    if args.once {
        let target = Target::from_settings(settings, &ctx.data_dir, args.target.as_deref())?;
        let store = ctx.open_store()?;
        let backoff = Backoff::from_ms(settings.retry_initial_ms, settings.retry_max_ms);
        let mut uploader = Uploader::new(store, target, recipient, backoff, &actor());
        let report = uploader.pass(true, &mut print_event, &|| false)?;
        let left = uploader.store().upload_counts()?;
        println!(
            "uploaded {} photos ({} bytes) to {}; {} still waiting",
            report.confirmed,
            report.bytes,
            uploader.target().describe(),
            left.queued
        );
        if let Some(e) = report.target_error {
            return Err(Failure::Problems(format!("upload stopped: {e}")));
        }
        if report.failed > 0 {
            return Err(Failure::Problems(format!(
                "{} photos failed; they stay queued",
                report.failed
            )));
        }
        return Ok(());
    }
    let worker = UploadWorker::spawn(WorkerConfig {
        db_path: ctx.db_path(),
        key: unlock(ctx)?,
        data_dir: ctx.data_dir.clone(),
        settings: settings.clone(),
        target: args.target.clone(),
        actor: actor(),
        idle_poll: Duration::from_secs(2),
    })?;
    let started = Instant::now();
    let mut printed = (0u64, None::<String>);
    loop {
        std::thread::sleep(Duration::from_millis(100));
        let st = worker.status();
        if st.session_confirmed != printed.0 {
            println!(
                "uploaded {} photos ({} bytes) to {}; {} waiting",
                st.session_confirmed, st.session_bytes, st.target, st.counts.queued
            );
        }
        let err = st.error.as_ref().map(|t| t.en.clone());
        if err.is_some() && err != printed.1 {
            eprintln!(
                "upload error: {}; retrying in {}s",
                err.as_deref().unwrap_or(""),
                st.retry_in_ms.unwrap_or(0) / 1000
            );
        }
        printed = (st.session_confirmed, err);
        match st.phase {
            WorkerPhase::Stopped => {
                return Err(Failure::Error(
                    st.error
                        .map(|t| t.en)
                        .unwrap_or_else(|| "the upload worker stopped".into()),
                ));
            }
            WorkerPhase::Idle if st.counts.queued == 0 => {
                worker.stop();
                println!("all accepted photos are uploaded");
                return Ok(());
            }
            _ => {}
        }
        if let Some(max) = args.max_wait
            && started.elapsed() >= Duration::from_secs(max)
        {
            let queued = st.counts.queued;
            worker.stop();
            return Err(Failure::Problems(format!(
                "gave up after {max}s with {queued} photos still waiting; they stay queued"
            )));
        }
    }
}

fn status(ctx: &Context, json: bool) -> Result<(), Failure> {
    let store = ctx.open_store()?;
    let counts = store.upload_counts()?;
    let target = Target::from_settings(&ctx.config.upload, &ctx.data_dir, None)
        .map(|t| t.describe())
        .unwrap_or_else(|e| format!("not usable: {e}"));
    if json {
        let mut v = serde_json::to_value(&counts)?;
        v["target"] = serde_json::Value::String(target);
        println!("{v}");
        return Ok(());
    }
    println!("target       {target}");
    println!(
        "queued       {} ({} after a failed attempt; {} JPEG bytes)",
        counts.queued, counts.failed, counts.queued_bytes
    );
    println!("uploaded     {}", counts.uploaded);
    println!("purged       {}", counts.purged);
    println!(
        "last upload  {}",
        counts.last_confirmed_at.as_deref().unwrap_or("never")
    );
    if let Some(e) = &counts.last_error {
        println!("last error   {e}");
    }
    if let Some(n) = &counts.next_attempt_at {
        println!("next retry   {n}");
    }
    Ok(())
}

/// Runs `unpack`.
pub fn run_unpack(ctx: &Context, args: &UnpackArgs) -> Result<(), Failure> {
    let secret = ExportSecretKey::read(&args.key)?;
    let template = NameTemplate::parse(&ctx.config.export.file_name).map_err(Failure::Error)?;
    let mut stations = EnrolledStations::default();
    stations.add_config(&ctx.config.registrar.stations)?;
    if let Some(dir) = &args.stations {
        stations.add_dir(dir)?;
    }
    let report = unpack::unpack(
        &args.package_dir,
        &args.out,
        &secret,
        &stations,
        &template,
        args.force,
    )?;
    for r in &report.refused {
        eprintln!("REFUSED {}", unpack::describe_refusal(r));
    }
    for c in &report.conflicts {
        println!(
            "conflict: {} photo #{} (student {}) has the same {} as kept {} photo #{}",
            c.station_id, c.photo_id, c.student_no, c.shared, c.kept_station_id, c.kept_photo_id
        );
    }
    println!(
        "wrote {} photos, {} and {} ({} conflicts, {} refused, {} duplicate copies)",
        report.written.len(),
        report.index.display(),
        report.index_xlsx.display(),
        report.conflicts.len(),
        report.refused.len(),
        report.duplicates
    );
    if report.refused.is_empty() {
        Ok(())
    } else {
        Err(Failure::Problems(format!(
            "{} packages were refused; see above",
            report.refused.len()
        )))
    }
}

/// Runs `purge`.
pub fn run_purge(ctx: &Context, args: &PurgeArgs) -> Result<(), Failure> {
    let mut store = ctx.open_store()?;
    let days = ctx.config.upload.retention_days;
    let target = Target::from_settings(&ctx.config.upload, &ctx.data_dir, None)?;
    let report = purge::purge(&mut store, &target, days, args.dry_run, &actor())?;
    for k in &report.kept {
        eprintln!("KEPT photo #{}: {}", k.photo_id, k.reason);
    }
    for c in report
        .due
        .iter()
        .filter(|c| !report.kept.iter().any(|k| k.photo_id == c.photo_id))
    {
        println!(
            "{} photo #{} ({}), uploaded {}",
            if args.dry_run {
                "would purge"
            } else {
                "purged"
            },
            c.photo_id,
            c.student_no,
            c.confirmed_at
        );
    }
    println!(
        "{} photos past the {days}-day retention; {} purged, {} kept",
        report.due.len(),
        report.purged,
        report.kept.len()
    );
    if report.kept.is_empty() {
        Ok(())
    } else {
        Err(Failure::Problems(format!(
            "{} photos were kept because the target no longer shows their package; see above",
            report.kept.len()
        )))
    }
}

/// Runs `station-key`.
pub fn run_station_key(ctx: &Context, cmd: &StationKeyCommand) -> Result<(), Failure> {
    let store = ctx.open_store()?;
    let key = store.station_public_key();
    match cmd {
        StationKeyCommand::Export { out } => {
            let text = crate::upload::stations::key_file_text(
                store.station_id(),
                &store.station_name()?,
                &key,
            );
            crate::files::write_new_private(out, text.as_bytes(), false)
                .map_err(|e| Failure::Error(format!("{}: {e}", out.display())))?;
            println!(
                "wrote station {}'s public signing key (fingerprint {}) to {}",
                store.station_id(),
                key.fingerprint(),
                out.display()
            );
            println!("at the registrar, put it in the folder given to `unpack --stations`");
        }
        StationKeyCommand::Show => {
            println!("station     {}", store.station_id());
            println!("public key  {}", key.to_hex());
            println!("fingerprint {}", key.fingerprint());
        }
    }
    Ok(())
}

/// Runs `export-key`.
pub fn run_export_key(cmd: &ExportKeyCommand) -> Result<(), Failure> {
    match cmd {
        ExportKeyCommand::New { out } => {
            let key = ExportSecretKey::generate();
            key.write_new(out)?;
            println!("wrote the export secret key to {}", out.display());
            println!("keep it at the registrar; put this in every station's config:");
            println!(
                "[upload]\nexport_public_key = \"{}\"",
                key.public().to_hex()
            );
        }
        ExportKeyCommand::Public { file } => {
            println!("{}", ExportSecretKey::read(file)?.public().to_hex());
        }
    }
    Ok(())
}
