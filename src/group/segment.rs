//! Journal segments: one file per publish round of one station, sealed with the group key and signed with the
//! station's key. Layout: `MAGIC || u32be header_len || header JSON || AES-256-GCM(events JSON) || Ed25519
//! signature of everything before it`. The header names the group, the station, the segment number and the
//! signing key; nothing in it is believed before the signature and the seal verify.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use rand::RngCore;
use rand::rngs::OsRng;
use serde::{Deserialize, Serialize};

use super::{GroupError, GroupKey};
use crate::crypto::{SIGNATURE_LEN, StationPublicKey, StationSigningKey};
use crate::store::StudentStatus;

/// First bytes of every segment.
pub const MAGIC: &[u8; 8] = b"CSGRP1\n\0";
/// Largest segment read (a roster of 20,000 students is about 3 MB).
pub const MAX_SEGMENT_BYTES: usize = 32 << 20;
const MAX_HEADER_BYTES: usize = 1024;
const SIGN_DOMAIN: &[u8] = b"capture-station group segment v1";

/// One student of a published roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterEntry {
    /// 学号.
    pub student_no: String,
    /// 姓名.
    pub name: String,
    /// 班级.
    pub class: String,
    /// 学院.
    pub school: Option<String>,
    /// 专业.
    pub major: Option<String>,
    /// Status.
    pub status: Option<StudentStatus>,
    /// 身份证号.
    pub id_no: Option<String>,
    /// Collection code from the roster.
    pub code: Option<String>,
}

/// What a station tells the group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// A roster imported at this station, for every station to import.
    Roster {
        /// The file's name.
        file: String,
        /// Its students.
        rows: Vec<RosterEntry>,
    },
    /// The photographer called this student up (expires after a minute).
    Claimed {
        /// 学号.
        student_no: String,
        /// When (RFC 3339).
        at: String,
    },
    /// A collection code was bound to a student by a shot.
    CodeBound {
        /// The code's group digest.
        digest: String,
        /// 学号.
        student_no: String,
        /// When.
        at: String,
    },
    /// A photo's state (`accepted`, `override_accepted`, `rejected`, `reshoot_requested`, `uploaded`, …).
    PhotoState {
        /// 学号.
        student_no: String,
        /// Photo id at the station.
        photo_id: i64,
        /// New state.
        state: String,
        /// When.
        at: String,
    },
    /// Marked absent (`absent: true`) or recalled.
    Absence {
        /// 学号.
        student_no: String,
        /// Absent now.
        absent: bool,
        /// When.
        at: String,
    },
}

/// The plaintext header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// Group id.
    pub group: String,
    /// Station id.
    pub station: String,
    /// Segment number at that station (1, 2, …).
    pub seq: u64,
    /// The station's public signing key, hex.
    pub signer: String,
    /// AES-GCM nonce, hex.
    pub nonce: String,
}

/// A verified segment.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// Its header.
    pub header: Header,
    /// Its events, in order.
    pub events: Vec<Event>,
}

fn aad(header_json: &[u8]) -> Vec<u8> {
    let mut a = MAGIC.to_vec();
    a.extend_from_slice(header_json);
    a
}

/// Seals and signs `events` as segment `seq` of `station`.
pub fn seal(
    group: &GroupKey,
    station: &str,
    seq: u64,
    events: &[Event],
    signer: &StationSigningKey,
) -> Result<Vec<u8>, GroupError> {
    let mut nonce = [0u8; 12];
    OsRng.fill_bytes(&mut nonce);
    let header = Header {
        group: group.group_id.clone(),
        station: station.to_string(),
        seq,
        signer: signer.public().to_hex(),
        nonce: hex::encode(nonce),
    };
    let header_json =
        serde_json::to_vec(&header).map_err(|e| GroupError::Segment(e.to_string()))?;
    let body = serde_json::to_vec(events).map_err(|e| GroupError::Segment(e.to_string()))?;
    let key = group.seal_key();
    let ct = Aes256Gcm::new(key.as_ref().into())
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: &body,
                aad: &aad(&header_json),
            },
        )
        .map_err(|_| GroupError::Segment("encryption failed".into()))?;
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&(header_json.len() as u32).to_be_bytes());
    out.extend_from_slice(&header_json);
    out.extend_from_slice(&ct);
    let sig = signer.sign(SIGN_DOMAIN, &out);
    out.extend_from_slice(&sig);
    Ok(out)
}

/// Why a segment was refused.
pub fn open(bytes: &[u8], group: &GroupKey) -> Result<(Segment, StationPublicKey), String> {
    if bytes.len() > MAX_SEGMENT_BYTES {
        return Err(format!("{} bytes, larger than any segment", bytes.len()));
    }
    let rest = bytes
        .strip_prefix(MAGIC.as_slice())
        .ok_or("not a capture-station journal segment")?;
    if rest.len() < 4 + SIGNATURE_LEN {
        return Err("truncated".into());
    }
    let len = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
    if len > MAX_HEADER_BYTES || rest.len() < 4 + len + SIGNATURE_LEN {
        return Err("damaged header".into());
    }
    let header_json = &rest[4..4 + len];
    let ct = &rest[4 + len..rest.len() - SIGNATURE_LEN];
    let header: Header = serde_json::from_slice(header_json).map_err(|_| "damaged header")?;
    let key = StationPublicKey::from_hex(&header.signer).ok_or("damaged header (signing key)")?;
    if !key.verify(
        SIGN_DOMAIN,
        &bytes[..bytes.len() - SIGNATURE_LEN],
        &bytes[bytes.len() - SIGNATURE_LEN..],
    ) {
        return Err("bad signature: the segment was altered or forged".into());
    }
    if header.group != group.group_id {
        return Err(format!(
            "belongs to another group ({})",
            crate::text::truncate_chars(&header.group, 20)
        ));
    }
    let mut nonce = [0u8; 12];
    hex::decode_to_slice(&header.nonce, &mut nonce).map_err(|_| "damaged header (nonce)")?;
    let seal_key = group.seal_key();
    let body = Aes256Gcm::new(seal_key.as_ref().into())
        .decrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: ct,
                aad: &aad(header_json),
            },
        )
        .map_err(|_| "not sealed with this group's key (forged, or from another group)")?;
    let events: Vec<Event> = serde_json::from_slice(&body).map_err(|_| "unreadable events")?;
    Ok((Segment { header, events }, key))
}
