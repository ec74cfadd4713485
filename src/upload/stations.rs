//! Station enrolment at the registrar: each station exports its public signing key
//! (`capture-station station-key export --out A1.pub`), and `unpack` believes only packages signed by an
//! enrolled key (`unpack --stations DIR`, or `[registrar] stations` in the config).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::UploadError;
use super::package::MAX_STATION_ID;
use crate::crypto::StationPublicKey;

const FILE_HEAD: &str = "# capture-station station signing key (Ed25519, public). Enrol it at the registrar: \
                         copy it into the folder given to `unpack --stations`.";
/// Extension of station key files.
pub const EXTENSION: &str = "pub";
/// Largest station key file read.
const MAX_FILE_BYTES: u64 = 4096;

/// One enrolled station key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolledStation {
    /// The station id its packages must carry.
    pub station_id: String,
    /// Its public signing key.
    pub key: StationPublicKey,
}

/// The station keys the registrar trusts, found by fingerprint.
#[derive(Debug, Clone, Default)]
pub struct EnrolledStations {
    by_fingerprint: BTreeMap<String, EnrolledStation>,
}

impl EnrolledStations {
    /// Enrols `key` for `station_id` (a station may have several keys, one per `init`).
    pub fn add(&mut self, station_id: &str, key: StationPublicKey) -> Result<(), String> {
        if !crate::text::is_station_id(station_id) || station_id.len() > MAX_STATION_ID {
            return Err(format!(
                "station id {:?} is not valid (at most {MAX_STATION_ID} letters, digits, - or _)",
                crate::text::truncate_chars(station_id, 40)
            ));
        }
        if let Some(other) = self.by_fingerprint.get(&key.fingerprint())
            && other.station_id != station_id
        {
            return Err(format!(
                "the key {} is enrolled for station {} already, not {station_id}",
                key.fingerprint(),
                other.station_id
            ));
        }
        self.by_fingerprint.insert(
            key.fingerprint(),
            EnrolledStation {
                station_id: station_id.to_string(),
                key,
            },
        );
        Ok(())
    }

    /// The station whose key has this fingerprint.
    pub fn find(&self, fingerprint: &str) -> Option<&EnrolledStation> {
        self.by_fingerprint.get(fingerprint)
    }

    /// Number of enrolled keys.
    pub fn len(&self) -> usize {
        self.by_fingerprint.len()
    }

    /// True when no key is enrolled.
    pub fn is_empty(&self) -> bool {
        self.by_fingerprint.is_empty()
    }

    /// Enrols every `*.pub` file in `dir`; a bad file is an error naming it.
    pub fn add_dir(&mut self, dir: &Path) -> Result<(), UploadError> {
        let io = |source| UploadError::Io {
            path: dir.to_path_buf(),
            source,
        };
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(io)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().and_then(|e| e.to_str()) == Some(EXTENSION))
            .collect();
        files.sort();
        for path in files {
            let (id, key) = read_key_file(&path)?;
            self.add(&id, key)
                .map_err(|e| UploadError::Config(format!("{}: {e}", path.display())))?;
        }
        Ok(())
    }

    /// Enrols the `[registrar] stations` entries of the config (station id → public key hex).
    pub fn add_config(&mut self, stations: &BTreeMap<String, String>) -> Result<(), UploadError> {
        for (id, hex) in stations {
            let key = StationPublicKey::from_hex(hex).ok_or_else(|| {
                UploadError::Config(format!(
                    "registrar.stations.{id} must be a station's 64-hex-digit public key \
                     (`capture-station station-key export` at the station)"
                ))
            })?;
            self.add(id, key)
                .map_err(|e| UploadError::Config(format!("registrar.stations.{id}: {e}")))?;
        }
        Ok(())
    }
}

/// The text of a station key file.
pub fn key_file_text(station_id: &str, station_name: &str, key: &StationPublicKey) -> String {
    let name: String = station_name
        .chars()
        .filter(|c| !crate::text::is_unsafe_char(*c) && *c != '"' && *c != '\\')
        .collect();
    format!(
        "{FILE_HEAD}\nstation = \"{station_id}\"\nname = \"{name}\"\npublic = \"{}\"\nfingerprint = \"{}\"\n",
        key.to_hex(),
        key.fingerprint()
    )
}

/// Reads a station key file: its station id and public key.
pub fn read_key_file(path: &Path) -> Result<(String, StationPublicKey), UploadError> {
    let io = |source| UploadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let bad = |what: &str| {
        UploadError::Config(format!(
            "{}: not a capture-station station key file ({what}); export it again with \
             `capture-station station-key export --out FILE` at the station",
            path.display()
        ))
    };
    let len = std::fs::metadata(path).map_err(io)?.len();
    if len > MAX_FILE_BYTES {
        return Err(bad("too large"));
    }
    let text = std::fs::read_to_string(path).map_err(io)?;
    let value = |name: &str| {
        text.lines().find_map(|l| {
            let (k, v) = l.split_once('=')?;
            (k.trim() == name).then(|| v.trim().trim_matches('"').to_string())
        })
    };
    let station = value("station").ok_or_else(|| bad("no `station` line"))?;
    let public = value("public").ok_or_else(|| bad("no `public` line"))?;
    let key = StationPublicKey::from_hex(&public).ok_or_else(|| bad("bad `public` key"))?;
    if !crate::text::is_station_id(&station) || station.len() > MAX_STATION_ID {
        return Err(bad("bad `station` id"));
    }
    Ok((station, key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::StationSigningKey;

    #[test]
    fn key_files_round_trip_and_bad_ones_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let k = StationSigningKey::generate();
        std::fs::write(
            dir.path().join("A1.pub"),
            key_file_text("A1", "一号\"机", &k.public()),
        )
        .unwrap();
        let mut e = EnrolledStations::default();
        e.add_dir(dir.path()).unwrap();
        assert_eq!(e.find(&k.public().fingerprint()).unwrap().station_id, "A1");
        std::fs::write(
            dir.path().join("B2.pub"),
            "station = \"B2\"\npublic = \"zz\"\n",
        )
        .unwrap();
        let err = EnrolledStations::default()
            .add_dir(dir.path())
            .unwrap_err()
            .to_string();
        assert!(err.contains("B2.pub"), "{err}");
        let mut e = EnrolledStations::default();
        e.add("A1", k.public()).unwrap();
        assert!(e.add("B2", k.public()).is_err(), "one key, two stations");
    }
}
