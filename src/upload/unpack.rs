//! `unpack` (run at the registrar): verify the packages of any number of stations, write the JPEGs named by
//! the export template and an index (CSV and XLSX, see [`super::index`]). Where one student or one collection code was accepted at several
//! stations, the latest capture is kept and the others are listed as conflicts; nothing is overwritten
//! silently. A package that is not signed by an enrolled station, or fails any other check, is refused and
//! named by its file path (ids are shown only once the signature verified); the batch goes on.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::UploadError;
use super::index::{self, Row};
use super::package::{self, ExportSecretKey, Manifest};
use super::stations::EnrolledStations;
use crate::store::NameTemplate;

/// A package that was refused.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Refused {
    /// The package file.
    pub path: PathBuf,
    /// Station, once its signature verified.
    pub station_id: Option<String>,
    /// Photo id, once the station's signature verified.
    pub photo_id: Option<i64>,
    /// Why.
    pub problem: String,
}

/// A package not written because a later one for the same student or code was kept.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Conflict {
    /// The package left out.
    pub station_id: String,
    /// Its photo id.
    pub photo_id: i64,
    /// Its student.
    pub student_no: String,
    /// The kept package's station.
    pub kept_station_id: String,
    /// The kept package's photo id.
    pub kept_photo_id: i64,
    /// `student` or `collection code` (what they share).
    pub shared: String,
}

/// What `unpack` did.
#[derive(Debug, Clone, Serialize, Default)]
pub struct UnpackReport {
    /// JPEGs written.
    pub written: Vec<PathBuf>,
    /// Packages refused.
    pub refused: Vec<Refused>,
    /// Packages superseded by a later capture of the same student or code.
    pub conflicts: Vec<Conflict>,
    /// Identical copies of a package seen more than once (same station and photo).
    pub duplicates: u64,
    /// The CSV index.
    pub index: PathBuf,
    /// The same index as an Excel workbook.
    pub index_xlsx: PathBuf,
}

struct Good {
    manifest: Manifest,
    jpeg: zeroize::Zeroizing<Vec<u8>>,
}

/// Collects the `.csp` files under `dir`; symbolic links are not followed and unreadable folders are
/// refused, so one bad entry never stops the batch.
fn find_packages(dir: &Path, out: &mut Vec<PathBuf>, refused: &mut Vec<Refused>) {
    let refuse = |path: &Path, problem: String| Refused {
        path: path.to_path_buf(),
        station_id: None,
        photo_id: None,
        problem,
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            refused.push(refuse(dir, format!("cannot read the folder: {e}")));
            return;
        }
    };
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                refused.push(refuse(dir, format!("cannot read the folder: {e}")));
                continue;
            }
        };
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_symlink() => {
                if path.extension().and_then(|e| e.to_str()) == Some(package::EXTENSION)
                    || path.is_dir()
                {
                    refused.push(refuse(&path, "a symbolic link; not followed".into()));
                }
            }
            Ok(t) if t.is_dir() => find_packages(&path, out, refused),
            Ok(_) if path.extension().and_then(|e| e.to_str()) == Some(package::EXTENSION) => {
                out.push(path)
            }
            Ok(_) => {}
            Err(e) => refused.push(refuse(&path, format!("cannot read: {e}"))),
        }
    }
}

fn photo_id_from_name(path: &Path) -> Option<i64> {
    path.file_stem()?.to_str()?.parse().ok()
}

