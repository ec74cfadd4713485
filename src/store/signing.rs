//! The station's Ed25519 signing key, kept in `settings` sealed under the data key.

use rusqlite::Connection;

use super::{Store, StoreError, audit, kv};
use crate::crypto::{DataKey, StationPublicKey, StationSigningKey};

const SIGNING_KEY: &str = "station_signing_key";

/// Loads the station's signing key, creating (and auditing) one for a station initialised before signing.
pub(super) fn load_or_create(
    conn: &Connection,
    key: &DataKey,
    station_id: &str,
) -> Result<StationSigningKey, StoreError> {
    if let Some(sealed) = kv::get(conn, SIGNING_KEY)? {
        let bytes = hex::decode(sealed.trim()).map_err(|_| StoreError::DamagedKey)?;
        return Ok(StationSigningKey::open(key, &bytes)?);
    }
    let signer = StationSigningKey::generate();
    let sealed = hex::encode(signer.seal(key)?);
    kv::put(conn, SIGNING_KEY, &sealed)?;
    let fingerprint = signer.public().fingerprint();
    audit::write(
        conn,
        key,
        station_id,
        &audit::Entry {
            actor: "system",
            action: "station_key_created",
            reason: Some(&fingerprint),
            ..Default::default()
        },
    )?;
    Ok(signer)
}

impl Store {
    /// The station's package signing key.
    pub fn signing_key(&self) -> &StationSigningKey {
        &self.signer
    }

    /// The station's public signing key, for enrolment at the registrar (`station-key export`).
    pub fn station_public_key(&self) -> StationPublicKey {
        self.signer.public()
    }
}
