//! The data key and its passphrase wrapping.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::Sha256;
use zeroize::Zeroizing;

use super::CryptoError;

const WRAP_AAD: &[u8] = b"capture-station data key v1";
const KCV_LABEL: &[u8] = b"capture-station key check v1";
const CODE_LABEL: &[u8] = b"capture-station collection code digest v1";
const RECORD_LABEL: &[u8] = b"capture-station record mac v1";

/// A passphrase held in memory that is wiped on drop.
pub type Passphrase = Zeroizing<String>;

/// Argon2id cost parameters, stored beside the wrapped key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

/// The 256-bit key that encrypts photos, ID numbers and collection codes. Wiped on drop; never printed.
pub struct DataKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(<redacted>)")
    }
}

/// The data key encrypted under the passphrase key, as stored in the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrappedKey {
    /// Argon2id salt (16 bytes).
    pub salt: Vec<u8>,
    /// Argon2id parameters.
    pub params: KdfParams,
    /// AES-GCM nonce of the wrapping.
    pub nonce: Vec<u8>,
    /// The wrapped data key with its tag.
    pub wrapped: Vec<u8>,
    /// Key-check value: lets a wrong passphrase fail fast and be told apart from damage.
    pub kcv: Vec<u8>,
}

fn derive_kek(
    passphrase: &str,
    salt: &[u8],
    params: KdfParams,
) -> Result<Zeroizing<[u8; 32]>, CryptoError> {
    let p = argon2::Params::new(
        params.memory_kib,
        params.iterations,
        params.parallelism,
        Some(32),
    )
    .map_err(|e| CryptoError::Kdf(e.to_string()))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, p);
    let mut out = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(passphrase.as_bytes(), salt, out.as_mut())
        .map_err(|e| CryptoError::Kdf(e.to_string()))?;
    Ok(out)
}

fn hmac(key: &[u8], msg: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length, so construction cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(msg);
    mac.finalize().into_bytes().into()
}

fn wrap_with(
    kek: &[u8; 32],
    key: &[u8; 32],
    salt: Vec<u8>,
    params: KdfParams,
) -> Result<WrappedKey, CryptoError> {
    let cipher = Aes256Gcm::new(kek.into());
    let mut nonce = [0u8; 12];
    OsRng.fill_bytes(&mut nonce);
    let wrapped = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: key,
                aad: WRAP_AAD,
            },
        )
        .map_err(|_| CryptoError::DamagedKey)?;
    Ok(WrappedKey {
        salt,
        params,
        nonce: nonce.to_vec(),
        wrapped,
        kcv: hmac(kek, KCV_LABEL)[..16].to_vec(),
    })
}

fn fresh_salt() -> Vec<u8> {
    let mut salt = vec![0u8; 16];
    OsRng.fill_bytes(&mut salt);
    salt
}

impl DataKey {
    /// Creates a new random data key and wraps it under `passphrase`.
    pub fn generate(
        passphrase: &str,
        params: KdfParams,
    ) -> Result<(DataKey, WrappedKey), CryptoError> {
        let mut key = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(key.as_mut());
        let salt = fresh_salt();
        let kek = derive_kek(passphrase, &salt, params)?;
        let wrapped = wrap_with(&kek, &key, salt, params)?;
        Ok((DataKey(key), wrapped))
    }

    /// Unwraps the data key with `passphrase`; a wrong passphrase is reported as such, not as damage.
    pub fn unwrap(passphrase: &str, wrapped: &WrappedKey) -> Result<DataKey, CryptoError> {
        let kek = derive_kek(passphrase, &wrapped.salt, wrapped.params)?;
        let kcv = hmac(kek.as_ref(), KCV_LABEL);
        if !constant_time_eq(&kcv[..16], &wrapped.kcv) {
            return Err(CryptoError::WrongPassphrase);
        }
        if wrapped.nonce.len() != 12 {
            return Err(CryptoError::DamagedKey);
        }
        let cipher = Aes256Gcm::new(kek.as_ref().into());
        let plain = Zeroizing::new(
            cipher
                .decrypt(
                    Nonce::from_slice(&wrapped.nonce),
                    Payload {
                        msg: &wrapped.wrapped,
                        aad: WRAP_AAD,
                    },
                )
                .map_err(|_| CryptoError::DamagedKey)?,
        );
        let mut key = Zeroizing::new([0u8; 32]);
        if plain.len() != 32 {
            return Err(CryptoError::DamagedKey);
        }
        key.copy_from_slice(&plain);
        Ok(DataKey(key))
    }