fn read_bounded(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
    let mut bytes = Vec::new();
    file.take(package::MAX_PACKAGE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > package::MAX_PACKAGE_BYTES {
        return Err(package::PackageProblem::TooLarge {
            bytes: std::fs::metadata(path)
                .map(|m| m.len())
                .unwrap_or(bytes.len() as u64),
        }
        .to_string());
    }
    Ok(bytes)
}

/// Verifies every `.csp` package under `packages` (recursively) against the enrolled `stations` and writes
/// the kept JPEGs and the index to `out`. Names are checked for collisions before anything is written;
/// existing files are not overwritten unless `force`.
pub fn unpack(
    packages: &Path,
    out: &Path,
    secret: &ExportSecretKey,
    stations: &EnrolledStations,
    template: &NameTemplate,
    force: bool,
) -> Result<UnpackReport, UploadError> {
    if !packages.is_dir() {
        return Err(UploadError::Config(format!(
            "{} is not a folder of packages",
            packages.display()
        )));
    }
    if stations.is_empty() {
        return Err(UploadError::Config(
            "no station is enrolled: give --stations DIR (the stations' `station-key export` files) or \
             list them under [registrar] stations in the config"
                .into(),
        ));
    }
    let mut report = UnpackReport::default();
    let mut files = Vec::new();
    find_packages(packages, &mut files, &mut report.refused);
    files.sort();
    let mut good: Vec<Good> = Vec::new();
    let mut seen: HashMap<(String, i64), String> = HashMap::new();
    for path in files {
        let refuse = |station_id: Option<String>, photo_id: Option<i64>, problem: String| Refused {
            path: path.clone(),
            station_id,
            photo_id,
            problem,
        };
        let bytes = match read_bounded(&path) {
            Ok(b) => b,
            Err(problem) => {
                report.refused.push(refuse(None, None, problem));
                continue;
            }
        };
        let name_id = photo_id_from_name(&path);
        match package::open(&bytes, secret, stations) {
            Err(p) => {
                // Ids are named only when the station's signature vouches for them.
                let signed = package::verify_signed(&bytes, stations)
                    .ok()
                    .map(|(h, _, _)| h);
                report.refused.push(refuse(
                    signed.as_ref().map(|h| h.station_id.clone()),
                    signed.as_ref().map(|h| h.photo_id),
                    p.to_string(),
                ))
            }
            Ok(opened) if name_id.is_some() && name_id != Some(opened.manifest.photo_id) => {
                report.refused.push(refuse(
                    Some(opened.manifest.station_id.clone()),
                    Some(opened.manifest.photo_id),
                    format!(
                        "file name says photo #{}, the signed package photo #{}",
                        name_id.unwrap_or_default(),
                        opened.manifest.photo_id
                    ),
                ))
            }
            Ok(opened) => {
                let key = (opened.manifest.station_id.clone(), opened.manifest.photo_id);
                match seen.get(&key) {
                    Some(sha) if *sha == opened.manifest.jpeg_sha256 => report.duplicates += 1,
                    Some(_) => report.refused.push(refuse(
                        Some(key.0.clone()),
                        Some(key.1),
                        "another package for the same station and photo holds a different photo"
                            .into(),
                    )),
                    None => {
                        seen.insert(key, opened.manifest.jpeg_sha256.clone());
                        good.push(Good {
                            manifest: opened.manifest,
                            jpeg: opened.jpeg,
                        });
                    }
                }
            }
        }
    }
    // Latest capture first; ties broken by station and photo id so the result does not depend on file order.
    good.sort_by(|a, b| {
        let (a, b) = (&a.manifest, &b.manifest);
        b.captured_at
            .cmp(&a.captured_at)
            .then_with(|| b.station_id.cmp(&a.station_id))
            .then_with(|| b.photo_id.cmp(&a.photo_id))
    });
    let mut by_student: HashMap<String, (String, i64)> = HashMap::new();
    let mut by_code: HashMap<String, (String, i64)> = HashMap::new();
    let mut kept: Vec<(&Good, String)> = Vec::new();
    let mut names: HashMap<String, String> = HashMap::new();
    let mut status: HashMap<(String, i64), String> = HashMap::new();
    for g in &good {
        let m = &g.manifest;
        let winner = by_student
            .get(&m.student_no)
            .map(|w| (w, "student"))
            .or_else(|| {
                by_code
                    .get(&m.collection_code)
                    .map(|w| (w, "collection code"))
            });
        if let Some(((ks, kp), shared)) = winner {
            report.conflicts.push(Conflict {
                station_id: m.station_id.clone(),
                photo_id: m.photo_id,
                student_no: m.student_no.clone(),
                kept_station_id: ks.clone(),
                kept_photo_id: *kp,
                shared: shared.into(),
            });
            status.insert(
                (m.station_id.clone(), m.photo_id),
                format!("superseded: same {shared} as kept {ks} photo #{kp}"),
            );
            continue;
        }
        let id = (m.station_id.clone(), m.photo_id);
        by_student.insert(m.student_no.clone(), id.clone());
        by_code.insert(m.collection_code.clone(), id);
        let id_no = match (&m.id_no, template.needs_id_no()) {
            (Some(v), _) => v.clone(),
            (None, false) => String::new(),
            (None, true) => {
                return Err(UploadError::Config(format!(
                    "student {} {} (station {} photo #{}) has no ID number, but export.file_name uses {{id_no}}; \
                     nothing was written",
                    m.student_no, m.name, m.station_id, m.photo_id
                )));
            }
        };
        let file = template.render(&m.student_no, &id_no, &m.name, &m.class);
        if let Some(first) = names.insert(file.to_lowercase(), m.student_no.clone()) {
            return Err(UploadError::Config(format!(
                "students {first} and {} would both be written as {file}; change export.file_name (nothing was written)",
                m.student_no
            )));
        }
        kept.push((g, file));
    }
    crate::files::create_private_dir(out).map_err(|source| UploadError::Io {
        path: out.to_path_buf(),
        source,
    })?;
    let mut rows: Vec<Row> = Vec::new();
    let kept_files: HashSet<(String, i64)> = kept
        .iter()
        .map(|(g, _)| (g.manifest.station_id.clone(), g.manifest.photo_id))
        .collect();
    for (g, file) in &kept {
        let path = out.join(file);
        crate::files::write_new_private(&path, g.jpeg.as_slice(), force).map_err(|source| {
            UploadError::Io {
                path: path.clone(),
                source,
            }
        })?;
        report.written.push(path);
    }
    for g in &good {
        let m = &g.manifest;
        let id = (m.station_id.clone(), m.photo_id);
        let (state, file, note) = if kept_files.contains(&id) {
            let file = kept
                .iter()
                .find(|(k, _)| {
                    k.manifest.station_id == m.station_id && k.manifest.photo_id == m.photo_id
                })
                .map(|(_, f)| f.clone())
                .unwrap_or_default();
            let others: Vec<String> = report
                .conflicts
                .iter()
                .filter(|c| c.kept_station_id == m.station_id && c.kept_photo_id == m.photo_id)
                .map(|c| format!("also accepted at {} photo #{}", c.station_id, c.photo_id))
                .collect();
            ("kept", file, others.join("; "))
        } else {
            (
                "conflict",
                String::new(),
                status.get(&id).cloned().unwrap_or_default(),
            )
        };
        let verdict = match m.verdict_pass {
            Some(true) => "pass",
            Some(false) => "fail",
            None => "",
        };
        rows.push([
            state.into(),
            file,
            m.student_no.clone(),
            m.name.clone(),
            m.class.clone(),
            m.collection_code.clone(),
            m.station_id.clone(),
            m.photo_id.to_string(),
            m.captured_at.clone(),
            m.decision.clone(),
            verdict.into(),
            m.jpeg_sha256.clone(),
            note,
        ]);
    }
    for r in &report.refused {
        rows.push([
            "refused".into(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            r.station_id.clone().unwrap_or_default(),
            r.photo_id.map(|p| p.to_string()).unwrap_or_default(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            format!("{}: {}", r.path.display(), r.problem),
        ]);
    }
    (report.index, report.index_xlsx) = index::write(out, &rows, force)?;
    Ok(report)
}

/// Describes a refusal for people: `photo #12 (station T1) in …: …` once the station's signature verified,
/// else just the file and the problem.
pub fn describe_refusal(r: &Refused) -> String {
    match (r.photo_id, r.station_id.as_deref()) {
        (Some(p), Some(s)) => format!(
            "photo #{p} (station {s}) in {}: {}",
            r.path.display(),
            r.problem
        ),
        _ => format!("{}: {}", r.path.display(), r.problem),
    }
}
