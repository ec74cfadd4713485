//! The supervisor PIN and unlock throttling. The PIN's Argon2id verifier is sealed under the data key, so
//! the database file alone reveals nothing to guess against; wrong PINs and wrong passphrases wait longer and
//! longer (persisted, so restarting the app does not reset the count), and every wrong PIN is audited.

use std::path::Path;
use std::time::Duration;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rusqlite::Connection;

use super::{Store, StoreError, audit, connect, error, kv};
use crate::crypto;

/// The sealed verifier (hex of an AES-GCM blob holding the PHC string).
const PIN_SEALED: &str = "supervisor_pin_sealed";
/// Where versions before sealing kept the bare hash.
const PIN_LEGACY: &str = "supervisor_pin";
const PIN_AAD: &[u8] = b"capture-station supervisor pin v2";
/// `<failures>:<unix seconds until the next try>`.
const PIN_THROTTLE: &str = "supervisor_pin_throttle";
const PASS_THROTTLE: &str = "passphrase_throttle";

/// The outcome of a PIN or passphrase attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Correct.
    Correct,
    /// Wrong; `failures` in a row so far, and the wait before the next try.
    Wrong {
        /// Wrong attempts in a row.
        failures: u32,
        /// Wait before the next attempt is taken.
        wait: Duration,
    },
    /// Not tried: the wait after earlier wrong attempts is not over.
    TooSoon {
        /// Time left.
        wait: Duration,
    },
    /// No PIN is set (every PIN is refused).
    NotSet,
}

/// Wait after `failures` wrong attempts in a row: none for the first two, then 5 s doubling to 15 minutes.
pub fn delay_after(failures: u32) -> Duration {
    match failures {
        0..=2 => Duration::ZERO,
        n => Duration::from_secs((5u64 << (n - 3).min(10)).min(900)),
    }
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn read_throttle(conn: &Connection, key: &str) -> Result<(u32, u64), StoreError> {
    Ok(kv::get(conn, key)?
        .and_then(|v| {
            let (n, until) = v.split_once(':')?;
            Some((n.parse().ok()?, until.parse().ok()?))
        })
        .unwrap_or((0, 0)))
}

/// Records one more wrong attempt; returns (failures, wait).
fn bump(conn: &Connection, key: &str) -> Result<(u32, Duration), StoreError> {
    let (n, _) = read_throttle(conn, key)?;
    let n = n.saturating_add(1);
    let wait = delay_after(n);
    kv::put(conn, key, &format!("{n}:{}", now_secs() + wait.as_secs()))?;
    Ok((n, wait))
}

fn wait_left(conn: &Connection, key: &str) -> Result<Option<Duration>, StoreError> {
    let (_, until) = read_throttle(conn, key)?;
    let now = now_secs();
    Ok((until > now).then(|| Duration::from_secs(until - now)))
}

fn hash_pin(pin: &str) -> Result<String, StoreError> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(argon2::Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map_err(|e| StoreError::Invalid(format!("cannot hash the PIN: {e}")))?
        .to_string())
}

impl Store {
    /// Sets the supervisor PIN (4–12 digits); its Argon2id verifier is stored sealed under the data key.
    /// `action` names the change in the audit log (`supervisor_pin_set` or `supervisor_pin_reset`).
    pub fn set_supervisor_pin_as(
        &mut self,
        pin: &str,
        actor: &str,
        action: &str,
    ) -> Result<(), StoreError> {
        if !(4..=12).contains(&pin.len()) || !pin.chars().all(|c| c.is_ascii_digit()) {
            return Err(StoreError::Invalid(
                "the supervisor PIN must be 4 to 12 digits".into(),
            ));
        }
        let sealed = crypto::seal(&self.key, PIN_AAD, hash_pin(pin)?.as_bytes())?;
        let station = self.station_id.clone();
        let tx = self
            .conn
            .transaction()
            .map_err(|e| error::sql(e, "begin"))?;
        kv::put(&tx, PIN_SEALED, &hex::encode(sealed))?;
        tx.execute(
            "DELETE FROM settings WHERE key IN (?1, ?2)",
            [PIN_LEGACY, PIN_THROTTLE],
        )
        .map_err(|e| error::sql(e, "store PIN"))?;
        audit::write(
            &tx,
            &self.key,
            &station,
            &audit::Entry {
                actor,
                action,
                ..Default::default()
            },
        )?;
        tx.commit().map_err(|e| error::sql(e, "commit"))
    }

    /// Sets the supervisor PIN (audited as `supervisor_pin_set`).
    pub fn set_supervisor_pin(&mut self, pin: &str, actor: &str) -> Result<(), StoreError> {
        self.set_supervisor_pin_as(pin, actor, "supervisor_pin_set")
    }

    /// The PIN verifier, from its sealed form or (stations set up before sealing) the bare hash.
    fn pin_verifier(&self) -> Result<Option<zeroize::Zeroizing<String>>, StoreError> {
        if let Some(hexed) = kv::get(&self.conn, PIN_SEALED)? {
            let blob = hex::decode(hexed.trim())
                .map_err(|_| StoreError::Unsupported("damaged PIN verifier".into()))?;
            let plain = crypto::open(&self.key, PIN_AAD, &blob)?;
            let text = String::from_utf8(plain.to_vec())
                .map_err(|_| StoreError::Unsupported("damaged PIN verifier".into()))?;
            return Ok(Some(zeroize::Zeroizing::new(text)));
        }
        Ok(kv::get(&self.conn, PIN_LEGACY)?.map(zeroize::Zeroizing::new))
    }

