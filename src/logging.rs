//! Logging with `tracing`: human-readable lines to stderr and a daily rolling file in `<data dir>/logs`.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt;
use tracing_subscriber::prelude::*;

/// Starts logging. `stderr_default` is the stderr level when `RUST_LOG` is unset (e.g. `warn` for the CLI,
/// `info` for the GUI); the file always gets `info` and above. Keep the guard alive until exit.
pub fn init(data_dir: Option<&Path>, stderr_default: &str) -> Option<WorkerGuard> {
    let stderr_filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(stderr_default));
    let stderr = fmt::layer()
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_filter(stderr_filter);
    let (file_layer, guard) = match data_dir.map(|d| d.join("logs")) {
        Some(dir)
            if crate::files::create_private_dir(&dir).is_ok()
                && crate::files::set_mode(&dir, crate::files::DIR_MODE).is_ok() =>
        {
            let appender = tracing_appender::rolling::daily(dir, "capture-station.log");
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let layer = fmt::layer()
                .with_writer(writer)
                .with_ansi(false)
                .with_filter(EnvFilter::new("info"));
            (Some(layer), Some(guard))
        }
        _ => (None, None),
    };
    // A second init (e.g. in tests) keeps the first subscriber.
    let _ = tracing_subscriber::registry()
        .with(stderr)
        .with(file_layer)
        .try_init();
    guard
}
