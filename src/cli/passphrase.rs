//! Reading the station passphrase: from `CAPTURE_STATION_PASSPHRASE`, else from the terminal without echo.

use std::io::IsTerminal;

use zeroize::Zeroizing;

use crate::crypto::Passphrase;

/// Environment variable holding the station passphrase.
pub const ENV: &str = "CAPTURE_STATION_PASSPHRASE";
/// Environment variable holding the supervisor PIN for `pin`.
pub const ENV_PIN: &str = "CAPTURE_STATION_PIN";
/// Environment variable holding the current supervisor PIN when `pin` changes it.
pub const ENV_OLD_PIN: &str = "CAPTURE_STATION_OLD_PIN";
/// Environment variable holding the new passphrase for `passwd`.
pub const ENV_NEW: &str = "CAPTURE_STATION_NEW_PASSPHRASE";

fn prompt(label: &str, env_var: &str) -> Result<Passphrase, String> {
    if !std::io::stdin().is_terminal() {
        return Err(format!(
            "nothing to read: set {env_var} or run in a terminal"
        ));
    }
    rpassword::prompt_password(label)
        .map(Zeroizing::new)
        .map_err(|e| format!("cannot read passphrase: {e}"))
}

/// The passphrase of an existing station.
pub fn existing() -> Result<Passphrase, String> {
    match std::env::var(ENV) {
        Ok(p) if !p.is_empty() => Ok(Zeroizing::new(p)),
        _ => prompt("站点口令 / station passphrase: ", ENV),
    }
}

/// A secret from `env_var`, else asked once without echo.
pub fn secret(env_var: &str, label: &str) -> Result<Passphrase, String> {
    match std::env::var(env_var) {
        Ok(p) if !p.is_empty() => Ok(Zeroizing::new(p)),
        _ => prompt(label, env_var),
    }
}

/// A new passphrase: from `env_var`, else asked twice. Refuses short or mismatched input.
pub fn new(env_var: &str, min_chars: usize) -> Result<Passphrase, String> {
    let pass = match std::env::var(env_var) {
        Ok(p) if !p.is_empty() => Zeroizing::new(p),
        _ => {
            let first = prompt("新口令 / new passphrase: ", env_var)?;
            let second = prompt("再输入一次 / repeat it: ", env_var)?;
            if first != second {
                return Err("the two passphrases differ; nothing was changed".into());
            }
            first
        }
    };
    if pass.chars().count() < min_chars {
        return Err(format!(
            "the passphrase must have at least {min_chars} characters"
        ));
    }
    Ok(pass)
}
