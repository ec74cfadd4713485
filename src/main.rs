//! The `capture-station` binary: starts the GUI, or runs a subcommand.

use std::process::ExitCode;

use clap::Parser;

use capture_station::cli::{self, Cli, Context, Failure};

fn main() -> ExitCode {
    capture_station::i18n::init_local_offset();
    capture_station::files::private_umask();
    let args = Cli::parse();
    if args.command.is_some() {
        // Like other command-line tools, end quietly when the reader of stdout goes away (`| head -1`).
        capture_station::files::default_sigpipe();
    }
    let ctx = match Context::load(args.config.as_deref(), args.data_dir.as_deref()) {
        Ok(ctx) => ctx,
        Err(e) => return cli::exit_code(Err(Failure::Error(e.to_string()))),
    };
    if let Err(e) = capture_station::files::make_private_dir(&ctx.data_dir) {
        return cli::exit_code(Err(Failure::Error(format!(
            "{}: cannot create the private data folder: {e}",
            ctx.data_dir.display()
        ))));
    }
    let gui = args.command.is_none();
    let _log_guard =
        capture_station::logging::init(Some(&ctx.data_dir), if gui { "info" } else { "warn" });
    match &args.command {
        Some(command) => cli::exit_code(cli::run(&ctx, command)),
        None => cli::exit_code(capture_station::ui::run(ctx.clone()).map_err(Failure::Error)),
    }
}
