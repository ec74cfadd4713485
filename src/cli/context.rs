//! What every subcommand needs: the loaded config and the resolved data directory.

use std::path::{Path, PathBuf};

use crate::config::{Config, ConfigError, default_config_file};
use crate::crypto::KdfParams;
use crate::store::{DB_FILE, Store, StoreError};

/// Loaded configuration and resolved paths.
#[derive(Debug, Clone)]
pub struct Context {
    /// The configuration (defaults where the file is silent).
    pub config: Config,
    /// The data directory.
    pub data_dir: PathBuf,
    /// The config file settings are saved to: the one given or found, else the default location.
    pub config_path: PathBuf,
}

impl Context {
    /// Loads `--config` (or the default config file if present) and resolves the data directory.
    pub fn load(
        config_file: Option<&Path>,
        data_dir: Option<&Path>,
    ) -> Result<Context, ConfigError> {
        let default_file = default_config_file();
        let config = match config_file {
            Some(path) => Config::load(path)?,
            None => match default_file.as_ref().filter(|p| p.is_file()) {
                Some(path) => Config::load(path)?,
                None => Config::default(),
            },
        };
        let data_dir = config.data_dir(data_dir)?;
        let config_path = config_file
            .map(Path::to_path_buf)
            .or(default_file)
            .unwrap_or_else(|| data_dir.join("config.toml"));
        Ok(Context {
            config,
            data_dir,
            config_path,
        })
    }

    /// The station database file.
    pub fn db_path(&self) -> PathBuf {
        self.data_dir.join(DB_FILE)
    }

    /// Argon2id parameters for new passphrases.
    pub fn kdf(&self) -> KdfParams {
        let s = &self.config.security;
        KdfParams {
            memory_kib: s.kdf_memory_kib,
            iterations: s.kdf_iterations,
            parallelism: s.kdf_parallelism,
        }
    }

    /// Opens and unlocks the store, reading the passphrase from the environment or the terminal.
    pub fn open_store(&self) -> Result<Store, StoreError> {
        let path = self.db_path();
        // Fail on a missing database before asking for a passphrase.
        let wrapped = Store::read_key_material(&path)?;
        let pass = super::passphrase::existing().map_err(StoreError::Invalid)?;
        let key = crate::crypto::DataKey::unwrap(&pass, &wrapped)?;
        let mut store = Store::open_with_key(&path, key)?;
        store.set_code_max_len(self.config.code.max_len);
        Ok(store)
    }
}

/// Who is acting, for the audit log: `cli:<login name>`.
pub fn actor() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_default();
    if user.is_empty() {
        "cli".into()
    } else {
        format!("cli:{user}")
    }
}
