//! Export packages: one file per accepted photo, readable only with the registrar's export secret key.
//!
//! Layout of a `.csp` file (format 2):
//! `MAGIC || u32be header_len || header JSON || AES-256-GCM(nonce from header, u32be manifest_len || manifest
//! JSON || JPEG) || Ed25519 signature`, where the associated data is `MAGIC || header JSON` and the station's
//! signature covers every byte before it. The AES key is derived per package like a sealed box: a fresh
//! ephemeral X25519 key agrees with the registrar's public key, and HKDF-SHA256 (salt = ephemeral public ||
//! registrar public) turns the shared secret into the key. Anyone holding the registrar's public key could
//! build such a ciphertext, so the registrar accepts a package only when it is signed by an enrolled station
//! key ([`super::stations`]) and the signed header names that station. Nothing in the header is believed
//! before the signature verifies; its size and fields are bounded before they are parsed.

use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hkdf::Hkdf;
use rand::RngCore;
use rand::rngs::OsRng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

use super::UploadError;
use super::stations::EnrolledStations;
use crate::crypto::{SIGNATURE_LEN, StationSigningKey};

/// First bytes of every package file.
pub const MAGIC: &[u8; 8] = b"CSPKG2\n\0";
/// First bytes of the unsigned packages of earlier versions (refused).
const MAGIC_V1: &[u8; 8] = b"CSPKG1\n\0";
/// Largest package accepted (a 480×640 JPEG is well under 1 MiB).
pub const MAX_PACKAGE_BYTES: u64 = 16 << 20;
/// Largest header accepted.
const MAX_HEADER_BYTES: usize = 1024;
/// Longest station id accepted in a header.
pub const MAX_STATION_ID: usize = 32;
const SIGN_DOMAIN: &[u8] = b"capture-station export package v2";
/// File extension of package files.
pub const EXTENSION: &str = "csp";
const HKDF_INFO: &[u8] = b"capture-station export package v1";
const KEY_FILE_HEAD: &str =
    "# capture-station export secret key (X25519). Keep it at the registrar, never on a station.";

/// The registrar's public export key (X25519), configured on every station as `upload.export_public_key`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ExportPublicKey(PublicKey);

impl std::fmt::Debug for ExportPublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ExportPublicKey({})", self.to_hex())
    }
}

impl ExportPublicKey {
    /// Parses 64 hex digits.
    pub fn from_hex(s: &str) -> Result<ExportPublicKey, UploadError> {
        let bytes = parse_key_hex(s).ok_or_else(|| {
            UploadError::Config(
                "upload.export_public_key must be 64 hex digits (print it with `capture-station export-key public FILE`)"
                    .into(),
            )
        })?;
        Ok(ExportPublicKey(PublicKey::from(bytes)))
    }

    /// 64 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0.as_bytes())
    }

    /// Short fingerprint (first 16 hex digits of its SHA-256), for messages and the index.
    pub fn fingerprint(&self) -> String {
        hex::encode(&Sha256::digest(self.0.as_bytes())[..8])
    }
}

/// The registrar's export secret key. Wiped on drop; never printed.
pub struct ExportSecretKey(StaticSecret);

impl std::fmt::Debug for ExportSecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ExportSecretKey(<redacted>)")
    }
}

impl ExportSecretKey {
    /// A fresh random key pair.
    pub fn generate() -> ExportSecretKey {
        ExportSecretKey(StaticSecret::random_from_rng(OsRng))
    }

    /// The matching public key.
    pub fn public(&self) -> ExportPublicKey {
        ExportPublicKey(PublicKey::from(&self.0))
    }

    /// The key file text: a comment, `secret = "…"` and `public = "…"`.
    pub fn to_file_text(&self) -> Zeroizing<String> {
        Zeroizing::new(format!(
            "{KEY_FILE_HEAD}\nsecret = \"{}\"\npublic = \"{}\"\n",
            hex::encode(self.0.to_bytes()),
            self.public().to_hex()
        ))
    }

    /// Writes a new key file (mode 0600 on Unix); refuses to overwrite an existing file.
    pub fn write_new(&self, path: &Path) -> Result<(), UploadError> {
        use std::io::Write;
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let io = |source| UploadError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut f = opts.open(path).map_err(io)?;
        f.write_all(self.to_file_text().as_bytes()).map_err(io)?;
        f.sync_all().map_err(io)
    }

