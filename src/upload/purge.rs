//! `purge`: after the retention period has passed since a confirmed upload, remove the photo's encrypted
//! blob (`uploaded` → `purged`); the photo row, its check results and the audit trail stay. Each package is
//! read back from the target first: a blob is removed only while the target still holds exactly the package
//! it confirmed, so a lost outbox or bucket never takes the station's copy with it.

use serde::Serialize;

use super::package::package_name;
use super::{Target, UploadError};
use crate::store::{PhotoState, PurgeCandidate, Store};

/// A due photo kept because the target could not show its package.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Kept {
    /// The photo.
    pub photo_id: i64,
    /// Why it was kept.
    pub reason: String,
}

/// What `purge` found and did.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PurgeReport {
    /// Photos whose retention has passed.
    pub due: Vec<PurgeCandidate>,
    /// How many were purged (0 on a dry run).
    pub purged: u64,
    /// Due photos kept because their package is no longer confirmed at the target.
    pub kept: Vec<Kept>,
    /// Retention used, in days.
    pub retention_days: u32,
}

/// Purges (or with `dry_run` only lists) uploaded photos confirmed at least `retention_days` ago whose
/// package `target` still holds as confirmed. Each purge is one transaction with its audit row.
pub fn purge(
    store: &mut Store,
    target: &Target,
    retention_days: u32,
    dry_run: bool,
    actor: &str,
) -> Result<PurgeReport, UploadError> {
    let due = store.purge_due(retention_days)?;
    let mut purged = 0;
    let mut kept = Vec::new();
    let reason = format!("retention of {retention_days} days after confirmed upload has passed");
    for c in &due {
        let name = package_name(store.station_id(), c.photo_id);
        let (Some(sha), Some(size)) = (&c.remote_checksum, c.remote_size) else {
            kept.push(Kept {
                photo_id: c.photo_id,
                reason: "no confirmed checksum on record; kept".into(),
            });
            continue;
        };
        if let Err(e) = target.reconfirm(&name, sha, size) {
            kept.push(Kept {
                photo_id: c.photo_id,
                reason: format!(
                    "{e}; kept (the target no longer holds the package it confirmed: check the outbox or bucket)"
                ),
            });
            continue;
        }
        if !dry_run {
            store.transition(c.photo_id, PhotoState::Purged, actor, Some(&reason))?;
            purged += 1;
        }
    }
    Ok(PurgeReport {
        due,
        purged,
        kept,
        retention_days,
    })
}
