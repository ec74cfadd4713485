//! One delivery pass: package each due photo, deliver it, and mark it uploaded only once the target has
//! confirmed it. Shared by `capture-station upload` and the background [`super::UploadWorker`].

use std::time::Duration;

use super::package::{self, ExportPublicKey, Manifest, ManifestCheck};
use super::{Backoff, Target, UploadError};
use crate::crypto::StationSigningKey;
use crate::store::{PhotoId, Store, UploadItem};

/// Photos read from the database per query.
const BATCH: u32 = 64;

/// Progress of a pass, for printing or the GUI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Packaging and sending this photo.
    Sending {
        /// The photo.
        photo_id: PhotoId,
    },
    /// The target confirmed it; it is now `uploaded`.
    Confirmed {
        /// The photo.
        photo_id: PhotoId,
        /// Package size in bytes.
        bytes: u64,
        /// Where it went.
        remote_key: String,
    },
    /// It failed; a retry is scheduled.
    Failed {
        /// The photo.
        photo_id: PhotoId,
        /// Attempts so far.
        attempts: u32,
        /// Why, in both languages.
        error: crate::i18n::Text,
        /// Delay until the scheduled retry.
        retry_in: Duration,
    },
}

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassReport {
    /// Photos confirmed in this pass.
    pub confirmed: u64,
    /// Package bytes confirmed.
    pub bytes: u64,
    /// Photos that failed in this pass.
    pub failed: u64,
    /// The pass stopped early because the whole target failed (this error, English).
    pub target_error: Option<String>,
}

/// Packages and delivers photos from one store to one target.
pub struct Uploader {
    store: Store,
    target: Target,
    recipient: ExportPublicKey,
    backoff: Backoff,
    actor: String,
}

impl std::fmt::Debug for Uploader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Uploader")
            .field("target", &self.target)
            .field("recipient", &self.recipient)
            .finish()
    }
}

/// Builds a photo's manifest entry and package, signed with the station's key.
pub fn build_package(
    item: &UploadItem,
    station_name: &str,
    recipient: &ExportPublicKey,
    signer: &StationSigningKey,
) -> Result<Vec<u8>, UploadError> {
    let manifest = Manifest {
        photo_id: item.photo_id,
        station_id: item.station_id.clone(),
        station_name: station_name.to_string(),
        student_no: item.student_no.clone(),
        name: item.name.clone(),
        class: item.class.clone(),
        id_no: item.id_no.as_ref().map(|s| s.to_string()),
        collection_code: item.code.to_string(),
        captured_at: item.captured_at.clone(),
        decision: item.state.as_str().to_string(),
        verdict_pass: item.verdict_pass,
        checks: item
            .checks
            .iter()
            .map(|c| ManifestCheck {
                check_id: c.check_id.clone(),
                outcome: c.outcome.clone(),
                value: c.value,
                threshold: c.threshold.clone(),
            })
            .collect(),
        width: item.width,
        height: item.height,
        jpeg_bytes: item.jpeg.len() as u64,
        jpeg_sha256: package::sha256_hex(&item.jpeg),
    };
    package::seal(&manifest, &item.jpeg, recipient, signer)
}

fn rfc3339_in(delay: Duration) -> String {
    let at = time::OffsetDateTime::now_utc() + delay;
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}

impl Uploader {
    /// An uploader over an open store.
    pub fn new(
        store: Store,
        target: Target,
        recipient: ExportPublicKey,
        backoff: Backoff,
        actor: &str,
    ) -> Uploader {
        Uploader {
            store,
            target,
            recipient,
            backoff,
            actor: actor.to_string(),
        }
    }

    /// The store (for status queries between passes).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The target.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// Delivers one photo: package, deliver, confirm, mark. On failure records the attempt and schedules a
    /// retry.
    pub fn deliver_one(
        &mut self,
        photo_id: PhotoId,
        station_name: &str,
    ) -> Result<(u64, String), (UploadError, u32, Duration)> {
        let result = (|| {
            let item = self.store.upload_item(photo_id)?;
            let pkg = build_package(
                &item,
                station_name,
                &self.recipient,
                self.store.signing_key(),
            )?;
            drop(item);
            let name = package::package_name(self.store.station_id(), photo_id);
            let confirmation = self.target.deliver(&name, &pkg)?;
            self.store.mark_uploaded(
                photo_id,
                self.target.name(),
                &confirmation.remote_key,
                &confirmation.sha256,
                confirmation.size,
                &self.actor,
            )?;
            Ok::<_, UploadError>((confirmation.size, confirmation.remote_key))
        })();
        result.map_err(|e| {
            let attempts = self.store.upload_attempts(photo_id).unwrap_or(0) + 1;
            let delay = self.backoff.delay(attempts);
            let recorded = self.store.record_upload_failure(
                photo_id,
                self.target.name(),
                &e.to_string(),
                &rfc3339_in(delay),
            );
            if let Err(db) = recorded {
                tracing::error!(photo_id, error = %db, "cannot record upload failure");
            }
            (e, attempts, delay)
        })
    }

    /// One pass over the due photos (all waiting photos with `ignore_schedule`). Stops at the first
    /// target-wide failure, or when `stop` returns true.
    pub fn pass(
        &mut self,
        ignore_schedule: bool,
        on_event: &mut dyn FnMut(&Event),
        stop: &dyn Fn() -> bool,
    ) -> Result<PassReport, UploadError> {
        let station_name = self.store.station_name()?;
        let mut report = PassReport::default();
        let mut done: std::collections::HashSet<PhotoId> = std::collections::HashSet::new();
        // Once the target has confirmed a delivery it is evidently reachable: retries scheduled for later
        // (after an outage) are pulled forward instead of waiting out their backoff.
        let mut ignore_schedule = ignore_schedule;
        loop {
            let due: Vec<PhotoId> = self
                .store
                .upload_due(ignore_schedule, BATCH + done.len() as u32)?
                .into_iter()
                .filter(|id| !done.contains(id))
                .collect();
            if due.is_empty() {
                return Ok(report);
            }
            for photo_id in due {
                if stop() {
                    return Ok(report);
                }
                done.insert(photo_id);
                on_event(&Event::Sending { photo_id });
                match self.deliver_one(photo_id, &station_name) {
                    Ok((bytes, remote_key)) => {
                        report.confirmed += 1;
                        report.bytes += bytes;
                        ignore_schedule = true;
                        on_event(&Event::Confirmed {
                            photo_id,
                            bytes,
                            remote_key,
                        });
                    }
                    Err((e, attempts, retry_in)) => {
                        report.failed += 1;
                        tracing::warn!(photo_id, attempts, error = %e, "upload failed");
                        on_event(&Event::Failed {
                            photo_id,
                            attempts,
                            error: e.text(),
                            retry_in,
                        });
                        if e.is_target_wide() {
                            report.target_error = Some(e.to_string());
                            return Ok(report);
                        }
                    }
                }
            }
        }
    }
}