    /// Reads a key file written by [`ExportSecretKey::write_new`]; checks that `public` matches `secret`.
    pub fn read(path: &Path) -> Result<ExportSecretKey, UploadError> {
        let text =
            Zeroizing::new(
                std::fs::read_to_string(path).map_err(|source| UploadError::Io {
                    path: path.to_path_buf(),
                    source,
                })?,
            );
        let bad = |what: &str| {
            UploadError::Config(format!(
                "{}: not a capture-station export key file ({what})",
                path.display()
            ))
        };
        let value = |name: &str| {
            text.lines().find_map(|l| {
                let (k, v) = l.split_once('=')?;
                (k.trim() == name).then(|| v.trim().trim_matches('"').to_string())
            })
        };
        let secret = Zeroizing::new(value("secret").ok_or_else(|| bad("no `secret` line"))?);
        let bytes = Zeroizing::new(parse_key_hex(&secret).ok_or_else(|| bad("bad `secret`"))?);
        let key = ExportSecretKey(StaticSecret::from(*bytes));
        if let Some(public) = value("public")
            && ExportPublicKey::from_hex(&public).ok() != Some(key.public())
        {
            return Err(bad("`public` does not belong to `secret`"));
        }
        Ok(key)
    }
}

fn parse_key_hex(s: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(s.trim(), &mut out).ok()?;
    Some(out)
}

/// One check's outcome as listed in the manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestCheck {
    /// Check id, e.g. `head_size`.
    pub check_id: String,
    /// `pass`, `warn` or `fail`.
    pub outcome: String,
    /// Measured value.
    pub value: Option<f64>,
    /// Threshold, as text.
    pub threshold: String,
}

/// The authenticated description of one photo, encrypted with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Photo id at the station.
    pub photo_id: i64,
    /// Station id.
    pub station_id: String,
    /// Station name.
    pub station_name: String,
    /// 学号.
    pub student_no: String,
    /// 姓名.
    pub name: String,
    /// 班级.
    pub class: String,
    /// 身份证号, when the roster had it (needed for `{id_no}` file names).
    pub id_no: Option<String>,
    /// The collection-code payload.
    pub collection_code: String,
    /// Capture time (UTC, RFC 3339).
    pub captured_at: String,
    /// `accepted` or `override_accepted`.
    pub decision: String,
    /// Overall checker verdict, if the checker ran.
    pub verdict_pass: Option<bool>,
    /// Per-check results.
    pub checks: Vec<ManifestCheck>,
    /// Pixel size.
    pub width: u32,
    /// Pixel size.
    pub height: u32,
    /// JPEG length in bytes.
    pub jpeg_bytes: u64,
    /// SHA-256 of the JPEG, lowercase hex.
    pub jpeg_sha256: String,
}

/// The plaintext header of a package (authenticated, not secret).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// Format version (2).
    pub format: u32,
    /// Station id.
    pub station_id: String,
    /// Photo id at the station.
    pub photo_id: i64,
    /// Fingerprint of the export public key the package was made for.
    pub recipient: String,
    /// Ephemeral X25519 public key, hex.
    pub ephemeral: String,
    /// AES-GCM nonce, hex.
    pub nonce: String,
    /// Fingerprint of the station key that signed the package.
    pub signer: String,
}

impl Header {
    /// Whether every field has the shape this version writes (checked before anything else looks at it).
    fn well_formed(&self) -> bool {
        let hex_len = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
        self.format == 2
            && !self.station_id.is_empty()
            && self.station_id.chars().count() <= MAX_STATION_ID
            && crate::text::is_station_id(&self.station_id)
            && self.photo_id > 0
            && hex_len(&self.recipient, 16)
            && hex_len(&self.signer, 16)
            && hex_len(&self.ephemeral, 64)
            && hex_len(&self.nonce, 24)
    }
}

/// SHA-256 of `data`, lowercase hex.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// The object key / relative path of a photo's package: `<station>/<photo id, 8 digits>.csp`.
pub fn package_name(station_id: &str, photo_id: i64) -> String {
    format!("{station_id}/{photo_id:08}.{EXTENSION}")
}

fn package_key(
    shared: &[u8; 32],
    ephemeral: &[u8; 32],
    recipient: &[u8; 32],
) -> Zeroizing<[u8; 32]> {
    let mut salt = [0u8; 64];
    salt[..32].copy_from_slice(ephemeral);
    salt[32..].copy_from_slice(recipient);
    let hk = Hkdf::<Sha256>::new(Some(&salt), shared);
    let mut key = Zeroizing::new([0u8; 32]);
    // 32 bytes is far below HKDF-SHA256's output limit, so expansion cannot fail.
    hk.expand(HKDF_INFO, key.as_mut())
        .unwrap_or_else(|_| unreachable!());
    key
}

