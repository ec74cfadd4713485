//! The group secret and what is derived from it: the key that seals journal segments and the key that
//! digests collection codes so that stations compare them without revealing them. The join file carries the
//! secret to other stations, sealed under an Argon2id key from the group passphrase.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use rand::RngCore;
use rand::rngs::OsRng;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::GroupError;
use crate::crypto::KdfParams;

const JOIN_MAGIC: &str = "capture-station group join file v1";
const SEAL_INFO: &[u8] = b"capture-station group segment key v1";
const CODE_INFO: &[u8] = b"capture-station group code digest v1";

/// A group: its id and its 256-bit secret. Wiped on drop; never printed.
pub struct GroupKey {
    /// Group id (16 hex digits), names the journal folder.
    pub group_id: String,
    secret: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for GroupKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GroupKey({}, <redacted>)", self.group_id)
    }
}

#[derive(Serialize, Deserialize)]
struct JoinFile {
    format: String,
    group_id: String,
    salt: String,
    memory_kib: u32,
    iterations: u32,
    nonce: String,
    sealed: String,
}

fn derive(secret: &[u8; 32], info: &[u8]) -> Zeroizing<[u8; 32]> {
    let hk = Hkdf::<Sha256>::new(None, secret);
    let mut out = Zeroizing::new([0u8; 32]);
    // 32 bytes is far below HKDF-SHA256's output limit, so expansion cannot fail.
    hk.expand(info, out.as_mut())
        .unwrap_or_else(|_| unreachable!());
    out
}

fn passphrase_key(
    pass: &str,
    salt: &[u8],
    params: KdfParams,
) -> Result<Zeroizing<[u8; 32]>, GroupError> {
    let p = argon2::Params::new(params.memory_kib, params.iterations, 1, Some(32))
        .map_err(|e| GroupError::Join(format!("bad key-derivation parameters: {e}")))?;
    let mut out = Zeroizing::new([0u8; 32]);
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, p)
        .hash_password_into(pass.as_bytes(), salt, out.as_mut())
        .map_err(|e| GroupError::Join(format!("key derivation failed: {e}")))?;
    Ok(out)
}

impl GroupKey {
    /// A new group with a random id and secret.
    pub fn generate() -> GroupKey {
        let mut id = [0u8; 8];
        OsRng.fill_bytes(&mut id);
        let mut secret = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(secret.as_mut());
        GroupKey {
            group_id: hex::encode(id),
            secret,
        }
    }

    /// The key that seals segments.
    pub(super) fn seal_key(&self) -> Zeroizing<[u8; 32]> {
        derive(&self.secret, SEAL_INFO)
    }

    /// Digest of a collection code under the group: equal codes give equal digests at every station, and
    /// nobody without the group secret can test a guess.
    pub fn code_digest(&self, code: &str) -> String {
        let key = derive(&self.secret, CODE_INFO);
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(key.as_ref()).unwrap_or_else(|_| unreachable!());
        mac.update(code.trim().as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..16])
    }

    /// The secret as stored at a station (sealed there under its data key by the caller).
    pub(crate) fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut v = Zeroizing::new(Vec::with_capacity(8 + 32));
        v.extend_from_slice(self.group_id.as_bytes());
        v.push(b':');
        v.extend_from_slice(self.secret.as_ref());
        v
    }

    /// Parses what [`GroupKey::to_bytes`] wrote.
    pub(crate) fn from_bytes(b: &[u8]) -> Option<GroupKey> {
        let at = b.iter().position(|&c| c == b':')?;
        let id = std::str::from_utf8(&b[..at]).ok()?;
        let secret: [u8; 32] = b[at + 1..].try_into().ok()?;
        (id.len() == 16 && id.bytes().all(|c| c.is_ascii_hexdigit())).then(|| GroupKey {
            group_id: id.to_string(),
            secret: Zeroizing::new(secret),
        })
    }

    /// The join file text: the secret sealed under `passphrase` (Argon2id, AES-256-GCM).
    pub fn join_file(&self, passphrase: &str, params: KdfParams) -> Result<String, GroupError> {
        let mut salt = [0u8; 16];
        OsRng.fill_bytes(&mut salt);
        let key = passphrase_key(passphrase, &salt, params)?;
        let mut nonce = [0u8; 12];
        OsRng.fill_bytes(&mut nonce);
        let sealed = Aes256Gcm::new(key.as_ref().into())
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: self.secret.as_ref(),
                    aad: self.group_id.as_bytes(),
                },
            )
            .map_err(|_| GroupError::Join("encryption failed".into()))?;
        let file = JoinFile {
            format: JOIN_MAGIC.into(),
            group_id: self.group_id.clone(),
            salt: hex::encode(salt),
            memory_kib: params.memory_kib,
            iterations: params.iterations,
            nonce: hex::encode(nonce),
            sealed: hex::encode(sealed),
        };
        serde_json::to_string_pretty(&file).map_err(|e| GroupError::Join(e.to_string()))
    }

    /// Opens a join file with the group passphrase.
    pub fn from_join_file(text: &str, passphrase: &str) -> Result<GroupKey, GroupError> {
        let bad =
            |what: &str| GroupError::Join(format!("not a capture-station join file ({what})"));
        if text.len() > 4096 {
            return Err(bad("too large"));
        }
        let f: JoinFile = serde_json::from_str(text).map_err(|_| bad("unreadable"))?;
        if f.format != JOIN_MAGIC || f.group_id.len() != 16 {
            return Err(bad("unknown format"));
        }
        if f.memory_kib < crate::config::MIN_KDF_MEMORY_KIB
            || f.memory_kib > 4 << 20
            || !(2..=100).contains(&f.iterations)
        {
            return Err(bad("unsafe key-derivation parameters"));
        }
        let salt = hex::decode(&f.salt).map_err(|_| bad("salt"))?;
        let nonce = hex::decode(&f.nonce).map_err(|_| bad("nonce"))?;
        let sealed = hex::decode(&f.sealed).map_err(|_| bad("body"))?;
        if nonce.len() != 12 {
            return Err(bad("nonce"));
        }
        let params = KdfParams {
            memory_kib: f.memory_kib,
            iterations: f.iterations,
            parallelism: 1,
        };
        let key = passphrase_key(passphrase, &salt, params)?;
        let plain = Zeroizing::new(
            Aes256Gcm::new(key.as_ref().into())
                .decrypt(
                    Nonce::from_slice(&nonce),
                    Payload {
                        msg: &sealed,
                        aad: f.group_id.as_bytes(),
                    },
                )
                .map_err(|_| {
                    GroupError::Join("wrong group passphrase, or the join file was altered".into())
                })?,
        );
        let secret: [u8; 32] = plain.as_slice().try_into().map_err(|_| bad("body"))?;
        Ok(GroupKey {
            group_id: f.group_id,
            secret: Zeroizing::new(secret),
        })
    }
}