    /// Wraps this key under a new passphrase (fresh salt); photos need no re-encryption.
    pub fn rewrap(&self, passphrase: &str, params: KdfParams) -> Result<WrappedKey, CryptoError> {
        let salt = fresh_salt();
        let kek = derive_kek(passphrase, &salt, params)?;
        wrap_with(&kek, &self.0, salt, params)
    }

    /// Keyed digest of a collection code (HMAC-SHA256 under a subkey), used to find rows without storing
    /// the code in the clear.
    pub fn code_digest(&self, payload: &str) -> [u8; 32] {
        let sub = Zeroizing::new(hmac(self.0.as_ref(), CODE_LABEL));
        hmac(sub.as_ref(), payload.as_bytes())
    }

    /// The subkey that authenticates database records (photo state, student identity, the audit chain).
    pub fn record_key(&self) -> RecordKey {
        RecordKey(Zeroizing::new(hmac(self.0.as_ref(), RECORD_LABEL)))
    }

    /// A second copy of the key (itself wiped on drop), for a connection on another thread.
    pub fn duplicate(&self) -> DataKey {
        DataKey(Zeroizing::new(*self.0))
    }

    pub(super) fn bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

/// HMAC-SHA256 key for record MACs, derived from the data key. Wiped on drop.
pub struct RecordKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for RecordKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecordKey(<redacted>)")
    }
}

impl RecordKey {
    /// MAC of a record given as fields; each field is length-prefixed so no two field lists collide.
    pub fn mac(&self, domain: &[u8], fields: &[&[u8]]) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.0.as_ref())
            .unwrap_or_else(|_| unreachable!());
        mac.update(&(domain.len() as u64).to_be_bytes());
        mac.update(domain);
        for f in fields {
            mac.update(&(f.len() as u64).to_be_bytes());
            mac.update(f);
        }
        mac.finalize().into_bytes().into()
    }

    /// Whether `tag` is the MAC of `fields` (constant time).
    pub fn check(&self, domain: &[u8], fields: &[&[u8]], tag: &[u8]) -> bool {
        constant_time_eq(&self.mac(domain, fields), tag)
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAST: KdfParams = KdfParams {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };

    #[test]
    fn wrap_unwrap_and_wrong_passphrase() {
        let (key, wrapped) = DataKey::generate("correct horse", FAST).unwrap();
        let again = DataKey::unwrap("correct horse", &wrapped).unwrap();
        assert_eq!(key.bytes(), again.bytes());
        assert!(matches!(
            DataKey::unwrap("wrong", &wrapped),
            Err(CryptoError::WrongPassphrase)
        ));
    }

    #[test]
    fn damaged_wrapping_is_not_reported_as_wrong_passphrase() {
        let (_, mut wrapped) = DataKey::generate("pw-123456", FAST).unwrap();
        wrapped.wrapped[3] ^= 1;
        assert!(matches!(
            DataKey::unwrap("pw-123456", &wrapped),
            Err(CryptoError::DamagedKey)
        ));
    }

    #[test]
    fn rewrap_keeps_the_key() {
        let (key, _) = DataKey::generate("old-pass", FAST).unwrap();
        let rewrapped = key.rewrap("new-pass", FAST).unwrap();
        assert_eq!(
            DataKey::unwrap("new-pass", &rewrapped).unwrap().bytes(),
            key.bytes()
        );
        assert!(DataKey::unwrap("old-pass", &rewrapped).is_err());
    }

    #[test]
    fn code_digest_is_keyed() {
        let (a, _) = DataKey::generate("a-pass", FAST).unwrap();
        let (b, _) = DataKey::generate("b-pass", FAST).unwrap();
        assert_eq!(a.code_digest("X"), a.code_digest("X"));
        assert_ne!(a.code_digest("X"), a.code_digest("Y"));
        assert_ne!(a.code_digest("X"), b.code_digest("X"));
        assert_eq!(a.code_digest("X").len(), 32);
    }
}
