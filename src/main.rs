//! The `capture-station` binary: starts the GUI, or runs a subcommand.

use std::process::ExitCode;

use clap::Parser;

use capture_station::cli::{self, Cli, Context, Failure};

fn main() -> ExitCode {
    capture_station::i18n::init_local_offset();
    let args = Cli::parse();
    let ctx = match Context::load(args.config.as_deref(), args.data_dir.as_deref()) {
        Ok(ctx) => ctx,
        Err(e) => return cli::exit_code(Err(Failure::Error(e.to_string()))),
    };
    let gui = args.command.is_none();
    let _log_guard =
        capture_station::logging::init(Some(&ctx.data_dir), if gui { "info" } else { "warn" });
    match &args.command {
        Some(command) => cli::exit_code(cli::run(&ctx, command)),
        None => cli::exit_code(capture_station::ui::run(ctx.clone()).map_err(Failure::Error)),
    }
}
