//! Station-level changes made from the settings screen: the station's name and an audit row for each
//! changed setting.

use rusqlite::params;

use super::{Store, StoreError, audit, error};

impl Store {
    /// Renames this station (shown in the GUI and recorded in exports); audited.
    pub fn rename_station(&mut self, name: &str, actor: &str) -> Result<(), StoreError> {
        let name = name.trim();
        if name.is_empty()
            || name.chars().count() > 60
            || name.chars().any(crate::text::is_unsafe_char)
        {
            return Err(StoreError::Invalid(
                "the station name must be 1–60 characters, without control or text-direction characters"
                    .into(),
            ));
        }
        let tx = self
            .conn
            .transaction()
            .map_err(|e| error::sql(e, "begin"))?;
        tx.execute(
            "UPDATE stations SET name = ?2 WHERE id = ?1",
            params![self.station_id, name],
        )
        .map_err(|e| error::sql(e, "rename station"))?;
        audit::write(
            &tx,
            &self.key,
            &self.station_id,
            &audit::Entry {
                actor,
                action: "station_renamed",
                reason: Some(name),
                ..Default::default()
            },
        )?;
        tx.commit().map_err(|e| error::sql(e, "commit"))
    }

    /// Records a settings change (e.g. new check thresholds) in the audit log.
    pub fn record_settings_change(&mut self, summary: &str, actor: &str) -> Result<(), StoreError> {
        audit::write(
            &self.conn,
            &self.key,
            &self.station_id,
            &audit::Entry {
                actor,
                action: "settings_changed",
                reason: Some(summary),
                ..Default::default()
            },
        )
    }
}