fn aad(header_json: &[u8]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(MAGIC.len() + header_json.len());
    aad.extend_from_slice(MAGIC);
    aad.extend_from_slice(header_json);
    aad
}

/// Seals `manifest` and `jpeg` for `recipient` and signs the package with the station's key. The manifest
/// is taken as given (the caller fills `jpeg_sha256`; [`open`] checks it).
pub fn seal(
    manifest: &Manifest,
    jpeg: &[u8],
    recipient: &ExportPublicKey,
    signer: &StationSigningKey,
) -> Result<Vec<u8>, UploadError> {
    let eph = StaticSecret::random_from_rng(OsRng);
    let eph_pub = PublicKey::from(&eph);
    let shared = eph.diffie_hellman(&recipient.0);
    if !shared.was_contributory() {
        return Err(UploadError::Config(
            "upload.export_public_key is not a usable X25519 key (low-order point)".into(),
        ));
    }
    let key = package_key(
        shared.as_bytes(),
        eph_pub.as_bytes(),
        recipient.0.as_bytes(),
    );
    let mut nonce = [0u8; 12];
    OsRng.fill_bytes(&mut nonce);
    let header = Header {
        format: 2,
        station_id: manifest.station_id.clone(),
        photo_id: manifest.photo_id,
        recipient: recipient.fingerprint(),
        ephemeral: hex::encode(eph_pub.as_bytes()),
        nonce: hex::encode(nonce),
        signer: signer.public().fingerprint(),
    };
    if !header.well_formed() {
        return Err(UploadError::Package {
            photo_id: manifest.photo_id,
            problem: format!(
                "station id {:?} cannot go in a package (at most {MAX_STATION_ID} letters, digits, - or _)",
                manifest.station_id
            ),
        });
    }
    let header_json = serde_json::to_vec(&header).map_err(|e| UploadError::Package {
        photo_id: manifest.photo_id,
        problem: format!("cannot encode header: {e}"),
    })?;
    let manifest_json = serde_json::to_vec(manifest).map_err(|e| UploadError::Package {
        photo_id: manifest.photo_id,
        problem: format!("cannot encode manifest: {e}"),
    })?;
    let mut plain = Zeroizing::new(Vec::with_capacity(4 + manifest_json.len() + jpeg.len()));
    plain.extend_from_slice(&(manifest_json.len() as u32).to_be_bytes());
    plain.extend_from_slice(&manifest_json);
    plain.extend_from_slice(jpeg);
    let ct = Aes256Gcm::new(key.as_ref().into())
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: &plain,
                aad: &aad(&header_json),
            },
        )
        .map_err(|_| UploadError::Package {
            photo_id: manifest.photo_id,
            problem: "encryption failed".into(),
        })?;
    let mut out =
        Vec::with_capacity(MAGIC.len() + 4 + header_json.len() + ct.len() + SIGNATURE_LEN);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(header_json.len() as u32).to_be_bytes());
    out.extend_from_slice(&header_json);
    out.extend_from_slice(&ct);
    let signature = signer.sign(SIGN_DOMAIN, &out);
    out.extend_from_slice(&signature);
    Ok(out)
}

/// Why a package was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PackageProblem {
    /// Not a package, or its header is unreadable.
    #[error("not a capture-station package or its header is damaged")]
    Malformed,
    /// Larger than any real package.
    #[error("{bytes} bytes, larger than any package ({MAX_PACKAGE_BYTES} at most)")]
    TooLarge {
        /// The file's size.
        bytes: u64,
    },
    /// An unsigned package of an earlier version.
    #[error(
        "unsigned package from an earlier version (format 1); upload it again from the station"
    )]
    Unsigned,
    /// Signed by a key that is not enrolled.
    #[error(
        "signed by station key {fingerprint}, which is not enrolled (enrol the station's key with --stations)"
    )]
    UnknownStation {
        /// Fingerprint named in the header.
        fingerprint: String,
    },
    /// The signature does not verify.
    #[error("bad signature: the package was altered or forged")]
    BadSignature,
    /// Signed by one enrolled station, claiming to be another.
    #[error("signed by station {signed_by}'s key but claims another station")]
    StationMismatch {
        /// The enrolled station whose key signed.
        signed_by: String,
    },
    /// Made for another export key.
    #[error("made for export key {found}, not for this key ({expected})")]
    OtherRecipient {
        /// Fingerprint named in the header.
        found: String,
        /// Fingerprint of the key in use.
        expected: String,
    },
    /// AEAD failure: header, manifest or photo altered, or truncated.
    #[error("failed authentication: the package or its manifest was altered or truncated")]
    Tampered,
    /// The manifest disagrees with the header.
    #[error("manifest names station {station} photo #{photo_id}, the header another")]
    HeaderMismatch {
        /// Station in the manifest.
        station: String,
        /// Photo in the manifest.
        photo_id: i64,
    },
    /// The JPEG's digest differs from the manifest's.
    #[error("the photo's SHA-256 does not match its manifest entry")]
    DigestMismatch,
}

