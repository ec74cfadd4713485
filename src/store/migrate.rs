//! Embedded schema migrations (`migrations/NNNN_name.sql`), applied in order; `PRAGMA user_version` holds
//! the schema version.

use rusqlite::Connection;

/// The migrations, in order; the schema version is the number of applied migrations.
const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_init", include_str!("../../migrations/0001_init.sql")),
    (
        "0002_settings",
        include_str!("../../migrations/0002_settings.sql"),
    ),
    (
        "0003_queue_index",
        include_str!("../../migrations/0003_queue_index.sql"),
    ),
    (
        "0004_upload",
        include_str!("../../migrations/0004_upload.sql"),
    ),
    (
        "0005_absent",
        include_str!("../../migrations/0005_absent.sql"),
    ),
    (
        "0006_record_macs",
        include_str!("../../migrations/0006_record_macs.sql"),
    ),
    (
        "0007_group",
        include_str!("../../migrations/0007_group.sql"),
    ),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Reads the schema version of an open database.
pub fn current_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

/// Applies every migration newer than the database's version, each in its own transaction.
pub fn apply(conn: &mut Connection) -> rusqlite::Result<i64> {
    let mut version = current_version(conn)?;
    for (i, (name, sql)) in MIGRATIONS.iter().enumerate() {
        let target = i as i64 + 1;
        if version >= target {
            continue;
        }
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", target)?;
        tx.commit()?;
        tracing::info!(
            migration = name,
            version = target,
            "applied schema migration"
        );
        version = target;
    }
    Ok(version)
}
