//! `init` and `passwd`.

use clap::Args;

use super::context::{Context, actor};
use super::{Failure, passphrase};
use crate::store::Store;

/// Options of `init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Station id (letters, digits, '-', '_'); default from the config (`station-1`).
    #[arg(long)]
    pub station_id: Option<String>,
    /// Station name shown in the GUI; default from the config.
    #[arg(long)]
    pub station_name: Option<String>,
}

/// Creates the station database.
pub fn init(ctx: &Context, args: &InitArgs) -> Result<(), Failure> {
    let id = args
        .station_id
        .clone()
        .unwrap_or_else(|| ctx.config.station.id.clone());
    let name = args
        .station_name
        .clone()
        .unwrap_or_else(|| ctx.config.station.name.clone());
    let mut check = ctx.config.clone();
    check.station.id = id.clone();
    if let Err((_, msg)) = check.validate() {
        return Err(Failure::Error(format!("--station-id {id:?}: {msg}")));
    }
    let path = ctx.db_path();
    if path.exists() {
        return Err(Failure::Error(
            crate::store::StoreError::AlreadyInitialised { path }.to_string(),
        ));
    }
    let pass = passphrase::new(passphrase::ENV, ctx.config.security.min_passphrase_chars)
        .map_err(Failure::Error)?;
    Store::create(&path, &pass, ctx.kdf(), &id, &name)?;
    println!("station {id} ({name}) created at {}", path.display());
    Ok(())
}

/// Changes the passphrase.
pub fn passwd(ctx: &Context) -> Result<(), Failure> {
    let mut store = ctx.open_store()?;
    let pass = passphrase::new(
        passphrase::ENV_NEW,
        ctx.config.security.min_passphrase_chars,
    )
    .map_err(Failure::Error)?;
    store.change_passphrase(&pass, ctx.kdf(), &actor())?;
    println!("passphrase changed for station {}", store.station_id());
    Ok(())
}

/// Options of `pin`.
#[derive(Debug, clap::Args)]
pub struct PinArgs {
    /// Replace a forgotten PIN without the old one (the station passphrase still unlocks); recorded in the
    /// audit log as a reset.
    #[arg(long)]
    pub reset: bool,
}

/// Sets the supervisor PIN: a first one freely, a new one only with the old PIN or `--reset`.
pub fn pin(ctx: &Context, args: &PinArgs) -> Result<(), Failure> {
    let mut store = ctx.open_store()?;
    let action = if !store.has_supervisor_pin()? {
        "supervisor_pin_set"
    } else if args.reset {
        "supervisor_pin_reset"
    } else {
        let old = passphrase::secret(passphrase::ENV_OLD_PIN, "当前 PIN / current PIN: ")
            .map_err(Failure::Error)?;
        match store.attempt_supervisor_pin(&old, &actor())? {
            crate::store::Attempt::Correct => "supervisor_pin_changed",
            crate::store::Attempt::TooSoon { wait } | crate::store::Attempt::Wrong { wait, .. }
                if !wait.is_zero() =>
            {
                return Err(Failure::Error(format!(
                    "wrong current PIN; too many wrong PINs, wait {} s (or use --reset, which is recorded in the audit log)",
                    wait.as_secs().max(1)
                )));
            }
            _ => {
                return Err(Failure::Error(
                    "wrong current PIN; nothing was changed (a forgotten PIN can be replaced with --reset, which is recorded in the audit log)"
                        .into(),
                ));
            }
        }
    };
    let pin = passphrase::new(passphrase::ENV_PIN, 4).map_err(Failure::Error)?;
    store.set_supervisor_pin_as(&pin, &actor(), action)?;
    println!(
        "supervisor PIN {} for station {}",
        match action {
            "supervisor_pin_reset" => "reset (recorded in the audit log)",
            "supervisor_pin_changed" => "changed",
            _ => "set",
        },
        store.station_id()
    );
    Ok(())
}
