//! Encryption at rest: a random data key wrapped by an Argon2id key from the station passphrase, AES-256-GCM
//! blobs bound to their row by associated data, and keyed digests for looking up collection codes.

mod blob;
mod keys;
mod signing;

pub use blob::{NONCE_LEN, TAG_LEN, open, seal};
pub use keys::{DataKey, KdfParams, Passphrase, RecordKey, WrappedKey};
pub use signing::{SIGNATURE_LEN, StationPublicKey, StationSigningKey};

/// Cryptographic failures.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// The passphrase does not unlock the station.
    #[error("wrong passphrase")]
    WrongPassphrase,
    /// The passphrase matched the key check but the wrapped key is damaged.
    #[error("the stored key material is damaged")]
    DamagedKey,
    /// A blob failed authentication: it was altered, truncated, or belongs to another row.
    #[error("blob failed authentication (altered, truncated or moved from another row)")]
    Tampered,
    /// Key derivation failed (invalid parameters).
    #[error("key derivation failed: {0}")]
    Kdf(String),
}
