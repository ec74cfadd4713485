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
