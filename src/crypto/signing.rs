//! The station's Ed25519 signing key: created at `init`, its secret sealed under the data key, used to sign
//! every export package so the registrar can tell a station's packages from forgeries.

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::{CryptoError, DataKey, blob};

const SEAL_AAD: &[u8] = b"capture-station station signing key v1";
/// Length of a signature in bytes.
pub const SIGNATURE_LEN: usize = 64;

/// A station's secret signing key. Wiped on drop; never printed.
pub struct StationSigningKey(SigningKey);

impl std::fmt::Debug for StationSigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StationSigningKey(public {})", self.public().to_hex())
    }
}

impl StationSigningKey {
    /// A fresh random key.
    pub fn generate() -> StationSigningKey {
        let mut seed = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(seed.as_mut());
        StationSigningKey(SigningKey::from_bytes(&seed))
    }

    /// The secret sealed under the data key, for the database.
    pub fn seal(&self, key: &DataKey) -> Result<Vec<u8>, CryptoError> {
        blob::seal(key, SEAL_AAD, self.0.as_bytes())
    }

    /// Opens a secret sealed by [`StationSigningKey::seal`].
    pub fn open(key: &DataKey, sealed: &[u8]) -> Result<StationSigningKey, CryptoError> {
        let plain = blob::open(key, SEAL_AAD, sealed)?;
        let seed: [u8; 32] = plain
            .as_slice()
            .try_into()
            .map_err(|_| CryptoError::DamagedKey)?;
        let seed = Zeroizing::new(seed);
        Ok(StationSigningKey(SigningKey::from_bytes(&seed)))
    }

    /// The matching public key.
    pub fn public(&self) -> StationPublicKey {
        StationPublicKey(self.0.verifying_key())
    }

    /// Signs `domain || message`.
    pub fn sign(&self, domain: &[u8], message: &[u8]) -> [u8; SIGNATURE_LEN] {
        self.0.sign(&framed(domain, message)).to_bytes()
    }
}

/// A station's public verification key, enrolled at the registrar.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct StationPublicKey(VerifyingKey);

impl std::fmt::Debug for StationPublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StationPublicKey({})", self.to_hex())
    }
}

impl StationPublicKey {
    /// Parses 64 hex digits; `None` unless they are a valid Ed25519 point.
    pub fn from_hex(s: &str) -> Option<StationPublicKey> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(s.trim(), &mut bytes).ok()?;
        VerifyingKey::from_bytes(&bytes)
            .ok()
            .filter(|k| !k.is_weak())
            .map(StationPublicKey)
    }

    /// 64 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0.as_bytes())
    }

    /// Short fingerprint (first 16 hex digits of its SHA-256), named in package headers.
    pub fn fingerprint(&self) -> String {
        hex::encode(&Sha256::digest(self.0.as_bytes())[..8])
    }

    /// Whether `signature` is this key's signature of `domain || message` (strict verification).
    pub fn verify(&self, domain: &[u8], message: &[u8], signature: &[u8]) -> bool {
        let Ok(sig) = <[u8; SIGNATURE_LEN]>::try_from(signature) else {
            return false;
        };
        let sig = Signature::from_bytes(&sig);
        self.0.verify_strict(&framed(domain, message), &sig).is_ok()
            && self.0.verify(&framed(domain, message), &sig).is_ok()
    }
}

fn framed(domain: &[u8], message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(domain.len() + 1 + message.len());
    out.extend_from_slice(domain);
    out.push(0);
    out.extend_from_slice(message);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::KdfParams;

    #[test]
    fn sign_verify_seal_open() {
        let fast = KdfParams {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        };
        let (dk, _) = DataKey::generate("pass-1234", fast).unwrap();
        let k = StationSigningKey::generate();
        let sig = k.sign(b"d", b"message");
        assert!(k.public().verify(b"d", b"message", &sig));
        assert!(!k.public().verify(b"d", b"messagf", &sig));
        assert!(!k.public().verify(b"e", b"message", &sig));
        assert!(
            !StationSigningKey::generate()
                .public()
                .verify(b"d", b"message", &sig)
        );
        let sealed = k.seal(&dk).unwrap();
        let again = StationSigningKey::open(&dk, &sealed).unwrap();
        assert_eq!(again.public(), k.public());
        let (other, _) = DataKey::generate("pass-5678", fast).unwrap();
        assert!(StationSigningKey::open(&other, &sealed).is_err());
        let pk = StationPublicKey::from_hex(&k.public().to_hex()).unwrap();
        assert_eq!(pk, k.public());
        assert!(StationPublicKey::from_hex("00").is_none());
    }
}
