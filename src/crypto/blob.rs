//! AES-256-GCM sealing of blobs: `nonce || ciphertext || tag`, with associated data binding the blob to its row.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use rand::RngCore;
use rand::rngs::OsRng;
use zeroize::Zeroizing;

use super::{CryptoError, DataKey};

/// Bytes of the random nonce prefixed to every blob.
pub const NONCE_LEN: usize = 12;
/// Bytes of the authentication tag appended to every blob.
pub const TAG_LEN: usize = 16;

/// Encrypts `plaintext` under `key` with a fresh random nonce, authenticating `aad`.
pub fn seal(key: &DataKey, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let cipher = Aes256Gcm::new(key.bytes().into());
    let mut nonce = [0u8; NONCE_LEN];
    OsRng.fill_bytes(&mut nonce);
    let ct = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| CryptoError::Tampered)?;
    let mut out = Vec::with_capacity(NONCE_LEN + ct.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ct);
    Ok(out)
}

/// Decrypts a blob made by [`seal`]; fails if the blob or `aad` differ in any bit.
pub fn open(key: &DataKey, aad: &[u8], blob: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    if blob.len() < NONCE_LEN + TAG_LEN {
        return Err(CryptoError::Tampered);
    }
    let (nonce, ct) = blob.split_at(NONCE_LEN);
    let cipher = Aes256Gcm::new(key.bytes().into());
    cipher
        .decrypt(Nonce::from_slice(nonce), Payload { msg: ct, aad })
        .map(Zeroizing::new)
        .map_err(|_| CryptoError::Tampered)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::KdfParams;

    fn key() -> DataKey {
        DataKey::generate(
            "pw-pw-pw",
            KdfParams {
                memory_kib: 64,
                iterations: 1,
                parallelism: 1,
            },
        )
        .unwrap()
        .0
    }

    #[test]
    fn round_trip_and_fresh_nonces() {
        let k = key();
        let a = seal(&k, b"row 1", b"hello").unwrap();
        let b = seal(&k, b"row 1", b"hello").unwrap();
        assert_ne!(a, b);
        assert_eq!(open(&k, b"row 1", &a).unwrap().as_slice(), b"hello");
    }

    #[test]
    fn flipped_bit_wrong_row_and_truncation_fail() {
        let k = key();
        let mut blob = seal(&k, b"row 1", b"hello world").unwrap();
        assert!(open(&k, b"row 2", &blob).is_err());
        assert!(open(&k, b"row 1", &blob[..blob.len() - 1]).is_err());
        blob[NONCE_LEN + 2] ^= 0x40;
        assert!(open(&k, b"row 1", &blob).is_err());
    }
}
