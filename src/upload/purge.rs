//! `purge`: after the retention period has passed since a confirmed upload, remove the photo's encrypted
//! blob (`uploaded` → `purged`); the photo row, its check results and the audit trail stay.

use serde::Serialize;

use super::UploadError;
use crate::store::{PhotoState, PurgeCandidate, Store};

/// What `purge` found and did.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PurgeReport {
    /// Photos whose retention has passed.
    pub due: Vec<PurgeCandidate>,
    /// How many were purged (0 on a dry run).
    pub purged: u64,
    /// Retention used, in days.
    pub retention_days: u32,
}

/// Purges (or with `dry_run` only lists) uploaded photos confirmed at least `retention_days` ago. Each
/// purge is one transaction with its audit row.
pub fn purge(
    store: &mut Store,
    retention_days: u32,
    dry_run: bool,
    actor: &str,
) -> Result<PurgeReport, UploadError> {
    let due = store.purge_due(retention_days)?;
    let mut purged = 0;
    if !dry_run {
        let reason =
            format!("retention of {retention_days} days after confirmed upload has passed");
        for c in &due {
            store.transition(c.photo_id, PhotoState::Purged, actor, Some(&reason))?;
            purged += 1;
        }
    }
    Ok(PurgeReport {
        due,
        purged,
        retention_days,
    })
}