/// A decrypted, verified package.
#[derive(Debug)]
pub struct Opened {
    /// The plaintext header.
    pub header: Header,
    /// The verified manifest.
    pub manifest: Manifest,
    /// The JPEG (matches `manifest.jpeg_sha256`).
    pub jpeg: Zeroizing<Vec<u8>>,
}

/// Checks size, magic, header and station signature; returns the verified header, the header bytes and the
/// ciphertext. Only the header's signer fingerprint is looked at before the signature verifies.
pub fn verify_signed<'a>(
    bytes: &'a [u8],
    stations: &EnrolledStations,
) -> Result<(Header, &'a [u8], &'a [u8]), PackageProblem> {
    if bytes.len() as u64 > MAX_PACKAGE_BYTES {
        return Err(PackageProblem::TooLarge {
            bytes: bytes.len() as u64,
        });
    }
    if bytes.starts_with(MAGIC_V1) {
        return Err(PackageProblem::Unsigned);
    }
    let rest = bytes
        .strip_prefix(MAGIC.as_slice())
        .ok_or(PackageProblem::Malformed)?;
    if rest.len() < 4 + SIGNATURE_LEN {
        return Err(PackageProblem::Malformed);
    }
    let (len, rest) = rest.split_at(4);
    let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
    if len > MAX_HEADER_BYTES || rest.len() < len + SIGNATURE_LEN {
        return Err(PackageProblem::Malformed);
    }
    let (header_json, rest) = rest.split_at(len);
    let ct = &rest[..rest.len() - SIGNATURE_LEN];
    let signature = &bytes[bytes.len() - SIGNATURE_LEN..];
    let header: Header =
        serde_json::from_slice(header_json).map_err(|_| PackageProblem::Malformed)?;
    if !header.well_formed() {
        return Err(PackageProblem::Malformed);
    }
    let station = stations
        .find(&header.signer)
        .ok_or_else(|| PackageProblem::UnknownStation {
            fingerprint: header.signer.clone(),
        })?;
    if !station.key.verify(
        SIGN_DOMAIN,
        &bytes[..bytes.len() - SIGNATURE_LEN],
        signature,
    ) {
        return Err(PackageProblem::BadSignature);
    }
    if station.station_id != header.station_id {
        return Err(PackageProblem::StationMismatch {
            signed_by: station.station_id.clone(),
        });
    }
    Ok((header, header_json, ct))
}