    /// Moves a bare PIN hash from before sealing under the data key (run at open).
    pub(super) fn seal_legacy_pin(&mut self) -> Result<(), StoreError> {
        let Some(hash) = kv::get(&self.conn, PIN_LEGACY)? else {
            return Ok(());
        };
        let sealed = crypto::seal(&self.key, PIN_AAD, hash.as_bytes())?;
        // Overwrite the bare hash's bytes when its row is deleted, rather than leave them in a free page.
        self.conn
            .execute_batch("PRAGMA secure_delete = ON")
            .map_err(|e| error::sql(e, "secure delete"))?;
        let tx = self
            .conn
            .transaction()
            .map_err(|e| error::sql(e, "begin"))?;
        kv::put(&tx, PIN_SEALED, &hex::encode(sealed))?;
        tx.execute("DELETE FROM settings WHERE key = ?1", [PIN_LEGACY])
            .map_err(|e| error::sql(e, "seal PIN"))?;
        tx.commit().map_err(|e| error::sql(e, "commit"))?;
        if let Err(e) = self.conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)") {
            tracing::warn!(error = %e, "could not checkpoint after sealing the PIN verifier");
        }
        Ok(())
    }

    /// Checks a PIN attempt, with throttling: after wrong attempts the next one is taken only after
    /// [`delay_after`]; each wrong attempt is audited.
    pub fn attempt_supervisor_pin(&self, pin: &str, actor: &str) -> Result<Attempt, StoreError> {
        if let Some(wait) = wait_left(&self.conn, PIN_THROTTLE)? {
            return Ok(Attempt::TooSoon { wait });
        }
        let Some(ok) = self.verify_pin(pin)? else {
            return Ok(Attempt::NotSet);
        };
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(|e| error::sql(e, "begin"))?;
        let result = if ok {
            self.settle(&tx, PIN_THROTTLE, actor, "supervisor_pin_ok", |n| {
                format!("correct PIN after {n} wrong attempts")
            })?;
            Attempt::Correct
        } else {
            let (failures, wait) = bump(&tx, PIN_THROTTLE)?;
            let reason = format!(
                "wrong PIN, attempt {failures}; next try in {} s",
                wait.as_secs()
            );
            audit::write(
                &tx,
                &self.key,
                &self.station_id,
                &audit::Entry {
                    actor,
                    action: "supervisor_pin_failed",
                    reason: Some(&reason),
                    ..Default::default()
                },
            )?;
            Attempt::Wrong { failures, wait }
        };
        tx.commit().map_err(|e| error::sql(e, "commit"))?;
        Ok(result)
    }

    /// True if `pin` is the supervisor PIN (no throttling; for the command line and tests). A station
    /// without a PIN accepts none.
    pub fn check_supervisor_pin(&self, pin: &str) -> Result<bool, StoreError> {
        Ok(self.verify_pin(pin)? == Some(true))
    }

    /// Whether `pin` matches the stored verifier; `None` when no PIN is set.
    fn verify_pin(&self, pin: &str) -> Result<Option<bool>, StoreError> {
        let Some(verifier) = self.pin_verifier()? else {
            return Ok(None);
        };
        let parsed = PasswordHash::new(&verifier)
            .map_err(|_| StoreError::Unsupported("damaged PIN verifier".into()))?;
        Ok(Some(
            argon2::Argon2::default()
                .verify_password(pin.as_bytes(), &parsed)
                .is_ok(),
        ))
    }

    /// True once a supervisor PIN has been set.
    pub fn has_supervisor_pin(&self) -> Result<bool, StoreError> {
        Ok(
            kv::get(&self.conn, PIN_SEALED)?.is_some()
                || kv::get(&self.conn, PIN_LEGACY)?.is_some(),
        )
    }

    /// How long the GUI must wait before trying another passphrase on the station at `path` (after wrong
    /// ones); `None` when it may try now. Readable before unlocking.
    pub fn passphrase_wait(path: &Path) -> Result<Option<Duration>, StoreError> {
        let conn = connect(path, false)?;
        wait_left(&conn, PASS_THROTTLE)
    }

    /// Records a wrong passphrase typed into the GUI; returns (failures in a row, wait before the next).
    pub fn record_wrong_passphrase(path: &Path) -> Result<(u32, Duration), StoreError> {
        let conn = connect(path, false)?;
        bump(&conn, PASS_THROTTLE)
    }

    /// After a successful unlock: audits and clears the wrong passphrases that came before it.
    pub fn settle_passphrase_failures(&self, actor: &str) -> Result<(), StoreError> {
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(|e| error::sql(e, "begin"))?;
        self.settle(&tx, PASS_THROTTLE, actor, "passphrase_failures", |n| {
            format!("unlocked after {n} wrong passphrases")
        })?;
        tx.commit().map_err(|e| error::sql(e, "commit"))
    }

    /// After a right PIN or passphrase: clears the throttle `key` and, when wrong attempts came before,
    /// audits `action` with `reason(failures)`.
    fn settle(
        &self,
        tx: &Connection,
        key: &str,
        actor: &str,
        action: &str,
        reason: impl Fn(u32) -> String,
    ) -> Result<(), StoreError> {
        let (failures, _) = read_throttle(tx, key)?;
        if failures == 0 {
            return Ok(());
        }
        kv::delete(tx, key)?;
        audit::write(
            tx,
            &self.key,
            &self.station_id,
            &audit::Entry {
                actor,
                action,
                reason: Some(&reason(failures)),
                ..Default::default()
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_are_capped() {
        assert_eq!(delay_after(1), Duration::ZERO);
        assert_eq!(delay_after(2), Duration::ZERO);
        assert_eq!(delay_after(3), Duration::from_secs(5));
        assert_eq!(delay_after(4), Duration::from_secs(10));
        assert_eq!(delay_after(7), Duration::from_secs(80));
        assert_eq!(delay_after(40), Duration::from_secs(900));
    }
}
