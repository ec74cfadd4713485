//! The command line: subcommands, global options and exit codes (0 ok, 1 checked and found problems,
//! 2 usage or runtime error).

mod context;
mod group;
mod ingest;
mod passphrase;
mod queue;
mod station;
mod student;
mod upload;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use context::Context;

/// capture-station: photo capture for diploma e-registration (学历证书电子注册图像采集).
#[derive(Debug, Parser)]
#[command(name = "capture-station", version, about)]
pub struct Cli {
    /// Data directory (database, logs, outbox); default: the platform's per-user data directory.
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Configuration file; default: ~/.config/capture-station/config.toml if it exists.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Subcommand; without one the station GUI starts.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the station database and its passphrase.
    Init(station::InitArgs),
    /// Change the station passphrase (photos are not re-encrypted).
    Passwd,
    /// Set the supervisor PIN for the GUI's review view (from CAPTURE_STATION_PIN, else asked twice). A PIN
    /// already set is changed only with the old one (CAPTURE_STATION_OLD_PIN, else asked) or with --reset.
    Pin(station::PinArgs),
    /// Manage students not on the roster.
    #[command(subcommand)]
    Student(student::StudentCommand),
    /// Store an image for a student through the same path the GUI uses.
    Ingest(ingest::IngestArgs),
    /// Inspect, verify and export the photo queue.
    #[command(subcommand)]
    Queue(queue::QueueCommand),
    /// Import class lists, show the shooting order and progress, export follow-up lists.
    #[command(subcommand)]
    Roster(crate::roster::cli::RosterCommand),
    /// Read collection codes from images (JSON lines with --json), to debug a code that "can't be read".
    Decode(crate::code::cli::DecodeArgs),
    /// Check photos against the standard (one JSON line per image with --json).
    Check(crate::compliance::cli::Args),
    /// List cameras and their formats.
    Cameras(crate::camera::cli::CamerasArgs),
    /// Save one full-resolution frame from a source.
    Snapshot(crate::camera::cli::SnapshotArgs),
    /// Print the effective configuration (defaults merged with the config file) as TOML, secrets redacted.
    Config,
    /// Deliver accepted photos as encrypted packages to the configured target; `upload status` shows progress.
    Upload(upload::UploadArgs),
    /// At the registrar: verify packages from any number of stations, write the JPEGs and an index.
    Unpack(upload::UnpackArgs),
    /// Remove the encrypted blobs of photos uploaded longer ago than upload.retention_days (audit trail kept).
    Purge(upload::PurgeArgs),
    /// Create or inspect the registrar's export key pair.
    #[command(subcommand)]
    ExportKey(upload::ExportKeyCommand),
    /// Several stations, one roster: create or join a station group, show it, sync once.
    #[command(subcommand)]
    Group(group::GroupCommand),
    /// Export this station's public signing key for enrolment at the registrar.
    #[command(subcommand)]
    StationKey(upload::StationKeyCommand),
}

/// A failed command: exit 1 for "checked and found problems", 2 for errors.
#[derive(Debug)]
pub enum Failure {
    /// The command ran and found problems (exit 1); the details were already printed.
    Problems(String),
    /// Usage or runtime error (exit 2).
    Error(String),
}

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure::Error(e.to_string())
    }
}

/// Runs a parsed command line that has a subcommand.
pub fn run(ctx: &Context, command: &Command) -> Result<(), Failure> {
    match command {
        Command::Init(args) => station::init(ctx, args),
        Command::Passwd => station::passwd(ctx),
        Command::Pin(args) => station::pin(ctx, args),
        Command::Student(cmd) => student::run(ctx, cmd),
        Command::Ingest(args) => ingest::run(ctx, args),
        Command::Queue(cmd) => queue::run(ctx, cmd),
        Command::Roster(cmd) => {
            let mut store = ctx.open_store()?;
            let lang = crate::i18n::Lang::from_config(&ctx.config.ui.language);
            let out = crate::roster::cli::run(
                &mut store,
                &ctx.config.roster,
                cmd,
                &context::actor(),
                lang,
            )
            .map_err(Failure::Error)?;
            print!("{}", out.stdout);
            if out.exit_code == 0 {
                Ok(())
            } else {
                Err(Failure::Problems(String::new()))
            }
        }
        Command::Check(args) => {
            match crate::compliance::cli::run(args, &ctx.config.spec).map_err(Failure::Error)? {
                code if code == ExitCode::SUCCESS => Ok(()),
                code if code == ExitCode::from(2) => Err(Failure::Error(
                    "some files could not be read as images; see the ERROR lines above".into(),
                )),
                _ => Err(Failure::Problems(String::new())),
            }
        }
        Command::Decode(args) => match crate::code::cli::run(args) {
            code if code == ExitCode::SUCCESS => Ok(()),
            _ => Err(Failure::Problems(String::new())),
        },
        Command::Cameras(args) => Ok(crate::camera::cli::run_cameras(args)?),
        Command::Snapshot(args) => Ok(crate::camera::cli::run_snapshot_with(
            args,
            &ctx.config.camera,
        )?),
        Command::Upload(args) => upload::run_upload(ctx, args),
        Command::Unpack(args) => upload::run_unpack(ctx, args),
        Command::Purge(args) => upload::run_purge(ctx, args),
        Command::ExportKey(cmd) => upload::run_export_key(cmd),
        Command::StationKey(cmd) => upload::run_station_key(ctx, cmd),
        Command::Group(cmd) => group::run(ctx, cmd),
        Command::Config => {
            print!("{}", toml::to_string(&ctx.config.redacted())?);
            Ok(())
        }
    }
}

/// Maps a command result to the process exit code, printing errors to stderr.
pub fn exit_code(result: Result<(), Failure>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Problems(msg)) => {
            if !msg.is_empty() {
                eprintln!("{msg}");
            }
            ExitCode::from(1)
        }
        Err(Failure::Error(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
    }
}