/// Verifies the station's signature, then decrypts and verifies a package with the registrar's secret key.
pub fn open(
    bytes: &[u8],
    secret: &ExportSecretKey,
    stations: &EnrolledStations,
) -> Result<Opened, PackageProblem> {
    let (header, header_json, ct) = verify_signed(bytes, stations)?;
    let recipient = secret.public();
    if header.recipient != recipient.fingerprint() {
        return Err(PackageProblem::OtherRecipient {
            found: header.recipient.clone(),
            expected: recipient.fingerprint(),
        });
    }
    let eph = parse_key_hex(&header.ephemeral).ok_or(PackageProblem::Malformed)?;
    let mut nonce = [0u8; 12];
    hex::decode_to_slice(&header.nonce, &mut nonce).map_err(|_| PackageProblem::Malformed)?;
    let shared = secret.0.diffie_hellman(&PublicKey::from(eph));
    let key = package_key(shared.as_bytes(), &eph, recipient.0.as_bytes());
    let plain = Zeroizing::new(
        Aes256Gcm::new(key.as_ref().into())
            .decrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: ct,
                    aad: &aad(header_json),
                },
            )
            .map_err(|_| PackageProblem::Tampered)?,
    );
    if plain.len() < 4 {
        return Err(PackageProblem::Malformed);
    }
    let mlen = u32::from_be_bytes([plain[0], plain[1], plain[2], plain[3]]) as usize;
    if plain.len() < 4 + mlen {
        return Err(PackageProblem::Malformed);
    }
    let manifest: Manifest =
        serde_json::from_slice(&plain[4..4 + mlen]).map_err(|_| PackageProblem::Malformed)?;
    if manifest.photo_id != header.photo_id || manifest.station_id != header.station_id {
        return Err(PackageProblem::HeaderMismatch {
            station: manifest.station_id,
            photo_id: manifest.photo_id,
        });
    }
    let jpeg = Zeroizing::new(plain[4 + mlen..].to_vec());
    if sha256_hex(&jpeg) != manifest.jpeg_sha256 || jpeg.len() as u64 != manifest.jpeg_bytes {
        return Err(PackageProblem::DigestMismatch);
    }
    Ok(Opened {
        header,
        manifest,
        jpeg,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(jpeg: &[u8]) -> Manifest {
        Manifest {
            photo_id: 7,
            station_id: "S1".into(),
            station_name: "一号".into(),
            student_no: "2020001".into(),
            name: "张三".into(),
            class: "计科2001".into(),
            id_no: None,
            collection_code: "CODE-1".into(),
            captured_at: "2026-01-01T00:00:00Z".into(),
            decision: "accepted".into(),
            verdict_pass: Some(true),
            checks: vec![],
            width: 480,
            height: 640,
            jpeg_bytes: jpeg.len() as u64,
            jpeg_sha256: sha256_hex(jpeg),
        }
    }

    fn station() -> (StationSigningKey, EnrolledStations) {
        let key = StationSigningKey::generate();
        let mut enrolled = EnrolledStations::default();
        enrolled.add("S1", key.public()).unwrap();
        (key, enrolled)
    }

    #[test]
    fn round_trip_and_every_flipped_byte_is_refused() {
        let sk = ExportSecretKey::generate();
        let (signer, stations) = station();
        let jpeg = b"\xFF\xD8\xFFjpeg-bytes";
        let m = manifest(jpeg);
        let pkg = seal(&m, jpeg, &sk.public(), &signer).unwrap();
        let opened = open(&pkg, &sk, &stations).unwrap();
        assert_eq!(opened.manifest, m);
        assert_eq!(opened.jpeg.as_slice(), jpeg);
        for i in (0..pkg.len()).step_by(3) {
            let mut bad = pkg.clone();
            bad[i] ^= 0x01;
            assert!(
                open(&bad, &sk, &stations).is_err(),
                "byte {i} flipped was accepted"
            );
        }
        assert!(open(&pkg[..pkg.len() - 1], &sk, &stations).is_err());
    }

    #[test]
    fn other_key_wrong_digest_and_unknown_station_are_refused() {
        let sk = ExportSecretKey::generate();
        let other = ExportSecretKey::generate();
        let (signer, stations) = station();
        let jpeg = b"\xFF\xD8\xFFabc";
        let pkg = seal(&manifest(jpeg), jpeg, &sk.public(), &signer).unwrap();
        assert!(matches!(
            open(&pkg, &other, &stations),
            Err(PackageProblem::OtherRecipient { .. })
        ));
        let mut m = manifest(jpeg);
        m.jpeg_sha256 = sha256_hex(b"something else");
        let forged = seal(&m, jpeg, &sk.public(), &signer).unwrap();
        assert_eq!(
            open(&forged, &sk, &stations).unwrap_err(),
            PackageProblem::DigestMismatch
        );
        // Anyone with the public export key can seal; only enrolled stations are believed.
        let stranger = StationSigningKey::generate();
        let forged = seal(&manifest(jpeg), jpeg, &sk.public(), &stranger).unwrap();
        assert!(matches!(
            open(&forged, &sk, &stations),
            Err(PackageProblem::UnknownStation { .. })
        ));
        // An enrolled station cannot pass its packages off as another station's.
        let mut both = stations.clone();
        let b2 = StationSigningKey::generate();
        both.add("B2", b2.public()).unwrap();
        let posing = seal(&manifest(jpeg), jpeg, &sk.public(), &b2).unwrap();
        assert_eq!(
            open(&posing, &sk, &both).unwrap_err(),
            PackageProblem::StationMismatch {
                signed_by: "B2".into()
            }
        );
    }

    #[test]
    fn key_file_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("export.key");
        let sk = ExportSecretKey::generate();
        sk.write_new(&path).unwrap();
        assert!(sk.write_new(&path).is_err(), "overwrote a key file");
        let again = ExportSecretKey::read(&path).unwrap();
        assert_eq!(again.public(), sk.public());
        let pk = ExportPublicKey::from_hex(&sk.public().to_hex()).unwrap();
        assert_eq!(pk, sk.public());
        assert!(ExportPublicKey::from_hex("abc").is_err());
    }
}
