//! The `settings` table: small named values that belong with the data (chain head, sealed keys, PIN
//! verifier, unlock throttling).

use rusqlite::{Connection, OptionalExtension, params};

use super::{StoreError, error, time};

/// Reads a value.
pub(super) fn get(conn: &Connection, key: &str) -> Result<Option<String>, StoreError> {
    conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
        r.get(0)
    })
    .optional()
    .map_err(|e| error::sql(e, "read setting"))
}

/// Inserts or replaces a value.
pub(super) fn put(conn: &Connection, key: &str, value: &str) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        params![key, value, time::now()],
    )
    .map_err(|e| error::sql(e, "write setting"))?;
    Ok(())
}

/// Deletes a value.
pub(super) fn delete(conn: &Connection, key: &str) -> Result<(), StoreError> {
    conn.execute("DELETE FROM settings WHERE key = ?1", [key])
        .map_err(|e| error::sql(e, "delete setting"))?;
    Ok(())
}
